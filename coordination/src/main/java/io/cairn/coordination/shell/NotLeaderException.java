package io.cairn.coordination.shell;

import io.cairn.coordination.raft.Submission;
import io.cairn.membership.NodeId;
import java.util.Optional;

/**
 * This node cannot take the request because it does not lead (or, as a new leader, cannot serve a
 * read yet). Nothing was appended: the request can be sent again, to {@link #leader()} if known.
 */
public final class NotLeaderException extends RuntimeException {
  private final transient Optional<NodeId> leader;
  private final transient Submission.Reason reason;

  public NotLeaderException(Optional<NodeId> leader, Submission.Reason reason) {
    super(reason == Submission.Reason.LEADER_NOT_READY
        ? "the leader has not yet committed an entry of its term"
        : "not the leader" + leader.map(l -> "; the leader is " + l).orElse("; no leader is known"),
        null, false, false);
    this.leader = leader;
    this.reason = reason;
  }

  /** Whom this node believes leads. */
  public Optional<NodeId> leader() {
    return leader;
  }

  /** Why; null when the node stopped or lost leadership while the request waited. */
  public Submission.Reason reason() {
    return reason;
  }
}
