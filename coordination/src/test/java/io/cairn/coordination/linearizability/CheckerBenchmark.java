package io.cairn.coordination.linearizability;

import io.cairn.coordination.linearizability.RegisterModel.Op;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Checking times for larger and more concurrent histories, run by hand:
 * {@code -Dtest=CheckerBenchmark -DexcludedGroups=}.
 */
@Tag("benchmark")
class CheckerBenchmark {
  @Test
  void checkingTimes() {
    int[][] shapes = {{5, 10_000, 10}, {5, 10_000, 1}, {10, 10_000, 10}, {20, 10_000, 10}, {5, 100_000, 10}};
    double[] unknownRates = {0, 0.01, 0.05};
    for (int[] shape : shapes) {
      for (double unknownRate : unknownRates) {
        History<Op, Object> history = SimulatedRegisterMap.generate(7, shape[0], shape[1], shape[2], unknownRate);
        CheckResult ok = LinearizabilityChecker.check(new RegisterModel(), history, Duration.ofSeconds(10));
        CheckResult broken = LinearizabilityChecker.check(new RegisterModel(),
            SimulatedRegisterMap.withStaleRead(history, 7).orElseThrow(), Duration.ofSeconds(10));
        System.out.printf("%2d clients, %6d operations, %2d keys, unknown %.2f: %s in %d ms; with a stale read %s in %d ms%n",
            shape[0], shape[1], shape[2], unknownRate, ok.verdict(), ok.elapsed().toMillis(),
            broken.verdict(), broken.elapsed().toMillis());
      }
    }
  }
}
