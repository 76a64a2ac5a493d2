package io.cairn.membership.phi;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the phi-accrual failure detector (Hayashibara et al.).
 *
 * @param threshold phi above which a peer is suspected. Lower: faster detection, more false
 *     suspicion. 8 means the detector is wrong about one time in 10^8 if arrivals were normal.
 * @param windowSize how many inter-arrival times it remembers. Larger: steadier estimate, slower
 *     to adapt to a changed network.
 * @param minStdDev the smallest standard deviation it assumes. Larger: tolerates more jitter on a
 *     very regular network (loopback), detects later.
 * @param acceptablePause a silence it adds to the mean before it grows suspicious. Larger:
 *     survives GC pauses and lost heartbeats, detects later by the same amount.
 * @param firstInterval the interval it assumes before it has seen two arrivals (the probe
 *     interval is the right value).
 */
public record PhiSettings(
    double threshold,
    int windowSize,
    Duration minStdDev,
    Duration acceptablePause,
    Duration firstInterval) {
  public static final PhiSettings DEFAULTS =
      new PhiSettings(8.0, 100, Duration.ofMillis(100), Duration.ofMillis(0), Duration.ofMillis(500));

  public PhiSettings {
    Objects.requireNonNull(minStdDev, "minStdDev");
    Objects.requireNonNull(acceptablePause, "acceptablePause");
    Objects.requireNonNull(firstInterval, "firstInterval");
    if (!(threshold > 0) || Double.isInfinite(threshold)) {
      throw new IllegalArgumentException("phi threshold must be positive and finite: " + threshold);
    }
    if (windowSize < 2) {
      throw new IllegalArgumentException("phi window size must be at least 2: " + windowSize);
    }
    if (minStdDev.isNegative() || minStdDev.isZero()) {
      throw new IllegalArgumentException("phi min-std-dev must be positive: " + minStdDev);
    }
    if (acceptablePause.isNegative()) {
      throw new IllegalArgumentException("phi acceptable-pause must not be negative");
    }
    if (firstInterval.isNegative() || firstInterval.isZero()) {
      throw new IllegalArgumentException("phi first interval must be positive: " + firstInterval);
    }
  }

  public PhiSettings withFirstInterval(Duration interval) {
    return new PhiSettings(threshold, windowSize, minStdDev, acceptablePause, interval);
  }
}
