package io.cairn.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SeedsTest {
  @Test
  void countsFromOneByDefaultAndNamesTheReplayCommand() {
    if (System.getProperty(Seeds.SEED) == null && System.getProperty(Seeds.COUNT) == null
        && System.getProperty(Seeds.FIRST) == null) {
      assertThat(Seeds.seeds(3).toArray()).containsExactly(1, 2, 3);
    }
    assertThat(Seeds.replayCommand("membership", "SwimSimTest", 17))
        .isEqualTo("./mvnw -pl membership -am test -Dtest=SwimSimTest -Dcairn.seed=17"
            + " -Dsurefire.failIfNoSpecifiedTests=false");
  }
}
