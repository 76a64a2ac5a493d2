package io.cairn.cache.store;

import static io.cairn.cache.store.CircuitBreaker.REFUSED;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cache.store.CircuitBreaker.State;
import io.cairn.cache.store.CircuitBreaker.Transition;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CircuitBreakerTest {
  private static final long RESET = TimeUnit.SECONDS.toNanos(5);

  /** Every scenario runs from several starting clocks, including just before Long.MAX_VALUE wraps. */
  @ParameterizedTest
  @ValueSource(longs = {0L, -7_000_000_000L, Long.MAX_VALUE - 3_000_000_000L, Long.MIN_VALUE + 1})
  void opensAfterConsecutiveFailuresAndRefusesUntilTheReset(long t0) {
    var breaker = new CircuitBreaker(3, RESET);
    long t = t0;
    fail(breaker, t);
    fail(breaker, t += 1);
    assertThat(breaker.state()).isEqualTo(State.CLOSED);
    fail(breaker, t += 1);
    assertThat(breaker.state()).isEqualTo(State.OPEN);
    long opened = t;
    assertThat(breaker.drainTransitions()).containsExactly(new Transition(State.CLOSED, State.OPEN, opened, 3));

    assertThat(breaker.tryAcquire(opened + 1)).isEqualTo(REFUSED);
    assertThat(breaker.tryAcquire(opened + RESET - 1)).isEqualTo(REFUSED);
    assertThat(breaker.nanosUntilProbe(opened + RESET - 1)).isEqualTo(1);
    assertThat(breaker.state()).isEqualTo(State.OPEN);
  }

  @ParameterizedTest
  @ValueSource(longs = {0L, Long.MAX_VALUE - 3_000_000_000L, Long.MAX_VALUE})
  void aSuccessResetsTheCountOfConsecutiveFailures(long t0) {
    var breaker = new CircuitBreaker(3, RESET);
    long t = t0;
    fail(breaker, t);
    fail(breaker, t += 1);
    succeed(breaker, t += 1);
    fail(breaker, t += 1);
    fail(breaker, t += 1);
    assertThat(breaker.state()).isEqualTo(State.CLOSED);
    assertThat(breaker.consecutiveFailures()).isEqualTo(2);
    assertThat(breaker.drainTransitions()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(longs = {0L, Long.MAX_VALUE - 3_000_000_000L, Long.MAX_VALUE - 1})
  void afterTheResetOneProbeIsLetThroughAndItsSuccessCloses(long t0) {
    var breaker = openAt(t0);
    long probeAt = t0 + RESET; // wraps past Long.MAX_VALUE for the later starting clocks
    long probe = breaker.tryAcquire(probeAt);
    assertThat(probe).isNotEqualTo(REFUSED);
    assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
    assertThat(breaker.tryAcquire(probeAt + 1)).as("only one probe").isEqualTo(REFUSED);

    breaker.onSuccess(probeAt + 2, probe);
    assertThat(breaker.state()).isEqualTo(State.CLOSED);
    assertThat(breaker.consecutiveFailures()).isZero();
    assertThat(breaker.tryAcquire(probeAt + 3)).isNotEqualTo(REFUSED);
    assertThat(breaker.drainTransitions()).extracting(Transition::to)
        .containsExactly(State.OPEN, State.HALF_OPEN, State.CLOSED);
  }

  @ParameterizedTest
  @ValueSource(longs = {0L, Long.MAX_VALUE - 3_000_000_000L})
  void aFailedProbeOpensAgainForAFullReset(long t0) {
    var breaker = openAt(t0);
    long probeAt = t0 + RESET;
    long probe = breaker.tryAcquire(probeAt);
    breaker.onFailure(probeAt + 10, probe);
    assertThat(breaker.state()).isEqualTo(State.OPEN);
    assertThat(breaker.tryAcquire(probeAt + 10 + RESET - 1)).isEqualTo(REFUSED);
    assertThat(breaker.tryAcquire(probeAt + 10 + RESET)).isNotEqualTo(REFUSED);
    assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
  }

  @ParameterizedTest
  @ValueSource(longs = {0L, Long.MAX_VALUE - 1_000L})
  void lateOutcomesOfCallsAdmittedBeforeATransitionAreIgnored(long t0) {
    var breaker = new CircuitBreaker(1, RESET);
    long slow = breaker.tryAcquire(t0);
    long failing = breaker.tryAcquire(t0);
    breaker.onFailure(t0 + 1, failing);
    assertThat(breaker.state()).isEqualTo(State.OPEN);

    breaker.onSuccess(t0 + 2, slow);
    assertThat(breaker.state()).as("a slow success from before must not close it").isEqualTo(State.OPEN);

    long probe = breaker.tryAcquire(t0 + 1 + RESET);
    breaker.onFailure(t0 + 2 + RESET, slow);
    assertThat(breaker.state()).as("a slow failure must not count against the probe").isEqualTo(State.HALF_OPEN);
    breaker.onSuccess(t0 + 3 + RESET, probe);
    assertThat(breaker.state()).isEqualTo(State.CLOSED);
  }

  @ParameterizedTest
  @ValueSource(longs = {0L, Long.MAX_VALUE - 1_000L})
  void aProbeWhoseOutcomeNeverArrivesIsReplacedAfterAnotherReset(long t0) {
    var breaker = openAt(t0);
    long lost = breaker.tryAcquire(t0 + RESET);
    assertThat(lost).isNotEqualTo(REFUSED);
    assertThat(breaker.tryAcquire(t0 + 2 * RESET - 1)).isEqualTo(REFUSED);
    long second = breaker.tryAcquire(t0 + 2 * RESET);
    assertThat(second).isNotEqualTo(REFUSED);
    breaker.onSuccess(t0 + 2 * RESET + 1, lost);
    assertThat(breaker.state()).as("the lost probe's permit is stale").isEqualTo(State.HALF_OPEN);
    breaker.onSuccess(t0 + 2 * RESET + 2, second);
    assertThat(breaker.state()).isEqualTo(State.CLOSED);
  }

  @ParameterizedTest
  @ValueSource(longs = {0L, Long.MAX_VALUE})
  void closedAdmitsEverythingAndNeedsNoProbe(long t0) {
    var breaker = new CircuitBreaker(1, RESET);
    for (int i = 0; i < 5; i++) {
      assertThat(breaker.tryAcquire(t0 + i)).isNotEqualTo(REFUSED);
    }
    assertThat(breaker.nanosUntilProbe(t0)).isZero();
    assertThat(breaker.drainTransitions()).isEqualTo(List.of());
  }

  private static CircuitBreaker openAt(long t) {
    var breaker = new CircuitBreaker(2, RESET);
    fail(breaker, t - 1);
    fail(breaker, t);
    assertThat(breaker.state()).isEqualTo(State.OPEN);
    return breaker;
  }

  private static void fail(CircuitBreaker breaker, long now) {
    long permit = breaker.tryAcquire(now);
    assertThat(permit).isNotEqualTo(REFUSED);
    breaker.onFailure(now, permit);
  }

  private static void succeed(CircuitBreaker breaker, long now) {
    long permit = breaker.tryAcquire(now);
    assertThat(permit).isNotEqualTo(REFUSED);
    breaker.onSuccess(now, permit);
  }
}
