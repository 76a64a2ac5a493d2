package io.cairn.cache.store;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The store's meters: {@code cairn.store.calls} (a timer per op and outcome),
 * {@code cairn.store.errors} (per op and kind: error, timeout, refused),
 * {@code cairn.store.breaker.state} (0 closed, 1 half-open, 2 open),
 * {@code cairn.store.swept.rows} and {@code cairn.store.slow.commits}.
 */
final class StoreMetrics {
  private final MeterRegistry registry;
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  private final Map<String, Counter> errors = new ConcurrentHashMap<>();
  private final List<Meter> fixed = new ArrayList<>();
  private final Counter swept;
  private final Counter slowCommits;

  StoreMetrics(MeterRegistry registry, Supplier<CircuitBreaker.State> breakerState) {
    this.registry = registry;
    fixed.add(Gauge.builder("cairn.store.breaker.state", breakerState, s -> code(s.get()))
        .description("Circuit breaker of the backing store: 0 closed, 1 half-open, 2 open")
        .strongReference(true)
        .register(registry));
    swept = Counter.builder("cairn.store.swept.rows")
        .description("Rows past their expiry deleted from the backing store").register(registry);
    fixed.add(swept);
    slowCommits = Counter.builder("cairn.store.slow.commits")
        .description("Writes still committing when their timeout passed (they then report the commit's outcome)")
        .register(registry);
    fixed.add(slowCommits);
  }

  void call(String op, String outcome, long nanos) {
    timers.computeIfAbsent(op + '/' + outcome, k -> Timer.builder("cairn.store.calls")
            .description("Calls to the backing store").tags("op", op, "outcome", outcome)
            .register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
    if (!"success".equals(outcome)) {
      errors.computeIfAbsent(op + '/' + outcome, k -> Counter.builder("cairn.store.errors")
              .description("Backing store calls that failed, timed out or were refused")
              .tags("op", op, "kind", outcome).register(registry))
          .increment();
    }
  }

  void swept(long rows) {
    swept.increment(rows);
  }

  void slowCommit() {
    slowCommits.increment();
  }

  void close() {
    timers.values().forEach(registry::remove);
    errors.values().forEach(registry::remove);
    fixed.forEach(registry::remove);
  }

  private static double code(CircuitBreaker.State state) {
    switch (state) {
      case CLOSED:
        return 0;
      case HALF_OPEN:
        return 1;
      default:
        return 2;
    }
  }
}
