package io.cairn.coordination.raft.log;

import io.cairn.coordination.raft.DurableState;
import io.cairn.coordination.raft.HardState;
import io.cairn.coordination.raft.LogEntry;
import io.cairn.coordination.raft.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link LogStore} in memory, for tests and simulations: "durable" until the object is dropped.
 * It is also the reference the write-ahead log's tests compare against.
 */
public final class InMemoryLogStore implements LogStore {
  private HardState hardState = HardState.INITIAL;
  private Optional<Snapshot> snapshot = Optional.empty();
  /** The entries after the snapshot: {@code log.get(i)} has index {@code base() + 1 + i}. */
  private final ArrayList<LogEntry> log = new ArrayList<>();
  private boolean closed;

  @Override
  public synchronized DurableState load() {
    checkOpen();
    return new DurableState(hardState, snapshot, log);
  }

  @Override
  public synchronized void write(Optional<HardState> hardState, List<LogEntry> append) {
    checkOpen();
    Objects.requireNonNull(hardState, "hardState");
    long base = base();
    Appends.checkContiguous(base, base + log.size(), append);
    if (!append.isEmpty()) {
      int keep = (int) (append.get(0).index() - base - 1);
      log.subList(keep, log.size()).clear();
      log.addAll(append);
    }
    hardState.ifPresent(h -> this.hardState = h);
  }

  @Override
  public synchronized void saveSnapshot(Snapshot snapshot) {
    checkOpen();
    Objects.requireNonNull(snapshot, "snapshot");
    long base = base();
    if (snapshot.index() <= base) {
      return;
    }
    int at = (int) (snapshot.index() - base - 1);
    if (at < log.size() && log.get(at).term() == snapshot.term()) {
      log.subList(0, at + 1).clear();
    } else {
      log.clear();
    }
    this.snapshot = Optional.of(snapshot);
  }

  @Override
  public synchronized void close() {
    closed = true;
  }

  private long base() {
    return snapshot.map(Snapshot::index).orElse(0L);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the log store is closed");
    }
  }
}
