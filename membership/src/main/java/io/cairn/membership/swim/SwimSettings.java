package io.cairn.membership.swim;

import io.cairn.membership.phi.PhiSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the membership protocol. Each is a trade-off; the defaults ({@link #LAN}) aim at
 * detection in about 3 s on a LAN with no false deaths under 10% message loss.
 *
 * @param probeInterval how often this node pings each peer it monitors. Lower: faster detection,
 *     more messages.
 * @param probeTimeout how long an indirect probe waits for an answer. Lower: faster detection,
 *     more false suspicion on a slow network. Must be shorter than probeInterval.
 * @param monitoredPeers how many peers each node monitors (its successors on a hash ring of the
 *     live members); each member is monitored by as many. Higher: more independent confirmations
 *     of a suspicion, more messages.
 * @param indirectProbes how many other members are asked to probe a peer whose phi crossed the
 *     threshold, before it is suspected. Higher: fewer false suspicions from one bad link.
 * @param gossipInterval how often this node sends queued gossip to {@code gossipFanout} random
 *     members. Lower: faster spread, more messages.
 * @param gossipFanout how many random members get each gossip round.
 * @param retransmitMultiplier lambda: each update is sent about lambda * log10(n + 1) times.
 *     Higher: surer spread under loss, more bytes.
 * @param maxUpdatesPerMessage how many updates one message carries at most.
 * @param suspicionMultiplier the shortest suspicion timeout is this times max(1, log10 n) times the
 *     probe interval (but at least {@code suspicionMinimum}); it is reached when the expected
 *     number of independent suspicions has arrived.
 * @param suspicionMaxMultiplier the longest suspicion timeout (no confirmation) is this times the
 *     shortest. Higher: more time for a slow node to refute, slower detection.
 * @param suspicionMinimum a floor for the shortest suspicion timeout.
 * @param awarenessMax how far this node stretches its own timeouts when it notices that it is
 *     itself slow (Lifeguard): up to (1 + awarenessMax) times.
 * @param pushPullInterval how often this node exchanges its whole member table with a random
 *     member (anti-entropy); stretched by log2(n / 32) above 32 members.
 * @param reconnectInterval how often it tries to reach one DEAD member or a seed outside the
 *     group, so that a healed partition merges again.
 * @param deadRetention how long a DEAD or LEFT member stays in the table before it is forgotten.
 * @param joinBackoffMin the first wait between join attempts; doubled after each failure, with
 *     jitter, up to {@code joinBackoffMax}.
 * @param joinBackoffMax the longest wait between join attempts.
 * @param phi the failure detector fed by the acks of the monitored peers.
 */
public record SwimSettings(
    Duration probeInterval,
    Duration probeTimeout,
    int monitoredPeers,
    int indirectProbes,
    Duration gossipInterval,
    int gossipFanout,
    int retransmitMultiplier,
    int maxUpdatesPerMessage,
    double suspicionMultiplier,
    double suspicionMaxMultiplier,
    Duration suspicionMinimum,
    int awarenessMax,
    Duration pushPullInterval,
    Duration reconnectInterval,
    Duration deadRetention,
    Duration joinBackoffMin,
    Duration joinBackoffMax,
    PhiSettings phi) {

  public static final SwimSettings LAN =
      new SwimSettings(
          Duration.ofMillis(500),
          Duration.ofMillis(300),
          3,
          3,
          Duration.ofMillis(200),
          3,
          4,
          20,
          2.0,
          3.0,
          Duration.ofSeconds(1),
          8,
          Duration.ofSeconds(10),
          Duration.ofSeconds(5),
          Duration.ofMinutes(30),
          Duration.ofMillis(200),
          Duration.ofSeconds(10),
          PhiSettings.DEFAULTS);

  public SwimSettings {
    Objects.requireNonNull(phi, "phi");
    positive(probeInterval, "probe-interval");
    positive(probeTimeout, "probe-timeout");
    positive(gossipInterval, "gossip-interval");
    positive(suspicionMinimum, "suspicion-minimum");
    positive(pushPullInterval, "push-pull-interval");
    positive(reconnectInterval, "reconnect-interval");
    positive(deadRetention, "dead-retention");
    positive(joinBackoffMin, "join-backoff-min");
    positive(joinBackoffMax, "join-backoff-max");
    if (probeTimeout.compareTo(probeInterval) >= 0) {
      throw new IllegalArgumentException("probe-timeout must be shorter than probe-interval");
    }
    if (joinBackoffMax.compareTo(joinBackoffMin) < 0) {
      throw new IllegalArgumentException("join-backoff-max must not be shorter than join-backoff-min");
    }
    atLeast(monitoredPeers, 1, "monitored-peers");
    atLeast(indirectProbes, 0, "indirect-probes");
    atLeast(gossipFanout, 1, "gossip-fanout");
    atLeast(retransmitMultiplier, 1, "retransmit-multiplier");
    atLeast(maxUpdatesPerMessage, 1, "max-updates-per-message");
    atLeast(awarenessMax, 0, "awareness-max");
    if (!(suspicionMultiplier > 0) || Double.isInfinite(suspicionMultiplier)) {
      throw new IllegalArgumentException("suspicion-multiplier must be positive");
    }
    if (!(suspicionMaxMultiplier >= 1) || Double.isInfinite(suspicionMaxMultiplier)) {
      throw new IllegalArgumentException("suspicion-max-multiplier must be at least 1");
    }
  }

  private static void positive(Duration d, String key) {
    Objects.requireNonNull(d, key);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + " must be positive, not " + d);
    }
  }

  private static void atLeast(int value, int min, String key) {
    if (value < min) {
      throw new IllegalArgumentException(key + " must be at least " + min + ", not " + value);
    }
  }
}
