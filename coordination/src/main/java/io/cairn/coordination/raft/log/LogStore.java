package io.cairn.coordination.raft.log;

import io.cairn.coordination.raft.DurableState;
import io.cairn.coordination.raft.HardState;
import io.cairn.coordination.raft.LogEntry;
import io.cairn.coordination.raft.Snapshot;
import java.util.List;
import java.util.Optional;

/**
 * Where a Raft node keeps what it must not forget: its hard state, its latest snapshot and the log
 * after it.
 *
 * <p>Methods block (file I/O and fsync): call them on the {@code cairn-wal} worker, never on an
 * event loop. Implementations are thread-safe; writes take effect in the order their calls run.
 */
public interface LogStore extends AutoCloseable {
  /**
   * The hard state, the latest snapshot (if any) and the log after it (entries snapshot.index + 1
   * .. n, or 1..n without a snapshot, contiguous) as of the last completed write or install.
   */
  DurableState load();

  /**
   * Records {@code hardState} (if present) and appends {@code append}, then returns only once both
   * are durable. {@code append} must be contiguous and start after the snapshot's index and at most
   * one past the last index; if it starts at or before the last index, the log is first cut at its
   * first index (Raft's conflict overwrite), as {@link io.cairn.coordination.raft.Effects} asks.
   *
   * @throws IllegalArgumentException if {@code append} has a gap (within itself or after the log) or
   *     starts at or before the snapshot's index; then nothing is written, not even the hard state
   */
  void write(Optional<HardState> hardState, List<LogEntry> append);

  /**
   * Durably replaces the log up to {@code snapshot.index()} by {@code snapshot}, then returns. If the
   * log holds entry {@code snapshot.index()} with term {@code snapshot.term()}, the entries after it
   * are kept (compaction of entries this node has, or an InstallSnapshot that matches its log);
   * otherwise the whole log is discarded (Raft §7). A snapshot whose index is at or below the current
   * snapshot's is ignored. The hard state is kept; later {@link #write}s continue after the kept log
   * (right after {@code snapshot.index()} when nothing was kept).
   */
  void saveSnapshot(Snapshot snapshot);

  /** Releases files; the store accepts no more calls. */
  @Override
  void close();
}
