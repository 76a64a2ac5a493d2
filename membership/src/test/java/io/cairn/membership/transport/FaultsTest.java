package io.cairn.membership.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.membership.NodeId;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FaultsTest {
  private static final NodeId A = NodeId.of("a");
  private static final NodeId B = NodeId.of("b");
  private static final NodeId C = NodeId.of("c");

  @Test
  void noneNeverFaultsAndCannotBeChanged() {
    assertThat(Faults.NONE.decide(A, B)).isEqualTo(Faults.Decision.PASS);
    assertThatThrownBy(() -> Faults.NONE.dropAll(0.5))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void blockIsOneWayPartitionIsBothWaysHealClearsAll() {
    Faults f = new Faults(1).block(A, B);
    assertThat(f.decide(A, B).drop()).isTrue();
    assertThat(f.decide(B, A).drop()).isFalse();

    f.heal().partition(Set.of(A), Set.of(B, C));
    assertThat(f.decide(A, C).drop()).isTrue();
    assertThat(f.decide(C, A).drop()).isTrue();
    assertThat(f.decide(B, C).drop()).isFalse();

    f.heal();
    assertThat(f.decide(A, C)).isEqualTo(Faults.Decision.PASS);
  }

  @Test
  void dropRateFollowsTheProbabilityAndTheSeed() {
    Faults f = new Faults(5).dropAll(0.25);
    Faults g = new Faults(5).dropAll(0.25);
    int drops = 0;
    for (int i = 0; i < 10_000; i++) {
      boolean d = f.decide(A, B).drop();
      assertThat(g.decide(A, B).drop()).isEqualTo(d); // same seed, same choices
      drops += d ? 1 : 0;
    }
    assertThat(drops).isBetween(2_200, 2_800);
  }

  @Test
  void delaysStayInTheirRangeAndLinkRulesBeatGlobalOnes() {
    Faults f = new Faults(3).delayAll(Duration.ofMillis(5), Duration.ofMillis(10))
        .delay(A, B, Duration.ofMillis(50), Duration.ofMillis(50));
    for (int i = 0; i < 1_000; i++) {
      assertThat(f.decide(B, C).delayNanos()).isBetween(5_000_000L, 10_000_000L);
    }
    assertThat(f.decide(A, B).delayNanos()).isEqualTo(50_000_000L);
  }

  @Test
  void specParsesEveryKey() {
    Faults f = Faults.fromSpec(" drop=0 , delay=1ms..2ms, duplicate=1, seed=9");
    Faults.Decision d = f.decide(A, B);
    assertThat(d.drop()).isFalse();
    assertThat(d.duplicate()).isTrue();
    assertThat(d.delayNanos()).isBetween(1_000_000L, 2_000_000L);
    assertThat(Faults.fromSpec("delay=3ms").decide(A, B).delayNanos()).isEqualTo(3_000_000L);
    assertThat(Faults.fromSpec("").decide(A, B)).isEqualTo(Faults.Decision.PASS);
  }

  @Test
  void badSpecsAreRefusedNamingTheProperty() {
    for (String bad : new String[] {"drop=2", "drop=x", "delay=5", "delay=9ms..1ms", "lose=0.1",
        "drop", "drop=0.1,drop=0.2", "seed=abc", "delay=-1ms"}) {
      assertThatThrownBy(() -> Faults.fromSpec(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("cairn.transport.faults: ");
    }
  }
}
