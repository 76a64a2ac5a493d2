package io.cairn.coordination.raft.log;

import io.cairn.coordination.raft.DurableState;
import io.cairn.coordination.raft.HardState;
import io.cairn.coordination.raft.LogEntry;
import java.util.List;
import java.util.Optional;

/**
 * Where a Raft node keeps what it must not forget: its hard state and its log.
 *
 * <p>Methods block (file I/O and fsync): call them on the {@code cairn-wal} worker, never on an
 * event loop. Implementations are thread-safe; writes take effect in the order their calls run.
 */
public interface LogStore extends AutoCloseable {
  /** The hard state and the log (entries 1..n, contiguous) as of the last completed write. */
  DurableState load();

  /**
   * Records {@code hardState} (if present) and appends {@code append}, then returns only once both
   * are durable. {@code append} must be contiguous and start at most one past the last index; if it
   * starts at or before the last index, the log is first cut at its first index (Raft's conflict
   * overwrite), as {@link io.cairn.coordination.raft.Effects} asks.
   *
   * @throws IllegalArgumentException if {@code append} has a gap (within itself or after the log);
   *     then nothing is written, not even the hard state
   */
  void write(Optional<HardState> hardState, List<LogEntry> append);

  /** Releases files; the store accepts no more calls. */
  @Override
  void close();
}
