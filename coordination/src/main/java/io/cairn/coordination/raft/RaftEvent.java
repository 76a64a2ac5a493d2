package io.cairn.coordination.raft;

import io.cairn.membership.NodeId;
import java.util.List;
import java.util.Optional;

/** What happened inside a core, for the shell's logs and metrics and for tests to assert on. */
public sealed interface RaftEvent {
  /** The node's role changed (or its term did, in the same role). */
  record RoleChanged(NodeId node, long term, Role from, Role to, Optional<NodeId> leader, String reason)
      implements RaftEvent {}

  /**
   * A leader began handing leadership to {@code target}, or stopped: COMPLETED when a newer term
   * began while it was handing over (most likely the target's), ABORTED when it timed out or the
   * leader stepped down otherwise.
   */
  record LeadershipTransfer(NodeId node, long term, NodeId target, Outcome outcome, String reason)
      implements RaftEvent {
    public enum Outcome { STARTED, COMPLETED, ABORTED }
  }

  /** A leader lost leadership with reads still unconfirmed: the shell fails them (retryable). */
  record ReadsAbandoned(NodeId node, long term, List<Long> requestIds) implements RaftEvent {}
}
