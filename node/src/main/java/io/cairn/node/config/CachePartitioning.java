package io.cairn.node.config;

import java.time.Duration;

/**
 * The {@code cache.*} keys: how the caches are spread over the cluster.
 *
 * @param partitions how many partitions the keys are spread over; fixed when the cluster forms (a
 *     node configured with another count cannot join)
 * @param lease the TTL of a node's ownership lease (at least 1s)
 * @param requestTimeout how long a cache request waits for its partition's owner
 * @param rebalanceDelay how long the members must stay the same before partitions move
 * @param maxMigrations how many partition replicas are filled at once in the whole cluster
 * @param orphanTimeout how long a partition whose only copy left waits for it to come back
 */
public record CachePartitioning(int partitions, Duration lease, Duration requestTimeout, Duration rebalanceDelay,
    int maxMigrations, Duration orphanTimeout) {
  public CachePartitioning {
    Check.that(lease.toMillis() >= 1_000, "cache.lease", "must be at least 1s, got " + Values.formatDuration(lease));
    Check.that(!rebalanceDelay.isNegative(), "cache.rebalance-delay", "must not be negative");
  }

  public static CachePartitioning defaults() {
    io.cairn.cache.ClusterSettings d = io.cairn.cache.ClusterSettings.defaults();
    return new CachePartitioning(io.cairn.cache.partition.Partitioner.DEFAULT_PARTITION_COUNT, d.lease(),
        d.requestTimeout(), d.rebalanceDelay(), d.maxMigrations(), d.orphanTimeout());
  }
}
