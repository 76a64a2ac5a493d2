package io.cairn.sim;

import java.time.Duration;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.random.RandomGenerator;

/**
 * A seeded, lossy network between {@code size} endpoints numbered 0 to size-1, carrying messages
 * of type {@code M}. Every fault is drawn from the one random it is given, so one seed replays it.
 *
 * <ul>
 *   <li>loss: each copy is dropped with the link's probability (a default for every link, or per
 *       ordered link);
 *   <li>delay: uniform between min and max, drawn per copy, so messages reorder by themselves;
 *   <li>duplication: with a probability a second copy goes out with its own delay and loss;
 *   <li>partitions: ordered links can be blocked, both ways between groups or one way; a block
 *       also cuts messages already in flight; {@link #heal()} removes every block;
 *   <li>down endpoints (crashed nodes): they send nothing, and nothing is delivered to them
 *       (messages in flight to them included) until they are up again; what they sent before
 *       going down still arrives, as packets already on the wire would.
 * </ul>
 */
public final class SimNetwork<M> {
  /** Where delivered messages go. */
  @FunctionalInterface
  public interface Receiver<M> {
    void receive(int from, int to, M message);
  }

  private final SimScheduler scheduler;
  private final RandomGenerator random;
  private final int size;
  private final Receiver<M> receiver;
  private final SimTrace trace;
  private IntFunction<Object> names = Integer::valueOf;
  private boolean traceDeliveries = true;

  private double drop;
  private final Map<Long, Double> linkDrop = new HashMap<>();
  private long minDelayNanos = 1_000_000;
  private long maxDelayNanos = 1_000_000;
  private double duplicate;
  private final boolean[] down;
  private BitSet blocked; // ordered pairs from * size + to, allocated at the first block

  private long sent;
  private long delivered;
  private long dropped;
  private long duplicated;
  private final long[] sentBy;

  public SimNetwork(
      SimScheduler scheduler, RandomGenerator random, int size, SimTrace trace, Receiver<M> receiver) {
    this.scheduler = scheduler;
    this.random = random;
    this.size = size;
    this.trace = trace;
    this.receiver = receiver;
    this.down = new boolean[size];
    this.sentBy = new long[size];
  }

  /** How endpoints are named in the trace. */
  public SimNetwork<M> names(IntFunction<Object> names) {
    this.names = names;
    return this;
  }

  /** Whether every delivery goes to the trace (drops and faults always do). */
  public SimNetwork<M> traceDeliveries(boolean on) {
    this.traceDeliveries = on;
    return this;
  }

  /** Drops each copy on every link with probability {@code p}. */
  public SimNetwork<M> drop(double p) {
    checkProbability(p);
    this.drop = p;
    return this;
  }

  /** Drops each copy from {@code from} to {@code to} with probability {@code p}. */
  public SimNetwork<M> drop(int from, int to, double p) {
    checkProbability(p);
    linkDrop.put(link(from, to), p);
    return this;
  }

  public SimNetwork<M> delay(Duration min, Duration max) {
    if (min.isNegative() || max.compareTo(min) < 0) {
      throw new IllegalArgumentException("need 0 <= min <= max: " + min + ", " + max);
    }
    this.minDelayNanos = min.toNanos();
    this.maxDelayNanos = max.toNanos();
    return this;
  }

  /** Sends a second copy of a message with probability {@code p}. */
  public SimNetwork<M> duplicate(double p) {
    checkProbability(p);
    this.duplicate = p;
    return this;
  }

  /** Blocks every link between the two groups, both ways. */
  public void partition(int[] groupA, int[] groupB) {
    for (int a : groupA) {
      for (int b : groupB) {
        block(a, b);
        block(b, a);
      }
    }
    trace.record(scheduler.now(), "PARTITION", null, null, groupA.length + " | " + groupB.length + " nodes");
  }

  /** Blocks every link from a node in {@code from} to a node in {@code to}, one way. */
  public void blockOneWay(int[] from, int[] to) {
    for (int a : from) {
      for (int b : to) {
        block(a, b);
      }
    }
    trace.record(scheduler.now(), "BLOCK", null, null, from.length + " -> " + to.length + " nodes, one way");
  }

  public void block(int from, int to) {
    if (blocked == null) {
      blocked = new BitSet(size * size);
    }
    blocked.set(from * size + to);
  }

  /** Removes every block (not the loss). */
  public void heal() {
    blocked = null;
    trace.record(scheduler.now(), "HEAL", null, null, null);
  }

  public boolean isBlocked(int from, int to) {
    return blocked != null && blocked.get(from * size + to);
  }

  /** A crashed endpoint: nothing leaves it or reaches it. */
  public void down(int node) {
    down[node] = true;
    trace.record(scheduler.now(), "DOWN", names.apply(node), null, null);
  }

  public void up(int node) {
    down[node] = false;
    trace.record(scheduler.now(), "UP", names.apply(node), null, null);
  }

  public boolean isUp(int node) {
    return !down[node];
  }

  /** Sends {@code message}; it arrives after a random delay, or never. */
  public void send(int from, int to, M message) {
    if (down[from]) {
      return;
    }
    sent++;
    sentBy[from]++;
    transmit(from, to, message);
    if (duplicate > 0 && random.nextDouble() < duplicate) {
      duplicated++;
      transmit(from, to, message);
    }
  }

  private void transmit(int from, int to, M message) {
    if (isBlocked(from, to)) {
      dropped++;
      trace.record(scheduler.now(), "BLOCKED", names.apply(from), names.apply(to), message);
      return;
    }
    double p = linkDrop.isEmpty() ? drop : linkDrop.getOrDefault(link(from, to), drop);
    if (p > 0 && random.nextDouble() < p) {
      dropped++;
      trace.record(scheduler.now(), "LOST", names.apply(from), names.apply(to), message);
      return;
    }
    long delay = minDelayNanos == maxDelayNanos
        ? minDelayNanos
        : random.nextLong(minDelayNanos, maxDelayNanos + 1);
    scheduler.after(delay, () -> arrive(from, to, message));
  }

  private void arrive(int from, int to, M message) {
    if (down[to] || isBlocked(from, to)) {
      dropped++;
      trace.record(scheduler.now(), down[to] ? "TO-DOWN" : "CUT", names.apply(from), names.apply(to), message);
      return;
    }
    delivered++;
    if (traceDeliveries) {
      trace.record(scheduler.now(), "DELIVER", names.apply(from), names.apply(to), message);
    }
    receiver.receive(from, to, message);
  }

  private long link(int from, int to) {
    return (long) from * size + to;
  }

  private static void checkProbability(double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("a probability is 0 to 1: " + p);
    }
  }

  public int size() {
    return size;
  }

  /** Messages handed to the network by up endpoints (duplicates not counted). */
  public long sent() {
    return sent;
  }

  public long sentBy(int node) {
    return sentBy[node];
  }

  public long delivered() {
    return delivered;
  }

  public long dropped() {
    return dropped;
  }

  public long duplicated() {
    return duplicated;
  }
}
