package io.cairn.membership.swim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SwimMathTest {
  @ParameterizedTest
  @CsvSource({"4,1,4", "4,5,4", "4,9,4", "4,10,8", "4,99,8", "4,100,12", "4,10000,20", "3,0,3"})
  void retransmitLimitGrowsWithLog10OfTheGroup(int multiplier, int n, int expected) {
    assertThat(SwimMath.retransmitLimit(multiplier, n)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"1,1000", "5,1000", "10,1000", "100,2000", "1000,3000"})
  void suspicionMinimumScalesWithLog10N(int n, long expectedMillis) {
    // LAN: 2 * max(1, log10 n) * 500 ms, at least 1 s
    assertThat(SwimMath.suspicionMinNanos(SwimSettings.LAN, n) / 1_000_000).isEqualTo(expectedMillis);
    assertThat(SwimMath.suspicionMaxNanos(SwimSettings.LAN, n) / 1_000_000).isEqualTo(expectedMillis * 3);
  }

  @Test
  void suspicionTimeoutFallsFromMaxToMinAsConfirmationsArrive() {
    long min = 1_000, max = 3_000;
    assertThat(SwimMath.suspicionTimeoutNanos(min, max, 0, 2)).isEqualTo(max);
    long one = SwimMath.suspicionTimeoutNanos(min, max, 1, 2);
    assertThat(one).isBetween(min + 1, max - 1);
    assertThat(SwimMath.suspicionTimeoutNanos(min, max, 2, 2)).isEqualTo(min);
    assertThat(SwimMath.suspicionTimeoutNanos(min, max, 9, 2)).isEqualTo(min);
    assertThat(SwimMath.suspicionTimeoutNanos(min, max, 0, 0)).isEqualTo(min);
  }

  @ParameterizedTest
  @CsvSource({"10,1", "32,1", "33,2", "64,2", "65,3", "1000,6", "10000,10"})
  void pushPullStretchesAboveThirtyTwoMembers(int n, long multiplier) {
    assertThat(SwimMath.pushPullIntervalNanos(Duration.ofSeconds(1), n)).isEqualTo(multiplier * 1_000_000_000L);
  }

  @Test
  void backoffStaysWithinItsBoundsAndGrows() {
    var random = new SplittableRandom(1);
    Duration min = Duration.ofMillis(200), max = Duration.ofSeconds(10);
    for (int attempt = 0; attempt < 100; attempt++) {
      long b = SwimMath.backoffNanos(min, max, attempt, random);
      long ceiling = Math.min(max.toNanos(), min.toNanos() << Math.min(attempt, 30));
      assertThat(b).isBetween(min.toNanos(), ceiling);
    }
  }

  @Test
  void ringHashSpreadsSimilarNames() {
    assertThat(SwimMath.ringHash("n0001")).isNotEqualTo(SwimMath.ringHash("n0002"));
    int positive = 0;
    for (int i = 0; i < 1000; i++) {
      if (SwimMath.ringHash("node-" + i) > 0) {
        positive++;
      }
    }
    assertThat(positive).isBetween(400, 600);
  }
}
