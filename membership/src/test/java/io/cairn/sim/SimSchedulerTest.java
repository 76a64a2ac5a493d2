package io.cairn.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimSchedulerTest {
  @Test
  void runsByTimeThenBySchedulingOrder() {
    var s = new SimScheduler(new SimClock(0));
    List<String> ran = new ArrayList<>();
    s.at(20, () -> ran.add("b@20"));
    s.at(10, () -> ran.add("a@10"));
    s.at(20, () -> ran.add("c@20"));
    s.at(10, () -> s.after(0, () -> ran.add("d@10, scheduled at 10")));
    s.runUntil(100);
    assertThat(ran).containsExactly("a@10", "d@10, scheduled at 10", "b@20", "c@20");
    assertThat(s.now()).isEqualTo(100);
  }

  @Test
  void aClockNearMaxValueWrapsWhileElapsedTimeKeepsOrder() {
    var clock = new SimClock(Long.MAX_VALUE - 5);
    var s = new SimScheduler(clock);
    List<Long> seen = new ArrayList<>();
    for (long t : new long[] {9, 3, 7}) {
      s.at(t, () -> seen.add(clock.nowNanos()));
    }
    s.runUntil(10);
    assertThat(seen).containsExactly(Long.MAX_VALUE - 2, Long.MIN_VALUE + 1, Long.MIN_VALUE + 3);
    // what a core must do: compare by subtraction
    assertThat(seen.get(2) - seen.get(0)).isEqualTo(6);
  }

  @Test
  void stopsWhenTheConditionHoldsOrAtTheLimit() {
    var s = new SimScheduler(new SimClock(0));
    long[] count = {0};
    Runnable[] tick = new Runnable[1];
    tick[0] = () -> { count[0]++; s.after(Duration.ofMillis(10), tick[0]); };
    s.after(0, tick[0]);
    assertThat(s.runUntil(() -> count[0] >= 5, Duration.ofMillis(1), Duration.ofSeconds(1))).isTrue();
    assertThat(s.now()).isEqualTo(Duration.ofMillis(40).toNanos());
    assertThat(s.runUntil(() -> false, Duration.ofMillis(100), Duration.ofSeconds(1))).isFalse();
    assertThat(s.now()).isEqualTo(Duration.ofMillis(1040).toNanos());
  }
}
