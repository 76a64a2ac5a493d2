package io.cairn.coordination;

import io.cairn.coordination.raft.RaftSettings;
import io.cairn.membership.NodeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a node takes part in the coordination group.
 *
 * @param dir where the Raft write-ahead log and snapshots live ({@code <data.dir>/raft})
 * @param voters how many voters the group has: 1, 3 or 5 ({@code cp.voters}). More voters
 *     survive more failures (a majority must live) and make every write wait for more replies.
 * @param initialVoters the node ids of the first voters ({@code cp.initial-voters}); empty: the
 *     {@code voters} members with the lowest node ids, once as many have joined and the
 *     membership has been stable for {@code bootstrapSettle}. Naming them is the safe choice when
 *     nodes start at different times (the Helm chart names the first pods).
 * @param bootstrapSettle how long the membership must stay unchanged before a node without an
 *     explicit voter list picks the voters ({@code cp.bootstrap-settle}). Longer: less risk that
 *     nodes that have not yet seen each other pick different voters; a slower first start.
 * @param requestTimeout how long a coordination request may wait for a leader and its commit
 *     before it is answered 503 ({@code cp.request-timeout}).
 * @param snapshotEntries how many applied entries the log keeps before the state is snapshotted
 *     and the log compacted ({@code cp.snapshot-entries}). Lower: less disk and faster restarts;
 *     more snapshot writes.
 * @param replaceDeadVoterAfter how long a voter must have been dead (or gone) in the membership
 *     before the leader replaces it with a live member that is not a voter, if there is one
 *     ({@code cp.replace-dead-voter-after}; zero: never). Shorter: the group regains its margin
 *     sooner; a voter that was only restarting or rescheduled comes back to find itself replaced.
 * @param maxPendingRequests how many commands (and, apart, reads) may wait at the leader at once
 *     ({@code cp.max-pending-requests}); past it the leader refuses more (503) until some commit.
 *     Bounds the memory a leader that cannot commit (cut off, a slow disk) spends on its backlog.
 * @param raft the election and replication timings ({@code cp.raft.*})
 */
public record CoordinationSettings(
    Path dir,
    int voters,
    List<NodeId> initialVoters,
    Duration bootstrapSettle,
    Duration requestTimeout,
    long snapshotEntries,
    Duration replaceDeadVoterAfter,
    int maxPendingRequests,
    RaftSettings raft) {

  public static final int DEFAULT_VOTERS = 1;
  public static final Duration DEFAULT_BOOTSTRAP_SETTLE = Duration.ofSeconds(2);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);
  public static final long DEFAULT_SNAPSHOT_ENTRIES = 10_000;
  /**
   * Longer than a restart, and than Kubernetes takes to evict and reschedule the pods of an
   * unreachable node (5 minutes by default), so a voter coming back as itself is not replaced.
   */
  public static final Duration DEFAULT_REPLACE_DEAD_VOTER_AFTER = Duration.ofMinutes(10);
  public static final int DEFAULT_MAX_PENDING_REQUESTS = 10_000;

  public CoordinationSettings {
    Objects.requireNonNull(dir, "dir");
    initialVoters = List.copyOf(initialVoters);
    Objects.requireNonNull(bootstrapSettle, "bootstrapSettle");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(raft, "raft");
    if (voters != 1 && voters != 3 && voters != 5) {
      throw new IllegalArgumentException("cp.voters must be 1, 3 or 5, not " + voters);
    }
    if (!initialVoters.isEmpty() && (initialVoters.size() != voters
        || initialVoters.stream().distinct().count() != voters)) {
      throw new IllegalArgumentException("cp.initial-voters must name " + voters + " distinct node ids (cp.voters), not "
          + initialVoters);
    }
    if (bootstrapSettle.isNegative()) {
      throw new IllegalArgumentException("cp.bootstrap-settle must not be negative: " + bootstrapSettle);
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("cp.request-timeout must be positive: " + requestTimeout);
    }
    Objects.requireNonNull(replaceDeadVoterAfter, "replaceDeadVoterAfter");
    if (replaceDeadVoterAfter.isNegative()) {
      throw new IllegalArgumentException("cp.replace-dead-voter-after must not be negative: " + replaceDeadVoterAfter);
    }
    if (maxPendingRequests < 1) {
      throw new IllegalArgumentException("cp.max-pending-requests must be at least 1: " + maxPendingRequests);
    }
    if (snapshotEntries < 1) {
      throw new IllegalArgumentException("cp.snapshot-entries must be at least 1: " + snapshotEntries);
    }
  }

  /** A lone voter with the defaults, its log under {@code dir}. */
  public static CoordinationSettings defaults(Path dir) {
    return new CoordinationSettings(dir, DEFAULT_VOTERS, List.of(), DEFAULT_BOOTSTRAP_SETTLE, DEFAULT_REQUEST_TIMEOUT,
        DEFAULT_SNAPSHOT_ENTRIES, DEFAULT_REPLACE_DEAD_VOTER_AFTER, DEFAULT_MAX_PENDING_REQUESTS, RaftSettings.LAN);
  }
}
