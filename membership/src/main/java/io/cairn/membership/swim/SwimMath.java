package io.cairn.membership.swim;

import java.time.Duration;
import java.util.random.RandomGenerator;

/** The formulas of the membership protocol, table-tested on their own. */
public final class SwimMath {
  private SwimMath() {}

  /** How many times each update is sent: lambda * ceil(log10(n + 1)), at least lambda. */
  public static int retransmitLimit(int multiplier, int clusterSize) {
    int scale = (int) Math.ceil(Math.log10(Math.max(1, clusterSize) + 1.0));
    return multiplier * Math.max(1, scale);
  }

  /**
   * The shortest suspicion timeout: multiplier * max(1, log10 n) * probe interval, at least the
   * minimum. Grows slowly with the group, because gossip needs log n rounds to spread a refutation.
   */
  public static long suspicionMinNanos(SwimSettings s, int clusterSize) {
    double scale = Math.max(1.0, Math.log10(Math.max(1, clusterSize)));
    long computed = (long) (s.suspicionMultiplier() * scale * s.probeInterval().toNanos());
    return Math.max(computed, s.suspicionMinimum().toNanos());
  }

  public static long suspicionMaxNanos(SwimSettings s, int clusterSize) {
    return (long) (s.suspicionMaxMultiplier() * suspicionMinNanos(s, clusterSize));
  }

  /**
   * Lifeguard's dynamic suspicion timeout: it starts at {@code max} and falls towards {@code min}
   * as independent confirmations arrive, reaching it at {@code expected} confirmations:
   * max - (max - min) * log(c + 1) / log(expected + 1).
   */
  public static long suspicionTimeoutNanos(
      long minNanos, long maxNanos, int confirmations, int expected) {
    if (expected < 1) {
      return minNanos;
    }
    double fraction = Math.log(confirmations + 1.0) / Math.log(expected + 1.0);
    long timeout = (long) (maxNanos - (maxNanos - minNanos) * fraction);
    return Math.max(minNanos, Math.min(maxNanos, timeout));
  }

  /** The push-pull interval, stretched by log2(n / 32) above 32 members so its cost stays flat. */
  public static long pushPullIntervalNanos(Duration base, int clusterSize) {
    long nanos = base.toNanos();
    if (clusterSize <= 32) {
      return nanos;
    }
    double multiplier = Math.ceil(Math.log(clusterSize) / Math.log(2) - 5.0) + 1.0;
    return (long) (nanos * multiplier);
  }

  /**
   * Exponential backoff with full jitter: a uniform wait in [min, min(max, min * 2^attempt)].
   */
  public static long backoffNanos(Duration min, Duration max, int attempt, RandomGenerator random) {
    long lo = min.toNanos();
    long hi = max.toNanos();
    long ceiling = attempt >= 62 ? hi : Math.min(hi, lo << Math.min(attempt, 30));
    if (ceiling <= lo) {
      return lo;
    }
    return lo + random.nextLong(ceiling - lo + 1);
  }

  /** A 64-bit hash of a string that places node ids on the monitoring ring. */
  public static long ringHash(String s) {
    long h = 0xcbf29ce484222325L; // FNV-1a
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33; // and a finalizer so that similar names spread over the ring
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
