package io.cairn.coordination.raft.log;

import io.cairn.coordination.raft.DurableState;
import io.cairn.coordination.raft.HardState;
import io.cairn.coordination.raft.LogEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A {@link LogStore} in memory, for tests and simulations: "durable" until the object is dropped. */
public final class InMemoryLogStore implements LogStore {
  private HardState hardState = HardState.INITIAL;
  private final ArrayList<LogEntry> log = new ArrayList<>();
  private boolean closed;

  @Override
  public synchronized DurableState load() {
    checkOpen();
    return new DurableState(hardState, log);
  }

  @Override
  public synchronized void write(Optional<HardState> hardState, List<LogEntry> append) {
    checkOpen();
    Objects.requireNonNull(hardState, "hardState");
    Appends.checkContiguous(log.size(), append);
    if (!append.isEmpty()) {
      int keep = (int) append.get(0).index() - 1;
      log.subList(keep, log.size()).clear();
      log.addAll(append);
    }
    hardState.ifPresent(h -> this.hardState = h);
  }

  @Override
  public synchronized void close() {
    closed = true;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the log store is closed");
    }
  }
}
