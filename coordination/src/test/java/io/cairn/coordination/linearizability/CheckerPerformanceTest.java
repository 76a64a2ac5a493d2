package io.cairn.coordination.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.coordination.linearizability.CheckResult.Verdict;
import io.cairn.coordination.linearizability.RegisterModel.Op;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A history the size of a multi-process test run (5 clients x 2000 operations over 10 keys, 1% of
 * them with an unknown outcome) is decided quickly, both ways. The time is printed, not asserted;
 * the budget is only a generous bound so a regression shows as a TIMEOUT rather than a hang.
 */
class CheckerPerformanceTest {
  private static final Duration BUDGET = Duration.ofSeconds(60);

  @Test
  void tenThousandOperationsOverTenKeys() {
    History<Op, Object> history = SimulatedRegisterMap.generate(42, 5, 10_000, 10, 0.01);
    CheckResult result = LinearizabilityChecker.check(new RegisterModel(), history, BUDGET);
    System.out.println("[linearizability] 5 clients x 2000 operations, 10 keys: " + result.verdict()
        + " in " + result.elapsed().toMillis() + " ms");
    assertThat(result.verdict()).as(result.toString()).isEqualTo(Verdict.LINEARIZABLE);

    History<Op, Object> broken = SimulatedRegisterMap.withStaleRead(history, 42).orElseThrow();
    CheckResult brokenResult = LinearizabilityChecker.check(new RegisterModel(), broken, BUDGET);
    System.out.println("[linearizability] the same with one stale read: " + brokenResult.verdict()
        + " in " + brokenResult.elapsed().toMillis() + " ms");
    assertThat(brokenResult.verdict()).as(brokenResult.toString()).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }
}
