package io.cairn.coordination.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.coordination.linearizability.CheckResult.Verdict;
import io.cairn.coordination.linearizability.RegisterModel.Op;
import java.time.Duration;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Histories of a simulated linearizable register map pass; each with one read made impossible fails. */
class GeneratedHistoriesTest {
  private static final Duration BUDGET = Duration.ofSeconds(30);
  private static final int SEEDS = 300;

  @Test
  void historiesOfALinearizableMapPassAndAnImpossibleReadFails() {
    int mutated = 0;
    for (long seed = 0; seed < SEEDS; seed++) {
      SplittableRandom shape = new SplittableRandom(seed * 31 + 7);
      int clients = 2 + shape.nextInt(5);
      int keys = 1 + shape.nextInt(4);
      int operations = 50 + shape.nextInt(250);
      double unknownRate = shape.nextInt(4) * 0.02;
      History<Op, Object> history = SimulatedRegisterMap.generate(seed, clients, operations, keys, unknownRate);
      String what = "seed " + seed + " (" + clients + " clients, " + keys + " keys, " + operations
          + " operations, unknown rate " + unknownRate + ")";

      CheckResult result = LinearizabilityChecker.check(new RegisterModel(), history, BUDGET);
      assertThat(result.verdict()).as(what + ": " + result).isEqualTo(Verdict.LINEARIZABLE);

      Optional<History<Op, Object>> broken = SimulatedRegisterMap.withStaleRead(history, seed);
      if (broken.isPresent()) {
        mutated++;
        CheckResult brokenResult = LinearizabilityChecker.check(new RegisterModel(), broken.get(), BUDGET);
        assertThat(brokenResult.verdict()).as(what + " with a stale read: " + brokenResult).isEqualTo(Verdict.NOT_LINEARIZABLE);
      }
    }
    assertThat(mutated).as("histories with a stale read checked").isGreaterThan(SEEDS * 3 / 4);
  }
}
