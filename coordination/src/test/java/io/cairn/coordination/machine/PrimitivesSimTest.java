package io.cairn.coordination.machine;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.sim.SimFailure;
import io.cairn.sim.Seeds;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Sessions, locks, elections and semaphores replicated by a simulated 3- and 5-voter Raft group
 * under loss, partitions, leader crashes and pauses, with randomized clients that pause and die:
 * {@link PrimitivesSim} checks the invariants (one holder per lock, tokens strictly increasing,
 * ended sessions holding nothing, permits within the limit, replicas byte-identical at each index,
 * lease safety in virtual real time, liveness in calm stretches) after every apply.
 *
 * <p>Seeds: {@code -Dcairn.sim.seeds=K} runs K per test, {@code -Dcairn.seed=N} replays one:
 * {@code ./mvnw -B -o -pl coordination -am test -Dtest=PrimitivesSimTest -Dcairn.seed=N
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class PrimitivesSimTest {
  /** CI default per test: both groups together in well under a minute on the 2-core build machine. */
  static final int CI_SEEDS = 80;
  static final Duration FAULT_PHASE = Duration.ofSeconds(20);
  static final Duration CALM_PHASE = Duration.ofSeconds(10);
  private static final Map<Integer, long[]> TOTALS = new TreeMap<>();
  private static final Map<Integer, Long> MIN_LEASE_MARGIN = new TreeMap<>();

  static LongStream seeds() {
    return Seeds.seeds(CI_SEEDS);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void threeVoters(long seed) {
    run(3, seed, "PrimitivesSimTest#threeVoters");
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void fiveVoters(long seed) {
    run(5, seed, "PrimitivesSimTest#fiveVoters");
  }

  private static void run(int voters, long seed, String test) {
    PrimitivesSim s = new PrimitivesSim(voters, seed, TickClock::perTerm, test);
    s.run(FAULT_PHASE, CALM_PHASE);
    assertThat(s.sessionsCreated).as("seed %d created sessions", seed).isPositive();
    assertThat(s.commands).as("seed %d applied commands", seed).isGreaterThan(s.ticks / 2);
    synchronized (TOTALS) {
      long[] t = TOTALS.computeIfAbsent(voters, k -> new long[18]);
      long[] run = {1, s.commands, s.ticks, s.sessionsCreated, s.keepAlives, s.grants, s.expiries, s.closes,
          s.leaseChecks, s.livenessChecks, s.electionChanges, s.permitGrants, s.unknownOutcomes, s.refusals,
          s.restores, s.pauses, s.deaths, s.exclusionChecks};
      for (int i = 0; i < run.length; i++) {
        t[i] += run[i];
      }
      MIN_LEASE_MARGIN.merge(voters, s.minLeaseMargin, Math::min);
    }
  }

  /**
   * Negative control: leaders whose tick clock does not restart at a new term (so a node that
   * leads again counts the other leader's whole term in its first tick) expire a session before
   * its client's lease ran out, and the lease-safety check says so, for some early seed.
   */
  @Test
  void leaseSafetyCatchesATickClockThatIgnoresTerms() {
    long found = firstViolation(TickClock::neverReset, 3, 200);
    assertThat(found).as("a seed whose lease-safety check fails with the wrong tick rule").isPositive();
    // the same seed with the right rule passes
    new PrimitivesSim(3, found, TickClock::perTerm, "PrimitivesSimTest").run(FAULT_PHASE, CALM_PHASE);
  }

  private static long firstViolation(Supplier<TickClock> rule, int voters, int maxSeeds) {
    for (long seed = 1; seed <= maxSeeds; seed++) {
      try {
        new PrimitivesSim(voters, seed, rule, "PrimitivesSimTest").run(FAULT_PHASE, CALM_PHASE);
      } catch (SimFailure f) {
        assertThat(f).hasMessageContaining("LEASE SAFETY");
        System.out.printf("PrimitivesSimTest negative control: the never-reset tick clock broke lease safety at"
            + " seed %d: %s%n", seed, f.getMessage().lines().findFirst().orElse(""));
        return seed;
      }
    }
    return 0;
  }

  /** What the runs did, to show the faults and primitives were exercised (in the surefire output). */
  @AfterAll
  static void printTotals() {
    TOTALS.forEach((n, t) -> System.out.printf(
        "PrimitivesSimTest %d voters: %d runs passed; %d commands applied (%d ticks proposed), %d sessions created,"
            + " %d renewals, %d lock grants, %d expiries (%d lease-safety checks, %d in calm stretches),"
            + " %d closes, %d election changes, %d permit grants, %d requests with unknown outcome, %d refused,"
            + " %d snapshot restores, %d client pauses, %d client deaths, %d client-side exclusion checks;"
            + " the closest expiry came %.3f ms after its lease ended%n",
        n, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[8], t[9], t[7], t[10], t[11], t[12], t[13], t[14], t[15],
        t[16], t[17], MIN_LEASE_MARGIN.get(n) / 1e6));
  }
}
