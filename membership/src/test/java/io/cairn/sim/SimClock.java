package io.cairn.sim;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Virtual monotonic time for a simulation. It counts {@link #elapsedNanos()} from zero, which
 * orders the event queue and never overflows in a run, and shows the cores
 * {@link #nowNanos()} = {@code start + elapsed}, which may start anywhere, near
 * {@link Long#MAX_VALUE} included, and wrap, as {@code System.nanoTime()} may. A core that compares
 * raw values with {@code <} instead of by subtraction fails on such a clock.
 */
public final class SimClock {
  private final long startNanos;
  private long elapsedNanos;

  public SimClock(long startNanos) {
    this.startNanos = startNanos;
  }

  /**
   * A start value chosen by the run's random: one run in three starts two minutes before
   * {@link Long#MAX_VALUE} (so the clock wraps during the run), one in three at a negative value,
   * the rest anywhere.
   */
  public static long arbitraryStart(RandomGenerator random) {
    return switch (random.nextInt(3)) {
      case 0 -> Long.MAX_VALUE - Duration.ofMinutes(2).toNanos();
      case 1 -> Long.MIN_VALUE + random.nextLong(Duration.ofDays(1).toNanos());
      default -> random.nextLong();
    };
  }

  /** What a core is given as "now". */
  public long nowNanos() {
    return startNanos + elapsedNanos;
  }

  public long startNanos() {
    return startNanos;
  }

  /** Virtual time since the run began; never negative, never decreasing. */
  public long elapsedNanos() {
    return elapsedNanos;
  }

  /** The core's clock value at {@code elapsed} into the run. */
  public long nanosAt(long elapsed) {
    return startNanos + elapsed;
  }

  void advanceTo(long elapsed) {
    if (elapsed < elapsedNanos) {
      throw new IllegalStateException(
          "virtual time runs forward only: at " + elapsedNanos + ", asked for " + elapsed);
    }
    elapsedNanos = elapsed;
  }

  /** {@code 12.345678s}: elapsed virtual time as people read it. */
  public static String format(long elapsedNanos) {
    return String.format("%d.%06ds", elapsedNanos / 1_000_000_000L, (elapsedNanos % 1_000_000_000L) / 1000);
  }
}
