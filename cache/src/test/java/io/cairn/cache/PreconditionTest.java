package io.cairn.cache;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PreconditionTest {
  private static final Entry AT_7 = new Entry("k", new byte[] {1}, "text/plain", 7, null);

  @Test
  void noConditionAllowsEverything() {
    assertThat(Precondition.NONE.allows(null)).isTrue();
    assertThat(Precondition.NONE.allows(AT_7)).isTrue();
  }

  @Test
  void ifMatchNeedsOneOfTheVersions() {
    assertThat(Precondition.ifMatch(7).allows(AT_7)).isTrue();
    assertThat(Precondition.ifMatch(3, 7, 9).allows(AT_7)).isTrue();
    assertThat(Precondition.ifMatch(6).allows(AT_7)).isFalse();
    assertThat(Precondition.ifMatch(7).allows(null)).as("absent never matches").isFalse();
  }

  @Test
  void ifMatchAnyNeedsAnEntry() {
    var any = new Precondition(Precondition.ANY, false);
    assertThat(any.allows(AT_7)).isTrue();
    assertThat(any.allows(null)).isFalse();
    var equalSet = new Precondition(java.util.Set.of(-1L), false);
    assertThat(equalSet.allows(AT_7)).as("an equal set means If-Match: * too").isTrue();
  }

  @Test
  void ifNoneMatchStarNeedsAbsence() {
    assertThat(Precondition.ifNoneMatchStar().allows(null)).isTrue();
    assertThat(Precondition.ifNoneMatchStar().allows(AT_7)).isFalse();
  }

  @Test
  void bothConditionsMustHold() {
    var both = new Precondition(java.util.Set.of(7L), true);
    assertThat(both.allows(AT_7)).isFalse();
    assertThat(both.allows(null)).isFalse();
  }
}
