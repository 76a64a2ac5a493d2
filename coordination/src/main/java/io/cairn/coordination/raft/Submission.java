package io.cairn.coordination.raft;

import io.cairn.membership.NodeId;
import java.util.Optional;

/**
 * The answer to {@link RaftCore#propose}, {@link RaftCore#readIndex},
 * {@link RaftCore#transferLeadership} and {@link RaftCore#changeVoters}: taken, or refused and why.
 */
public sealed interface Submission {
  /**
   * Taken. For a proposal, the entry's position: it is committed when an entry with this index and
   * term is handed out to apply; an entry of another term there means it was lost. For a read, the
   * read index, and the {@link ReadState} follows once leadership is confirmed.
   */
  record Accepted(long index, long term) implements Submission {}

  /** Refused; {@code leader} is whom this node believes leads, to forward to. */
  record Refused(Reason reason, Optional<NodeId> leader) implements Submission {}

  enum Reason {
    /** This node is not the leader. */
    NOT_LEADER,
    /**
     * A new leader has not yet committed an entry of its term, so it cannot yet serve a read (nor
     * change the voters).
     */
    LEADER_NOT_READY,
    /** The leader is handing leadership over and takes no proposals meanwhile: retry at the new leader. */
    TRANSFERRING,
    /**
     * Not a change this group can make: a transfer to itself or to a non-voter, or a voter set that
     * does not differ from the current one by exactly one server.
     */
    INVALID_CHANGE,
    /** An earlier voter change is not committed yet: one change at a time. */
    CHANGE_PENDING
  }

  default boolean accepted() {
    return this instanceof Accepted;
  }
}
