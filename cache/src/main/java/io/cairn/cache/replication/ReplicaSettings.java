package io.cairn.cache.replication;

/**
 * The timing of a node's replication.
 *
 * @param leaseNanos the TTL of this node's session in the coordination group: its ownership lease
 * @param retryNanos how long a request to another holder may go unanswered before it is sent again
 * @param deferNanos how long a request that names a newer view than this node's waits for it
 *     before it is refused
 */
public record ReplicaSettings(long leaseNanos, long retryNanos, long deferNanos) {
  /**
   * The part of the lease a node uses: it serves until this fraction of the TTL has passed since it
   * sent its last acknowledged keepalive. The group expires the session no sooner than the whole
   * TTL after it applied that keepalive, so the rest is the margin for clocks that run at different
   * rates (up to 20%) and for the time between a check and an answer.
   */
  public static final double LEASE_FRACTION = 0.8;

  public ReplicaSettings {
    if (leaseNanos <= 0 || retryNanos <= 0 || deferNanos <= 0) {
      throw new IllegalArgumentException("replication timings must be positive");
    }
  }

  /** How long after sending an acknowledged keepalive this node may serve. */
  public long servingNanos() {
    return (long) (leaseNanos * LEASE_FRACTION);
  }
}
