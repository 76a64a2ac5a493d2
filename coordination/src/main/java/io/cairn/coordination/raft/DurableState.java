package io.cairn.coordination.raft;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a node restarts from: the last hard state, the last snapshot (if the log was compacted) and
 * the log entries after it that were reported durable (contiguous, starting at the snapshot's index
 * + 1, or at 1 without one). A shell builds it from its write-ahead log; a simulation from what it
 * recorded as persisted, so a crash loses everything that was not.
 */
public record DurableState(HardState hardState, Optional<Snapshot> snapshot, List<LogEntry> log) {
  public static final DurableState EMPTY = new DurableState(HardState.INITIAL, List.of());

  /** A state without a snapshot: the log starts at index 1. */
  public DurableState(HardState hardState, List<LogEntry> log) {
    this(hardState, Optional.empty(), log);
  }

  public DurableState {
    Objects.requireNonNull(hardState, "hardState");
    Objects.requireNonNull(snapshot, "snapshot");
    log = List.copyOf(log);
    long first = snapshot.map(s -> s.index() + 1).orElse(1L);
    for (int i = 0; i < log.size(); i++) {
      LogEntry e = log.get(i);
      if (e.index() != first + i) {
        throw new IllegalArgumentException("a restored log starts at " + first + " and has no gaps: entry " + i
            + " is " + e);
      }
      if (e.term() > hardState.term() || (i > 0 && e.term() < log.get(i - 1).term())
          || (i == 0 && snapshot.isPresent() && e.term() < snapshot.get().term())) {
        throw new IllegalArgumentException("terms in a log never decrease nor pass the hard state's term: " + e);
      }
    }
  }
}
