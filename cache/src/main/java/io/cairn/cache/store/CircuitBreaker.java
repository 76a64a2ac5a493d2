package io.cairn.cache.store;

import java.util.ArrayList;
import java.util.List;

/**
 * A circuit breaker as a pure state machine: time comes in as {@code nowNanos} from a monotonic
 * source, compared only by subtraction, so a clock near {@code Long.MAX_VALUE} wraps harmlessly.
 * Not thread-safe: the shell serializes calls.
 *
 * <ul>
 *   <li>CLOSED: every call is admitted; {@code failureThreshold} consecutive failures open it.
 *   <li>OPEN: every call is refused until {@code resetNanos} have passed since it opened; the
 *       next call is then admitted as the one probe, and the breaker is HALF_OPEN.
 *   <li>HALF_OPEN: other calls are refused; the probe's success closes it, its failure opens it
 *       again for another {@code resetNanos}. A probe whose outcome never arrives is replaced by a
 *       new one after {@code resetNanos}, so the breaker cannot stay half-open forever.
 * </ul>
 *
 * <p>Each admission returns a permit: the breaker's epoch, which changes at every transition. An
 * outcome whose permit is from an earlier epoch is ignored, so a slow call admitted while CLOSED
 * cannot close a breaker that has opened since, nor count against the probe.
 */
final class CircuitBreaker {
  /** Returned by {@link #tryAcquire} when the call is refused. */
  static final long REFUSED = -1;

  enum State { CLOSED, OPEN, HALF_OPEN }

  /** A change of state, for logs and metrics. */
  record Transition(State from, State to, long atNanos, int consecutiveFailures) {}

  private final int failureThreshold;
  private final long resetNanos;
  private final List<Transition> transitions = new ArrayList<>();
  private State state = State.CLOSED;
  private long epoch;
  private int consecutiveFailures;
  /** When the breaker last opened (OPEN), or when the probe was admitted (HALF_OPEN). */
  private long sinceNanos;

  CircuitBreaker(int failureThreshold, long resetNanos) {
    if (failureThreshold < 1) {
      throw new IllegalArgumentException("failureThreshold must be at least 1, got " + failureThreshold);
    }
    if (resetNanos <= 0) {
      throw new IllegalArgumentException("resetNanos must be positive, got " + resetNanos);
    }
    this.failureThreshold = failureThreshold;
    this.resetNanos = resetNanos;
  }

  /** Admits a call and returns its permit (never negative), or returns {@link #REFUSED}. */
  long tryAcquire(long nowNanos) {
    switch (state) {
      case CLOSED:
        return epoch;
      case OPEN:
      case HALF_OPEN:
        if (nowNanos - sinceNanos >= resetNanos) {
          sinceNanos = nowNanos;
          transition(State.HALF_OPEN, nowNanos);
          return epoch;
        }
        return REFUSED;
      default:
        throw new IllegalStateException("unknown state " + state);
    }
  }

  /** The call holding {@code permit} succeeded. */
  void onSuccess(long nowNanos, long permit) {
    if (permit != epoch) {
      return;
    }
    if (state == State.HALF_OPEN) {
      consecutiveFailures = 0;
      transition(State.CLOSED, nowNanos);
    } else if (state == State.CLOSED) {
      consecutiveFailures = 0;
    }
  }

  /** The call holding {@code permit} failed or timed out. */
  void onFailure(long nowNanos, long permit) {
    if (permit != epoch) {
      return;
    }
    consecutiveFailures++;
    if (state == State.HALF_OPEN || (state == State.CLOSED && consecutiveFailures >= failureThreshold)) {
      sinceNanos = nowNanos;
      transition(State.OPEN, nowNanos);
    }
  }

  State state() {
    return state;
  }

  /** Failures in a row since the last success (they keep counting while open). */
  int consecutiveFailures() {
    return consecutiveFailures;
  }

  /**
   * Nanoseconds until an open breaker admits its next probe (0 when it would admit one now, or
   * when it is closed).
   */
  long nanosUntilProbe(long nowNanos) {
    if (state == State.CLOSED) {
      return 0;
    }
    long left = resetNanos - (nowNanos - sinceNanos);
    return Math.max(0, left);
  }

  /** The transitions since the last call, oldest first. */
  List<Transition> drainTransitions() {
    if (transitions.isEmpty()) {
      return List.of();
    }
    List<Transition> drained = List.copyOf(transitions);
    transitions.clear();
    return drained;
  }

  private void transition(State to, long nowNanos) {
    State from = state;
    state = to;
    epoch++;
    transitions.add(new Transition(from, to, nowNanos, consecutiveFailures));
  }
}
