package io.cairn.coordination.raft;

import io.cairn.membership.NodeId;

/**
 * A leader's view of one follower, for status pages: the last index known replicated there, the
 * next one to send, and how it is being sent (PROBE: looking for where the logs match;
 * REPLICATE: streaming; SNAPSHOT: the follower is being sent the leader's snapshot).
 */
public record FollowerProgress(NodeId node, long matchIndex, long nextIndex, String state) {}
