package io.cairn.membership.phi;

/**
 * The phi-accrual failure detector of Hayashibara et al. for one peer: it keeps a sliding window
 * of the intervals between the peer's heartbeats, models the next interval as a normal
 * distribution with the window's mean (plus an acceptable pause) and standard deviation (at least
 * a minimum), and says how surprising the current silence is as phi = -log10(P(silence this
 * long)). Pure and not thread-safe; times are monotonic nanoseconds compared by subtraction.
 */
public final class PhiDetector {
  private final PhiSettings settings;
  private final long[] window;
  private final double minStdDevNanos;
  private final double acceptablePauseNanos;
  private int count;
  private int next;
  private double sum;
  private double sumOfSquares;
  private boolean started;
  private long lastArrival;

  public PhiDetector(PhiSettings settings) {
    this.settings = settings;
    this.window = new long[settings.windowSize()];
    this.minStdDevNanos = settings.minStdDev().toNanos();
    this.acceptablePauseNanos = settings.acceptablePause().toNanos();
    // Until real intervals arrive, assume the expected interval with a spread of a quarter of it.
    long first = settings.firstInterval().toNanos();
    add(first - first / 4);
    add(first + first / 4);
  }

  /**
   * Records a heartbeat at {@code nowNanos}. The interval since the previous one enters the window
   * unless phi had already crossed the threshold: a silence that was treated as a failure is not
   * a sample of the peer's normal rhythm.
   */
  public void heartbeat(long nowNanos) {
    if (started) {
      long interval = nowNanos - lastArrival;
      if (interval >= 0 && phi(nowNanos) <= settings.threshold()) {
        add(interval);
      }
    }
    started = true;
    lastArrival = nowNanos;
  }

  /**
   * Treats {@code nowNanos} as the last arrival without recording an interval: used when this
   * node itself was paused, so that its own silence is not blamed on the peer.
   */
  public void restart(long nowNanos) {
    started = true;
    lastArrival = nowNanos;
  }

  /** Phi at {@code nowNanos}: 0 before the first heartbeat; always finite and non-negative. */
  public double phi(long nowNanos) {
    return phi(nowNanos, 0L);
  }

  /** Phi with {@code extraPauseNanos} more silence tolerated (a node that knows it is slow). */
  public double phi(long nowNanos, long extraPauseNanos) {
    if (!started) {
      return 0.0;
    }
    double elapsed = nowNanos - lastArrival;
    double mean = sum / count + acceptablePauseNanos + extraPauseNanos;
    double variance = Math.max(0.0, sumOfSquares / count - (sum / count) * (sum / count));
    double stdDev = Math.max(Math.sqrt(variance), minStdDevNanos);
    return PhiMath.phi(elapsed, mean, stdDev);
  }

  public boolean isAvailable(long nowNanos) {
    return phi(nowNanos) <= settings.threshold();
  }

  public double threshold() {
    return settings.threshold();
  }

  /** The mean of the intervals in the window, in nanoseconds. */
  public double meanIntervalNanos() {
    return sum / count;
  }

  int samples() {
    return count;
  }

  private void add(long interval) {
    if (count == window.length) {
      long old = window[next];
      sum -= old;
      sumOfSquares -= (double) old * old;
    } else {
      count++;
    }
    window[next] = interval;
    next = (next + 1) % window.length;
    sum += interval;
    sumOfSquares += (double) interval * interval;
  }

  /** For log lines. */
  @Override
  public String toString() {
    return "PhiDetector[samples=" + count + ", mean=" + (long) meanIntervalNanos() / 1_000_000 + "ms]";
  }
}
