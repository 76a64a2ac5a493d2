package io.cairn.membership.phi;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PhiDetectorTest {
  private static final PhiSettings ONE_SECOND =
      new PhiSettings(8.0, 100, Duration.ofMillis(100), Duration.ZERO, Duration.ofSeconds(1));

  @Test
  void phiRisesWhileHeartbeatsAreMissing() {
    var d = new PhiDetector(ONE_SECOND);
    long t = 0;
    for (int i = 0; i < 20; i++) {
      d.heartbeat(t += SECONDS.toNanos(1));
    }
    assertThat(d.phi(t + MILLISECONDS.toNanos(900))).isLessThan(1.0);
    assertThat(d.phi(t + SECONDS.toNanos(15))).isGreaterThan(8.0);
    assertThat(d.phi(t + SECONDS.toNanos(2))).isGreaterThan(d.phi(t + SECONDS.toNanos(1)));
  }

  @Test
  void phiIsZeroBeforeTheFirstHeartbeatAndFiniteAfterAnySilence() {
    var d = new PhiDetector(ONE_SECOND);
    assertThat(d.phi(123)).isZero();
    d.heartbeat(0);
    double phi = d.phi(Long.MAX_VALUE / 2);
    assertThat(phi).isFinite().isGreaterThan(1e6);
  }

  @Test
  void worksAcrossTheWrapOfTheNanosecondClock() {
    var d = new PhiDetector(ONE_SECOND);
    long t = Long.MAX_VALUE - SECONDS.toNanos(5);
    for (int i = 0; i < 10; i++) {
      d.heartbeat(t += SECONDS.toNanos(1)); // overflows past Long.MAX_VALUE half way
    }
    assertThat(t).isNegative();
    assertThat(d.phi(t + MILLISECONDS.toNanos(500))).isLessThan(1.0);
    assertThat(d.phi(t + SECONDS.toNanos(10))).isGreaterThan(8.0);
  }

  @Test
  void anAcceptablePauseDelaysSuspicionByThatMuch() {
    var strict = new PhiDetector(ONE_SECOND);
    var lenient =
        new PhiDetector(new PhiSettings(8.0, 100, Duration.ofMillis(100), Duration.ofSeconds(3), Duration.ofSeconds(1)));
    long t = 0;
    for (int i = 0; i < 20; i++) {
      t += SECONDS.toNanos(1);
      strict.heartbeat(t);
      lenient.heartbeat(t);
    }
    assertThat(strict.phi(t + SECONDS.toNanos(3))).isGreaterThan(8.0);
    assertThat(lenient.phi(t + SECONDS.toNanos(3))).isLessThan(1.0);
    assertThat(lenient.phi(t + SECONDS.toNanos(6))).isGreaterThan(8.0);
  }

  @Test
  void aSilenceAlreadyTakenForAFailureIsNotLearnedAsRhythm() {
    var d = new PhiDetector(ONE_SECOND);
    long t = 0;
    for (int i = 0; i < 20; i++) {
      d.heartbeat(t += SECONDS.toNanos(1));
    }
    double mean = d.meanIntervalNanos();
    d.heartbeat(t += SECONDS.toNanos(60));
    assertThat(d.meanIntervalNanos()).isEqualTo(mean);
  }

  @Test
  void restartForgetsTheLastArrivalWithoutAnInterval() {
    var d = new PhiDetector(ONE_SECOND);
    long t = 0;
    for (int i = 0; i < 20; i++) {
      d.heartbeat(t += SECONDS.toNanos(1));
    }
    int samples = d.samples();
    d.restart(t + SECONDS.toNanos(30));
    assertThat(d.samples()).isEqualTo(samples);
    assertThat(d.phi(t + SECONDS.toNanos(30) + MILLISECONDS.toNanos(500))).isLessThan(1.0);
  }

  @Test
  void theWindowIsBounded() {
    var d = new PhiDetector(new PhiSettings(8.0, 10, Duration.ofMillis(1), Duration.ZERO, Duration.ofSeconds(1)));
    long t = 0;
    for (int i = 0; i < 50; i++) {
      d.heartbeat(t += MILLISECONDS.toNanos(100));
    }
    assertThat(d.samples()).isEqualTo(10);
    assertThat(d.meanIntervalNanos()).isCloseTo(MILLISECONDS.toNanos(100), within(1.0));
  }

  /**
   * Against the normal tail computed by numerical integration: within 5% up to 3 standard
   * deviations; beyond, the logistic approximation overstates phi (by 5% at 4, 12% at 5), so
   * phi 8 is reached at about 5.2 standard deviations instead of 5.6: slightly earlier detection.
   */
  @ParameterizedTest
  @CsvSource({"0.0,0.05", "0.5,0.05", "1.0,0.05", "2.0,0.05", "3.0,0.05", "4.0,0.06", "5.0,0.12"})
  void theLogisticApproximationTracksTheNormalTail(double y, double tolerance) {
    double exact = -Math.log10(normalTail(y));
    double approx = PhiMath.phi(y, 0, 1);
    assertThat(approx).isCloseTo(exact, within(Math.max(0.05, exact * tolerance)));
    assertThat(approx).isGreaterThanOrEqualTo(exact - 0.05);
  }

  @Test
  void settingsRejectNonsense() {
    assertThatThrownBy(() -> new PhiSettings(0, 100, Duration.ofMillis(1), Duration.ZERO, Duration.ofSeconds(1)))
        .hasMessageContaining("threshold");
    assertThatThrownBy(() -> new PhiSettings(8, 1, Duration.ofMillis(1), Duration.ZERO, Duration.ofSeconds(1)))
        .hasMessageContaining("window");
    assertThatThrownBy(() -> new PhiSettings(8, 10, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1)))
        .hasMessageContaining("min-std-dev");
  }

  private static double normalTail(double y) {
    // P(Z > y) = 0.5 - integral_0^y phi(z) dz, Simpson's rule
    int n = 10_000;
    double h = y / n;
    double sum = 0;
    for (int i = 0; i <= n; i++) {
      double z = i * h;
      double f = Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
      sum += (i == 0 || i == n) ? f : (i % 2 == 1 ? 4 * f : 2 * f);
    }
    return 0.5 - sum * h / 3;
  }
}
