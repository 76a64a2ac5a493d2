package io.cairn.sim;

import java.time.Duration;
import java.util.PriorityQueue;
import java.util.function.BooleanSupplier;

/**
 * The event queue of a simulation: actions ordered by (virtual time, sequence), so two actions at
 * the same instant run in the order they were scheduled and a run is a pure function of its seed.
 * Runs everything on the calling thread; no wall clock, no threads.
 */
public final class SimScheduler {
  private record Event(long at, long seq, Runnable action) implements Comparable<Event> {
    @Override
    public int compareTo(Event o) {
      int c = Long.compare(at, o.at);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }

  private final SimClock clock;
  private final PriorityQueue<Event> queue = new PriorityQueue<>();
  private long seq;
  private long executed;

  public SimScheduler(SimClock clock) {
    this.clock = clock;
  }

  public SimClock clock() {
    return clock;
  }

  /** Elapsed virtual nanos now. */
  public long now() {
    return clock.elapsedNanos();
  }

  /** Runs {@code action} at elapsed time {@code elapsedNanos} (now if that has passed). */
  public void at(long elapsedNanos, Runnable action) {
    queue.add(new Event(Math.max(elapsedNanos, clock.elapsedNanos()), seq++, action));
  }

  public void after(long delayNanos, Runnable action) {
    if (delayNanos < 0) {
      throw new IllegalArgumentException("a delay is never negative: " + delayNanos);
    }
    at(clock.elapsedNanos() + delayNanos, action);
  }

  public void after(Duration delay, Runnable action) {
    after(delay.toNanos(), action);
  }

  /** Runs the next action; false when the queue is empty. */
  public boolean step() {
    Event e = queue.poll();
    if (e == null) {
      return false;
    }
    clock.advanceTo(e.at);
    executed++;
    e.action.run();
    return true;
  }

  /** Runs every action due up to {@code elapsedNanos} inclusive, then sets the clock there. */
  public void runUntil(long elapsedNanos) {
    while (!queue.isEmpty() && queue.peek().at <= elapsedNanos) {
      step();
    }
    if (elapsedNanos > clock.elapsedNanos()) {
      clock.advanceTo(elapsedNanos);
    }
  }

  public void runFor(Duration duration) {
    runUntil(clock.elapsedNanos() + duration.toNanos());
  }

  /**
   * Runs until {@code condition} holds, testing it every {@code checkEvery} of virtual time, for
   * at most {@code limit}. Returns whether it held.
   */
  public boolean runUntil(BooleanSupplier condition, Duration checkEvery, Duration limit) {
    long deadline = clock.elapsedNanos() + limit.toNanos();
    while (true) {
      if (condition.getAsBoolean()) {
        return true;
      }
      if (clock.elapsedNanos() >= deadline) {
        return false;
      }
      runUntil(Math.min(deadline, clock.elapsedNanos() + checkEvery.toNanos()));
    }
  }

  /** How many actions have run. */
  public long executed() {
    return executed;
  }

  public int pending() {
    return queue.size();
  }
}
