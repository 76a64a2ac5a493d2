package io.cairn.sim.swim;

import io.cairn.sim.SimClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Every fault injected into a run, and the rule that says which deaths they justify.
 *
 * <p>What the settings promise, stated as a check: a DIED event about node m, published by any
 * node at time t, is justified only when, at some moment in [t − {@link #GRACE}, t],
 *
 * <ul>
 *   <li>m was crashed (stopped, or not yet restarted), or
 *   <li>m was on either side of a partition that lasted longer than half the shortest suspicion
 *       timeout (a shorter partition leaves the suspected node at least that long to refute).
 * </ul>
 *
 * Message loss (10%), delays (1–50 ms), duplicates, reordering and short partitions justify no
 * death at all: under them, no live node may ever be DEAD anywhere. A node that left gracefully
 * is never justifiably DEAD. {@code GRACE} bounds how long news of a justified death may still be
 * arriving somewhere after its fault ended (detection, then gossip; a restarted node refutes).
 */
public final class FaultLog {
  public static final long GRACE = Duration.ofSeconds(60).toNanos();

  private record Interval(long from, long to) {}

  private record Partition(long from, long to, BitSet nodes, boolean justifies) {}

  private final List<List<Interval>> crashes = new ArrayList<>();
  private final long[] downSince;
  private final long[] leftAt;
  private final List<Partition> partitions = new ArrayList<>();

  FaultLog(int n) {
    downSince = new long[n];
    leftAt = new long[n];
    java.util.Arrays.fill(downSince, -1);
    java.util.Arrays.fill(leftAt, -1);
    for (int i = 0; i < n; i++) {
      crashes.add(new ArrayList<>());
    }
  }

  void crashed(int node, long at) {
    downSince[node] = at;
  }

  void restarted(int node, long at) {
    crashes.get(node).add(new Interval(downSince[node], at));
    downSince[node] = -1;
  }

  void left(int node, long at) {
    leftAt[node] = at;
  }

  void partitioned(int[] a, int[] b, long from, long to, boolean justifies) {
    BitSet nodes = new BitSet();
    for (int i : a) {
      nodes.set(i);
    }
    for (int i : b) {
      nodes.set(i);
    }
    partitions.add(new Partition(from, to, nodes, justifies));
  }

  /** Whether a DIED about {@code node} published at {@code at} is justified (see above). */
  public boolean justifiesDeath(int node, long at) {
    long since = at - GRACE;
    if (downSince[node] >= 0 && downSince[node] <= at) {
      return true;
    }
    for (Interval c : crashes.get(node)) {
      if (c.from <= at && c.to >= since) {
        return true;
      }
    }
    for (Partition p : partitions) {
      if (p.justifies && p.nodes.get(node) && p.from <= at && p.to >= since) {
        return true;
      }
    }
    return false;
  }

  public boolean everCrashed(int node) {
    return downSince[node] >= 0 || !crashes.get(node).isEmpty();
  }

  /** The faults of one node, for a failure message. */
  public String describe(int node) {
    StringBuilder s = new StringBuilder();
    for (Interval c : crashes.get(node)) {
      s.append("crashed ").append(SimClock.format(c.from)).append("..").append(SimClock.format(c.to)).append("; ");
    }
    if (downSince[node] >= 0) {
      s.append("crashed since ").append(SimClock.format(downSince[node])).append("; ");
    }
    if (leftAt[node] >= 0) {
      s.append("left at ").append(SimClock.format(leftAt[node])).append("; ");
    }
    for (Partition p : partitions) {
      if (p.nodes.get(node)) {
        s.append(p.justifies ? "partitioned " : "briefly partitioned (justifies nothing) ")
            .append(SimClock.format(p.from)).append("..").append(SimClock.format(p.to)).append("; ");
      }
    }
    return s.length() == 0 ? "no fault" : s.toString();
  }
}
