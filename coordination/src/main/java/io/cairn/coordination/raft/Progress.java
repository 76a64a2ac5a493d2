package io.cairn.coordination.raft;

import java.util.ArrayDeque;

/**
 * A leader's view of one follower. PROBE: one AppendEntries at a time, walking back to where the
 * logs match. REPLICATE: pipelined, {@code next} advanced optimistically, at most
 * {@code maxInflight} messages with entries outstanding. SNAPSHOT: the follower needs entries the
 * leader has compacted away; one InstallSnapshot is outstanding and nothing else is sent but
 * heartbeats until it is acknowledged (or resent after a while).
 */
final class Progress {
  enum State { PROBE, REPLICATE, SNAPSHOT }

  final io.cairn.membership.NodeId peer;
  State state = State.PROBE;
  /** The highest index known to match the leader's log and be durable on the follower. */
  long match;
  long next;
  /** PROBE: a probe is outstanding; sent again on a response or the next heartbeat. */
  boolean paused;
  /** The last index of each message with entries in flight, oldest first. */
  final ArrayDeque<Long> inflight = new ArrayDeque<>();
  /** Whether {@code match} rose since the last heartbeat (a REPLICATE stream that did not is stalled). */
  boolean progressed;
  /** Heard from in the current CheckQuorum window. */
  boolean recentActive;
  /** The highest heartbeat round this follower answered in the leader's term. */
  long ackedRound;
  /** SNAPSHOT: the index of the snapshot sent; heartbeats since it was sent. */
  long pendingSnapshot;
  int snapshotHeartbeats;

  Progress(io.cairn.membership.NodeId peer, long next) {
    this.peer = peer;
    this.next = next;
  }

  void freeInflightUpTo(long index) {
    while (!inflight.isEmpty() && inflight.peekFirst() <= index) {
      inflight.pollFirst();
    }
  }

  void becomeProbe(long next) {
    state = State.PROBE;
    this.next = Math.max(next, match + 1);
    paused = false;
    inflight.clear();
  }

  void becomeSnapshot(long snapshotIndex) {
    state = State.SNAPSHOT;
    pendingSnapshot = snapshotIndex;
    snapshotHeartbeats = 0;
    paused = true;
    inflight.clear();
  }

  void becomeReplicate() {
    state = State.REPLICATE;
    next = match + 1;
    paused = false;
    inflight.clear();
  }

  @Override
  public String toString() {
    return state + " match=" + match + " next=" + next + " inflight=" + inflight.size();
  }
}
