package io.cairn.coordination.machine;

/**
 * What a leader puts in each {@link PrimitiveCommand.Tick} it proposes (the coordination group's
 * {@code ReplicatedPrimitives}, and the simulation that checks the rule): the whole milliseconds elapsed on its own monotonic clock since its own previous
 * tick in the same term, and 0 for its first tick of a term (so also for its first tick after it
 * led an earlier term). The part of a millisecond not counted is carried to the next tick, so the
 * ticks of a term never count more than the real time between them. A restarted node starts a new
 * clock (it has no memory), which is also its first tick of some term.
 *
 * <p>{@link #neverReset()} is a deliberately wrong rule, for the simulation's negative control
 * only: it counts from its own previous tick whatever the term, so a node that leads again after
 * another led in between charges every session for the other leader's whole term at once.
 *
 * <p>Not thread-safe: the leader's context uses it.
 */
public final class TickClock {
  private final boolean resetEachTerm;
  private boolean started;
  private long term;
  private long lastNanos;

  private TickClock(boolean resetEachTerm) {
    this.resetEachTerm = resetEachTerm;
  }

  /** The rule the machine's proof of lease safety assumes. */
  public static TickClock perTerm() {
    return new TickClock(true);
  }

  /** A broken rule: never restarts the count when a new term begins. */
  static TickClock neverReset() {
    return new TickClock(false);
  }

  /**
   * Whether a tick proposed now, as leader of {@code term}, would count time (false: it would be
   * the first of its term, and carry 0). A leader may skip a counting tick (the next one counts
   * the time skipped) but not the first of a term.
   */
  public boolean counting(long term) {
    return started && term == this.term;
  }

  /** The elapsed milliseconds for a tick proposed now, as leader of {@code term}. */
  public long next(long term, long nowNanos) {
    if (!started || (resetEachTerm && term != this.term)) {
      started = true;
      this.term = term;
      lastNanos = nowNanos;
      return 0;
    }
    this.term = term;
    long millis = (nowNanos - lastNanos) / 1_000_000;
    if (millis >= Primitives.MAX_TICK_MILLIS) {
      // A gap longer than one tick may count (a leader idle for an hour, with no session): count
      // what a tick may, and start afresh from now, so later ticks never count the gap again.
      lastNanos = nowNanos;
      return Primitives.MAX_TICK_MILLIS;
    }
    lastNanos += millis * 1_000_000;
    return millis;
  }
}
