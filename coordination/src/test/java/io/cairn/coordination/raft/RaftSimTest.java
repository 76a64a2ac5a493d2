package io.cairn.coordination.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.coordination.raft.RaftSim.Node;
import io.cairn.coordination.raft.Submission.Accepted;
import io.cairn.coordination.raft.Submission.Refused;
import io.cairn.sim.Seeds;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Deterministic simulations of a Raft group under faults: loss, delays that reorder, duplication,
 * partitions (leader isolated, random splits, one-way blocks), crashes that lose what was not
 * durable, restarts, pauses (a long GC or SIGSTOP: the node wakes with its old beliefs), and client
 * writes and ReadIndex reads, to the leader and to random nodes, throughout; shells snapshot their
 * state machines and compact at random (so lagging and restarted followers are sent snapshots), and
 * leaders are asked to hand leadership over, and to add or remove a voter, at random (the group
 * has a spare node or two to add). {@link RaftSim} checks the
 * safety invariants after every step; each run then heals everything and requires liveness: a
 * leader, and a new write applied by every node, within {@link #LIVENESS_BOUND}.
 *
 * <p>Seeds: {@code -Dcairn.sim.seeds=K} runs K per test, {@code -Dcairn.seed=N} replays one:
 * {@code ./mvnw -B -o -pl coordination -am test -Dtest=RaftSimTest -Dcairn.seed=N
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class RaftSimTest {
  /** CI default per test: the whole class runs in well under a minute on the 2-core build machine. */
  static final int CI_SEEDS = 1500;
  private static final Map<Integer, long[]> TOTALS = new TreeMap<>();
  static final Duration FAULT_PHASE = Duration.ofSeconds(12);
  static final Duration LIVENESS_BOUND = Duration.ofSeconds(10);

  static LongStream seeds() {
    return Seeds.seeds(CI_SEEDS);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void threeNodesUnderFaults(long seed) {
    chaos(3, 5, seed, "RaftSimTest#threeNodesUnderFaults");
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void fiveNodesUnderFaults(long seed) {
    chaos(5, 6, seed, "RaftSimTest#fiveNodesUnderFaults");
  }

  /** {@code n} voters at first, among {@code pool} nodes that voter changes draw from. */
  static void chaos(int n, int pool, long seed, String test) {
    RaftSim sim = new RaftSim(n, pool, seed).replayTest(test);
    SplittableRandom r = sim.random().split();
    double[] drops = {0, 0.02, 0.10};
    sim.network.drop(drops[r.nextInt(drops.length)])
        .delay(Duration.ofMillis(1), Duration.ofMillis(1 + r.nextInt(30)))
        .duplicate(0.03);
    sim.run(() -> {
      long end = sim.scheduler.now() + FAULT_PHASE.toNanos();
      scheduleClients(sim, r, end);
      sim.scheduleFaults(r, end);
      sim.scheduleCompactions(r, end);
      sim.scheduler.runUntil(end);
      sim.heal();
      requireLiveness(sim);
      assertThat(sim.acknowledgedWrites).as("writes acknowledged during the run").isPositive();
    });
    synchronized (TOTALS) {
      long[] t = TOTALS.computeIfAbsent(n, k -> new long[12]);
      t[0]++;
      t[1] += sim.acknowledgedWrites;
      t[2] += sim.servedReads;
      t[3] += sim.crashes;
      t[4] += sim.elections;
      t[5] += sim.maxCommitted();
      t[6] += sim.scheduler.executed();
      t[7] += sim.compactions;
      t[8] += sim.installs;
      t[9] += sim.transfersCompleted;
      t[10] += sim.transfersAborted;
      t[11] += sim.voterChanges;
    }
  }

  /** What the runs did, to show the faults were exercised (in target/surefire-reports/*-output.txt). */
  @AfterAll
  static void printTotals() {
    TOTALS.forEach((n, t) -> System.out.printf(
        "RaftSimTest %d nodes: %d runs passed; %d writes acknowledged, %d ReadIndex reads served, "
            + "%d crashes, %d elections won, %d entries committed, %d simulation events, %d compactions, "
            + "%d snapshots installed, %d leadership transfers completed and %d abandoned, "
            + "%d voter changes accepted%n",
        n, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11]));
  }

  private static void scheduleClients(RaftSim sim, SplittableRandom r, long end) {
    sim.scheduler.after(r.nextLong(1_000_000, 40_000_000), () -> {
      if (sim.scheduler.now() >= end) {
        return;
      }
      Node target = r.nextInt(4) == 0 ? sim.nodes[r.nextInt(sim.n)] : sim.leader().orElse(sim.nodes[r.nextInt(sim.n)]);
      if (r.nextInt(3) == 0) {
        sim.read(target);
      } else {
        sim.write(target);
      }
      scheduleClients(sim, r, end);
    });
  }

  /** A leader is elected and a new write is applied by every node within the bound. */
  static void requireLiveness(RaftSim sim) {
    long deadline = sim.scheduler.now() + LIVENESS_BOUND.toNanos();
    while (sim.scheduler.now() < deadline) {
      long left = deadline - sim.scheduler.now();
      if (!sim.runUntil(() -> sim.leader().isPresent(), Duration.ofNanos(left))) {
        break;
      }
      Node leader = sim.leader().orElseThrow();
      Submission s = sim.write(leader);
      if (s instanceof Accepted a) {
        long left2 = deadline - sim.scheduler.now();
        // Wait until every node applied it, or the proposer lost its leadership (the write may be lost).
        sim.runUntil(() -> sim.allApplied(a.index()) || !leader.up || leader.core.term() != a.term()
            || leader.core.role() != Role.LEADER, Duration.ofNanos(Math.max(0, left2)));
        if (sim.allApplied(a.index()) && sim.committedTerm(a.index()) == a.term()) {
          return;
        }
      } else {
        sim.runFor(Duration.ofMillis(10));
      }
    }
    throw new IllegalStateException("liveness: no write committed on every node within " + LIVENESS_BOUND
        + " after the faults stopped");
  }

  static Refused refused(Submission s) {
    assertThat(s).isInstanceOf(Refused.class);
    return (Refused) s;
  }
}
