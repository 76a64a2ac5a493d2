package io.cairn.cache;

import java.time.Duration;
import java.util.Objects;

/**
 * How a node takes part in the cluster's caches ({@code cache.*} keys).
 *
 * @param zone this node's failure domain ({@code node.zone}, {@code ""} for none): the planner puts
 *     a partition's replicas in distinct zones as far as the zones allow
 * @param lease the TTL of the node's ownership lease, a session of the coordination group ({@code
 *     cache.lease}); it serves its partitions until 80% of it has passed since it sent its last
 *     acknowledged keepalive (sent every fifth of it). Lower: a dead owner's partitions move
 *     sooner; higher: fewer keepalives, and a longer pause survived without losing the partitions
 * @param requestTimeout how long a request waits for its partition's owner ({@code
 *     cache.request-timeout}), across hand-overs and failovers, before it fails with 503
 * @param rebalanceDelay how long the members must stay the same before partitions move to a new
 *     node ({@code cache.rebalance-delay}); failures are taken over at once by backups
 * @param maxMigrations how many partition replicas may be filled at once in the whole cluster
 *     ({@code cache.max-migrations})
 * @param orphanTimeout how long a partition whose owner left without a backup waits for it to come
 *     back (its store has the only complete copy) before another member takes it over, with what
 *     a pending replica of it has or empty ({@code cache.orphan-timeout})
 */
public record ClusterSettings(String zone, Duration lease, Duration requestTimeout, Duration rebalanceDelay,
    int maxMigrations, Duration orphanTimeout) {
  public ClusterSettings {
    Objects.requireNonNull(zone, "zone");
    requirePositive(lease, "cache.lease");
    requirePositive(requestTimeout, "cache.request-timeout");
    requirePositive(orphanTimeout, "cache.orphan-timeout");
    if (rebalanceDelay == null || rebalanceDelay.isNegative()) {
      throw new IllegalArgumentException("cache.rebalance-delay: must not be negative, got " + rebalanceDelay);
    }
    if (lease.toMillis() < 1_000) {
      throw new IllegalArgumentException("cache.lease: must be at least 1s (a session's shortest TTL), got " + lease);
    }
    if (maxMigrations < 1) {
      throw new IllegalArgumentException("cache.max-migrations: must be at least 1, got " + maxMigrations);
    }
  }

  public static ClusterSettings defaults() {
    return new ClusterSettings("", Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(2), 8,
        Duration.ofMinutes(5));
  }

  public ClusterSettings withZone(String newZone) {
    return new ClusterSettings(newZone, lease, requestTimeout, rebalanceDelay, maxMigrations, orphanTimeout);
  }

  private static void requirePositive(Duration d, String key) {
    if (d == null || d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(key + ": must be a positive duration, got " + d);
    }
  }
}
