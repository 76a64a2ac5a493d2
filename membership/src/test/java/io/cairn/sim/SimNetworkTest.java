package io.cairn.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SimNetworkTest {
  private final SimScheduler scheduler = new SimScheduler(new SimClock(Long.MAX_VALUE));
  private final SimTrace trace = new SimTrace(16);
  private final List<String> got = new ArrayList<>();
  private final SimNetwork<String> net =
      new SimNetwork<>(scheduler, new SplittableRandom(7), 4, trace,
          (from, to, m) -> got.add(from + ">" + to + ":" + m));

  @Test
  void dropsAboutTheConfiguredShare() {
    net.drop(0.1);
    for (int i = 0; i < 10_000; i++) {
      net.send(0, 1, "m");
    }
    scheduler.runFor(Duration.ofSeconds(1));
    assertThat(got.size()).isBetween(8_800, 9_200);
    assertThat(net.dropped() + net.delivered()).isEqualTo(10_000);
  }

  @Test
  void perLinkLossOverridesTheDefault() {
    net.drop(0, 1, 1.0);
    net.send(0, 1, "lost");
    net.send(1, 0, "back");
    scheduler.runFor(Duration.ofSeconds(1));
    assertThat(got).containsExactly("1>0:back");
  }

  @Test
  void randomDelaysReorderAndDuplicatesArrive() {
    net.delay(Duration.ofMillis(1), Duration.ofMillis(50)).duplicate(0.5);
    for (int i = 0; i < 100; i++) {
      net.send(0, 1, Integer.toString(i));
    }
    scheduler.runFor(Duration.ofMillis(50));
    assertThat(got).hasSize(100 + (int) net.duplicated());
    assertThat(net.duplicated()).isBetween(30L, 70L);
    List<String> inOrder = new ArrayList<>(got);
    inOrder.sort(java.util.Comparator.comparingInt(s -> Integer.parseInt(s.substring(4))));
    assertThat(got).isNotEqualTo(inOrder);
  }

  @Test
  void partitionsCutBothWaysAndInFlightMessagesUntilHealed() {
    net.delay(Duration.ofMillis(10), Duration.ofMillis(10));
    net.send(0, 2, "in flight");
    net.partition(new int[] {0, 1}, new int[] {2, 3});
    net.send(0, 3, "a");
    net.send(3, 0, "b");
    net.send(0, 1, "same side");
    scheduler.runFor(Duration.ofSeconds(1));
    assertThat(got).containsExactly("0>1:same side");
    net.heal();
    net.send(3, 0, "healed");
    scheduler.runFor(Duration.ofSeconds(1));
    assertThat(got).containsExactly("0>1:same side", "3>0:healed");
  }

  @Test
  void oneWayBlocksCutOneDirection() {
    net.blockOneWay(new int[] {0}, new int[] {1});
    net.send(0, 1, "cut");
    net.send(1, 0, "passes");
    scheduler.runFor(Duration.ofSeconds(1));
    assertThat(got).containsExactly("1>0:passes");
  }

  @Test
  void aDownNodeNeitherSendsNorReceivesEvenWhatWasInFlight() {
    net.delay(Duration.ofMillis(10), Duration.ofMillis(10));
    net.send(0, 1, "in flight");
    net.down(1);
    net.send(1, 0, "from the dead");
    scheduler.runFor(Duration.ofSeconds(1));
    assertThat(got).isEmpty();
    net.up(1);
    net.send(0, 1, "after restart");
    scheduler.runFor(Duration.ofSeconds(1));
    assertThat(got).containsExactly("0>1:after restart");
    assertThat(trace.dump()).contains("DOWN", "TO-DOWN", "UP");
  }

  @Test
  void theSameSeedGivesTheSameRun() {
    assertThat(run(42)).isEqualTo(run(42)).isNotEqualTo(run(43));
  }

  private static List<String> run(long seed) {
    var s = new SimScheduler(new SimClock(0));
    List<String> out = new ArrayList<>();
    var n = new SimNetwork<Integer>(s, new SplittableRandom(seed), 3, new SimTrace(),
        (f, t, m) -> out.add(s.now() + " " + f + ">" + t + ":" + m));
    n.drop(0.2).duplicate(0.1).delay(Duration.ofMillis(1), Duration.ofMillis(30));
    for (int i = 0; i < 200; i++) {
      n.send(i % 3, (i + 1) % 3, i);
    }
    s.runFor(Duration.ofSeconds(1));
    return out;
  }
}
