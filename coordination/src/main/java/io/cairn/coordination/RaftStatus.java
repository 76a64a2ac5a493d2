package io.cairn.coordination;

import io.cairn.coordination.raft.FollowerProgress;
import io.cairn.membership.NodeId;
import java.util.List;
import java.util.Optional;

/**
 * This node's view of the coordination group, for {@code GET /v1/cluster/raft}.
 *
 * @param role LEADER, FOLLOWER, PRE_CANDIDATE, CANDIDATE; NON_VOTER for a node outside the voter
 *     set (it forwards); BOOTSTRAPPING while the group has not formed yet
 * @param voters the voter set as this node knows it
 * @param progress on a leader, each follower's replication progress; empty elsewhere
 */
public record RaftStatus(
    NodeId node,
    String role,
    long term,
    Optional<NodeId> leader,
    long commitIndex,
    long appliedIndex,
    long lastIndex,
    long snapshotIndex,
    List<NodeId> voters,
    List<FollowerProgress> progress) {}
