package io.cairn.coordination.raft;

import java.util.List;
import java.util.Objects;

/**
 * What a node restarts from: the last hard state and the log entries that were reported durable
 * (indices 1..n, contiguous). A shell builds it from its write-ahead log; a simulation from what
 * it recorded as persisted, so a crash loses everything that was not.
 */
public record DurableState(HardState hardState, List<LogEntry> log) {
  public static final DurableState EMPTY = new DurableState(HardState.INITIAL, List.of());

  public DurableState {
    Objects.requireNonNull(hardState, "hardState");
    log = List.copyOf(log);
    for (int i = 0; i < log.size(); i++) {
      LogEntry e = log.get(i);
      if (e.index() != i + 1) {
        throw new IllegalArgumentException("a restored log starts at 1 and has no gaps: entry " + i + " is " + e);
      }
      if (e.term() > hardState.term() || (i > 0 && e.term() < log.get(i - 1).term())) {
        throw new IllegalArgumentException("terms in a log never decrease nor pass the hard state's term: " + e);
      }
    }
  }
}
