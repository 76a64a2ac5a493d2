package io.cairn.coordination.raft;

import io.cairn.membership.NodeId;
import java.util.List;

/** The messages Raft nodes exchange. Every message carries its sender's term. */
public sealed interface RaftMessage {
  enum Kind {
    REQUEST_VOTE, REQUEST_VOTE_RESPONSE, APPEND_ENTRIES, APPEND_ENTRIES_RESPONSE, INSTALL_SNAPSHOT,
    INSTALL_SNAPSHOT_RESPONSE, TIMEOUT_NOW
  }

  Kind kind();

  NodeId from();

  NodeId to();

  long term();

  /**
   * A (pre-)candidate asks for a vote. A pre-vote carries the term the candidate would campaign
   * in, without having moved to it; granting one changes nothing on the voter. A {@code transfer}
   * vote request comes from the target of a leadership transfer ({@link TimeoutNow}): voters answer
   * it even while they still hear from the (outgoing) leader.
   */
  record RequestVote(NodeId from, NodeId to, long term, long lastLogIndex, long lastLogTerm, boolean preVote,
      boolean transfer) implements RaftMessage {
    @Override
    public Kind kind() {
      return Kind.REQUEST_VOTE;
    }
  }

  record RequestVoteResponse(NodeId from, NodeId to, long term, boolean granted, boolean preVote)
      implements RaftMessage {
    @Override
    public Kind kind() {
      return Kind.REQUEST_VOTE_RESPONSE;
    }
  }

  /**
   * Entries after {@code prevLogIndex} (none for a heartbeat). {@code round} is the leader's
   * heartbeat round, echoed back so that ReadIndex can tell which responses came after a read.
   */
  record AppendEntries(NodeId from, NodeId to, long term, long prevLogIndex, long prevLogTerm,
      List<LogEntry> entries, long leaderCommit, long round) implements RaftMessage {
    public AppendEntries {
      entries = List.copyOf(entries);
    }

    @Override
    public Kind kind() {
      return Kind.APPEND_ENTRIES;
    }

    @Override
    public String toString() {
      return "AppendEntries[" + from + "->" + to + " t" + term + " prev=" + prevLogIndex + "@" + prevLogTerm
          + " n=" + entries.size() + " commit=" + leaderCommit + " round=" + round + "]";
    }
  }

  /**
   * On success, {@code matchIndex} is the last index the follower holds durably that matches the
   * leader. On a refusal, {@code rejectedIndex} is the refused {@code prevLogIndex}, and the hints
   * for fast backtracking: the term the follower has at that index ({@code conflictTerm}, 0 when its
   * log is shorter) and the first index it holds of that term ({@code conflictIndex}; its last
   * index + 1 when shorter).
   */
  record AppendEntriesResponse(NodeId from, NodeId to, long term, boolean success, long matchIndex,
      long rejectedIndex, long conflictTerm, long conflictIndex, long round) implements RaftMessage {
    @Override
    public Kind kind() {
      return Kind.APPEND_ENTRIES_RESPONSE;
    }
  }

  /**
   * The leader's snapshot, for a follower that needs entries the leader has compacted away. Sent
   * whole: the coordination state is small (see {@code cluster.max-frame-bytes}).
   */
  record InstallSnapshot(NodeId from, NodeId to, long term, Snapshot snapshot, long round)
      implements RaftMessage {
    @Override
    public Kind kind() {
      return Kind.INSTALL_SNAPSHOT;
    }

    @Override
    public String toString() {
      return "InstallSnapshot[" + from + "->" + to + " t" + term + " " + snapshot + " round=" + round + "]";
    }
  }

  /**
   * The follower holds the snapshot up to {@code snapshotIndex} durably (or already had everything
   * it covers); {@code matchIndex} is its last durable index matching the leader.
   */
  record InstallSnapshotResponse(NodeId from, NodeId to, long term, long snapshotIndex, long matchIndex,
      long round) implements RaftMessage {
    @Override
    public Kind kind() {
      return Kind.INSTALL_SNAPSHOT_RESPONSE;
    }
  }

  /** A leader handing over: the receiver, caught up, starts an election at once (no pre-vote). */
  record TimeoutNow(NodeId from, NodeId to, long term) implements RaftMessage {
    @Override
    public Kind kind() {
      return Kind.TIMEOUT_NOW;
    }
  }
}
