package io.cairn.coordination.machine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TickClockTest {
  private static final long MS = 1_000_000;

  @Test
  void countsWholeMillisecondsSinceItsOwnLastTickAndZeroAtEachNewTerm() {
    TickClock c = TickClock.perTerm();
    long t = Long.MAX_VALUE - 1_000 * MS; // a clock near its end: differences only
    assertThat(c.next(3, t)).isZero(); // the first tick it proposes
    assertThat(c.next(3, t + 100 * MS + MS / 2)).isEqualTo(100);
    assertThat(c.next(3, t + 200 * MS)).isEqualTo(100); // the half millisecond was carried over
    assertThat(c.next(3, t + 200 * MS + MS / 2)).isZero();
    assertThat(c.next(3, t + 201 * MS + MS / 4)).isEqualTo(1); // 201 in all, never more than real time
    assertThat(c.next(5, t + 700 * MS)).isZero(); // it leads again, later: nothing counted between
    assertThat(c.next(5, t + 800 * MS)).isEqualTo(100);
  }

  @Test
  void aGapLongerThanOneTickMayCountIsCountedOnceAtTheMost() {
    TickClock c = TickClock.perTerm();
    assertThat(c.counting(3)).isFalse();
    assertThat(c.next(3, 0)).isZero();
    assertThat(c.counting(3)).isTrue();
    assertThat(c.counting(4)).isFalse();
    long gap = 3 * Primitives.MAX_TICK_MILLIS * MS; // an idle leader skipped its ticks for three hours
    assertThat(c.next(3, gap)).isEqualTo(Primitives.MAX_TICK_MILLIS);
    assertThat(c.next(3, gap + 100 * MS)).isEqualTo(100); // never the rest of the gap again
  }

  @Test
  void theWrongRuleCountsAcrossTerms() {
    TickClock c = TickClock.neverReset();
    assertThat(c.next(3, 0)).isZero();
    assertThat(c.next(5, 700 * MS)).isEqualTo(700);
  }
}
