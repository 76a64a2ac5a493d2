package io.cairn.coordination.raft;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link RaftCore} trades failover speed against stability and throughput against memory.
 *
 * @param electionTimeoutMin the shortest time a follower waits without hearing from a leader
 *     before it starts a (pre-)election; also the CheckQuorum window in which a leader must hear
 *     from a majority, and the lease during which a follower ignores vote requests. Lower: faster
 *     failover; more needless elections when the network or a GC pause stalls heartbeats.
 * @param electionTimeoutMax the longest such wait; each timeout is drawn uniformly from
 *     [min, max). A wider range: fewer split votes (candidates rarely wake together); slower
 *     worst-case failover.
 * @param heartbeatInterval how often a leader sends heartbeats (and retries a lost probe). Must be
 *     well under {@code electionTimeoutMin} (a tenth is usual). Lower: faster detection of a lost
 *     append and faster ReadIndex confirmation rounds; more messages when idle.
 * @param maxInflight how many AppendEntries messages with entries a leader may have outstanding to
 *     one follower (pipelining). Higher: more throughput over a link with latency; more memory and
 *     more to resend after a loss.
 * @param maxEntriesPerMessage the most entries in one AppendEntries. Higher: fewer messages under
 *     load; larger messages to retransmit.
 * @param maxBytesPerMessage the most command bytes in one AppendEntries (a single larger entry is
 *     still sent alone). Together with {@code maxInflight} it bounds the bytes in flight to one
 *     follower to {@code maxInflight * maxBytesPerMessage}.
 */
public record RaftSettings(
    Duration electionTimeoutMin,
    Duration electionTimeoutMax,
    Duration heartbeatInterval,
    int maxInflight,
    int maxEntriesPerMessage,
    int maxBytesPerMessage) {

  /** A LAN: a leader that dies is replaced in about 0.5–1 s. */
  public static final RaftSettings LAN =
      new RaftSettings(Duration.ofMillis(500), Duration.ofMillis(1000), Duration.ofMillis(50), 64, 256, 1 << 20);

  /** For simulations: quick elections on a virtual clock. */
  public static final RaftSettings FAST_TEST =
      new RaftSettings(Duration.ofMillis(150), Duration.ofMillis(300), Duration.ofMillis(30), 4, 8, 4096);

  public RaftSettings {
    Objects.requireNonNull(electionTimeoutMin, "electionTimeoutMin");
    Objects.requireNonNull(electionTimeoutMax, "electionTimeoutMax");
    Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
    check(!heartbeatInterval.isNegative() && !heartbeatInterval.isZero(),
        "cp.raft.heartbeat-interval", "must be positive: " + heartbeatInterval);
    check(heartbeatInterval.compareTo(electionTimeoutMin) < 0,
        "cp.raft.heartbeat-interval", "must be shorter than election-timeout-min ("
            + heartbeatInterval + " >= " + electionTimeoutMin + ")");
    check(electionTimeoutMin.compareTo(electionTimeoutMax) < 0,
        "cp.raft.election-timeout-min", "must be shorter than election-timeout-max ("
            + electionTimeoutMin + " >= " + electionTimeoutMax + ")");
    check(maxInflight >= 1, "cp.raft.max-inflight", "must be at least 1: " + maxInflight);
    check(maxEntriesPerMessage >= 1, "cp.raft.max-entries-per-message", "must be at least 1: " + maxEntriesPerMessage);
    check(maxBytesPerMessage >= 1, "cp.raft.max-bytes-per-message", "must be at least 1: " + maxBytesPerMessage);
  }

  private static void check(boolean ok, String key, String what) {
    if (!ok) {
      throw new IllegalArgumentException(key + ": " + what);
    }
  }
}
