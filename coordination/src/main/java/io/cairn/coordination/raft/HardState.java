package io.cairn.coordination.raft;

import io.cairn.membership.NodeId;
import java.util.Optional;

/**
 * What a node must have on disk before it answers anyone: its term, whom it voted for in that
 * term, and the commit index it knows (a hint that lets a restarted node apply committed entries
 * at once; losing it is safe).
 */
public record HardState(long term, Optional<NodeId> votedFor, long commitIndex) {
  public static final HardState INITIAL = new HardState(0, Optional.empty(), 0);

  public HardState {
    if (term < 0 || commitIndex < 0) {
      throw new IllegalArgumentException("term and commit index are never negative: " + term + ", " + commitIndex);
    }
    votedFor = votedFor == null ? Optional.empty() : votedFor;
  }
}
