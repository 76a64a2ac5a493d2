package io.cairn.sim.swim;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.membership.Member;
import io.cairn.membership.MemberStatus;
import io.cairn.sim.Seeds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Deterministic simulations of SWIM membership under faults. Each test runs once per seed of
 * {@link Seeds} (CI default below; {@code -Dcairn.sim.seeds=K} for more); a failure prints its
 * seed, the last 200 events and the replay command, e.g.
 * {@code ./mvnw -pl membership -am test -Dtest=SwimSimTest -Dcairn.seed=N
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 *
 * <p>The promises checked, with the LAN settings: under 10% loss, 1–50 ms delays and duplicates,
 * no live node is ever DEAD anywhere; a crashed node is DEAD everywhere; a partition shorter than
 * half the shortest suspicion timeout kills nobody, a longer one may, and after it heals the sides
 * merge into one view with everyone ALIVE, those declared dead at a higher incarnation; a node
 * that leaves is LEFT everywhere and never DEAD; a node restarted with fresh state is ALIVE
 * everywhere at a higher incarnation than the one it died with. {@link SwimSim} and
 * {@link FaultLog} check the invariants after every event.
 *
 * <p>Every scenario is strict: a single DIED that the {@link FaultLog} does not justify fails
 * it. ({@link SwimSim#tolerateFalseDeaths(boolean)} exists for chasing other properties while a
 * core has a false-death bug.) The cores of 7e5e463 and eb6c3c1 had false deaths in about 1–5%
 * of seeds; e124185 made them rarer; the seeds that still failed then are the
 * {@code knownFalseDeath*} regression tests.
 */
class SwimSimTest {
  /**
   * 100-node runs cost most (about 1.2 s each); CI runs this many of them. Measured on the 2-core
   * build machine, the whole class with these defaults takes about 65 s.
   */
  static final int BIG_SEEDS = 10;

  static LongStream bigSeeds() {
    return Seeds.seeds(BIG_SEEDS);
  }

  static LongStream seeds() {
    return Seeds.seeds(Seeds.DEFAULT_COUNT);
  }

  /** The leave runs wait longest for their view; fewer of them. */
  static LongStream leaveSeeds() {
    return Seeds.seeds(25);
  }

  /** Strict: a false death fails the run. Tolerant: it is recorded and must be refuted. */
  private static SwimSim lossy(int n, long seed, String test, boolean strict) {
    SwimSim sim = SwimSim.swim(n, seed).replayTest("SwimSimTest#" + test).tolerateFalseDeaths(!strict);
    sim.network().drop(0.10).delay(Duration.ofMillis(1), Duration.ofMillis(50)).duplicate(0.02);
    return sim.start();
  }

  /** Every live node knows every live node and holds none of them DEAD or LEFT. */
  private static boolean allJoined(SwimSim sim) {
    int[] live = sim.liveNodes();
    if (live.length == 0 || !sim.allStarted()) {
      return false;
    }
    for (int o : live) {
      int known = 0;
      for (Member m : sim.core(o).members()) {
        int mi = sim.index(m.id());
        if (sim.isLive(mi) && !m.status().isGone()) {
          known++;
        }
      }
      if (known != live.length) {
        return false;
      }
    }
    return true;
  }

  private static void joinAll(SwimSim sim) {
    // 120 s: under 10% loss a node may miss another's JOINED gossip amid a hundred concurrent
    // joins (seed 84 of the 100-node run), and only push-pull, every 30 s at n = 100, repairs it
    if (!sim.runUntil(() -> allJoined(sim), Duration.ofMillis(500), Duration.ofSeconds(120))) {
      StringBuilder why = new StringBuilder();
      for (int o : sim.liveNodes()) {
        long known = sim.core(o).members().stream()
            .filter(m -> sim.isLive(sim.index(m.id())) && !m.status().isGone()).count();
        if (known != sim.liveNodes().length && why.length() < 2000) {
          why.append("\n  ").append(sim.id(o)).append(sim.core(o).joined() ? " joined" : " NOT joined")
              .append(", knows ").append(known).append(" live; not live in its view: ")
              .append(sim.core(o).members().stream()
                  .filter(m -> sim.isLive(sim.index(m.id())) && m.status().isGone())
                  .map(m -> m.id() + ":" + m.status() + "@" + m.incarnation()).toList())
              .append("; unknown: ").append(IntStream.of(sim.liveNodes())
                  .filter(x -> sim.core(o).member(sim.id(x)).isEmpty())
                  .mapToObj(sim::id).toList());
        }
      }
      throw sim.fail("the group did not form within 120 s of virtual time:" + why);
    }
  }

  /** Stops loss and duplicates, then waits for one view; fails with the differences. */
  private static void settle(SwimSim sim, Duration limit) {
    sim.network().drop(0).duplicate(0);
    if (!sim.runUntil(sim::converged, Duration.ofMillis(500), limit)) {
      throw sim.fail("no single view " + limit.toSeconds() + " s after the faults stopped:\n  "
          + sim.divergence());
    }
  }

  private static int[] shuffled(SwimSim sim, int[] nodes) {
    int[] a = nodes.clone();
    for (int i = a.length - 1; i > 0; i--) {
      int j = sim.random().nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /**
   * 100 nodes; five crash; a 30 s partition (30% against 70%) heals; 10% loss, 1–50 ms delays and
   * 2% duplicates throughout; one view afterwards, and no death that a crash or the partition
   * does not justify. Found a core bug with the cores of 7e5e463 and eb6c3c1 (seeds 71 and 17: a
   * refutation missed one node before its suspicion timer fired), fixed in e124185 (a node
   * holding a suspicion pings the suspect half way through); 1..140 pass since.
   */
  @ParameterizedTest
  @MethodSource("bigSeeds")
  void hundredNodesUnderLossCrashesAndAPartitionConvergeWithoutFalseDeaths(long seed) {
    hundredNodes(seed, "hundredNodesUnderLossCrashesAndAPartitionConvergeWithoutFalseDeaths", true);
  }

  /**
   * Seeds that failed with the core of e124185, kept as regression tests. The bug: a refutation
   * could miss a node before its suspicion timer fired. Fixed by answering every doubt directly
   * (a suspect that hears an old suspicion of itself tells the doubter its current incarnation)
   * and by verifying through helpers as well as directly. Seed 153 (of
   * 141..240): n0056 declares n0060 DEAD@0 at 36.4 s under loss alone; the one copy of the
   * refutation ALIVE@1 sent to n0056 (30.55 s) and n0056's half-way ping to the suspect (33.43 s)
   * were both lost, and a Gossip from n0060 itself reached n0056 at 36.33 s without counting as a
   * sign of life. Replay: {@code -Dtest=SwimSimTest#hundredNodesUnderLossCrashesAndAPartitionConvergeWithoutFalseDeaths
   * -Dcairn.seed=153}.
   */
  @ParameterizedTest
  @ValueSource(longs = {153})
  void knownFalseDeathUnderLoss(long seed) {
    hundredNodes(seed, "hundredNodesUnderLossCrashesAndAPartitionConvergeWithoutFalseDeaths", true);
  }

  private static void hundredNodes(long seed, String test, boolean strict) {
    SwimSim sim = lossy(100, seed, test, strict);
    joinAll(sim);

    // five crashes at random moments over 20 s; loss, delays and duplicates all along
    int[] victims = IntStream.of(shuffled(sim, sim.liveNodes())).limit(5).toArray();
    long start = sim.scheduler().now();
    for (int v : victims) {
      sim.scheduler().at(start + Duration.ofSeconds(5).toNanos()
          + sim.random().nextLong(Duration.ofSeconds(20).toNanos()), () -> sim.crash(v));
    }
    sim.runFor(Duration.ofSeconds(40));

    // a long partition, 30% against 70% of all nodes, then heal and keep the loss for 20 s
    int[] all = shuffled(sim, IntStream.range(0, sim.size()).toArray());
    int cut = sim.size() * 3 / 10;
    int[] minority = Arrays.copyOfRange(all, 0, cut);
    sim.partition(minority, Arrays.copyOfRange(all, cut, all.length), Duration.ofSeconds(30));
    sim.runFor(Duration.ofSeconds(50));

    settle(sim, Duration.ofSeconds(60));
    sim.guard(() -> {
      // the partition did its work: someone was declared dead across it ...
      List<SwimSim.Death> partitionDeaths = new ArrayList<>();
      for (SwimSim.Death d : sim.deaths()) {
        if (sim.isLive(d.member())) {
          partitionDeaths.add(d);
        }
      }
      assertThat(partitionDeaths).as("deaths of live nodes across the 30 s partition").isNotEmpty();
      // ... and every live node declared dead, across the partition or falsely, came back at a
      // higher incarnation
      for (SwimSim.Death d : partitionDeaths) {
        assertThat(sim.core(d.member()).local().incarnation())
            .as("%s, declared DEAD@%d by %s, rejoined higher", sim.id(d.member()), d.incarnation(),
                sim.id(d.observer()))
            .isGreaterThan(d.incarnation());
      }
      // every crashed node is DEAD at every live node (divergence() checked it too)
      for (int o : sim.liveNodes()) {
        for (int v : victims) {
          assertThat(sim.core(o).member(sim.id(v)).map(Member::status).orElse(MemberStatus.DEAD))
              .isEqualTo(MemberStatus.DEAD);
        }
      }
    });
  }

  /**
   * A partition of half the shortest suspicion timeout (1 s with LAN settings at 100 nodes: the
   * shortest timeout is 2 s, the longest 6 s) between two random halves, under 10% loss, must kill
   * nobody: the suspected nodes refute within ~150 ms of the heal. Failed on seeds 2 and 24 of
   * 1..40 with the core of 7e5e463, on 41, 58, 81 and 97 of 1..140 with that of eb6c3c1; passes
   * 1..140 since e124185.
   */
  @ParameterizedTest
  @MethodSource("bigSeeds")
  void aPartitionShorterThanHalfTheSuspicionTimeoutKillsNobody(long seed) {
    SwimSim sim = lossy(100, seed, "aPartitionShorterThanHalfTheSuspicionTimeoutKillsNobody", true);
    joinAll(sim);
    sim.runFor(Duration.ofSeconds(5));
    int[] live = shuffled(sim, sim.liveNodes());
    int half = live.length / 2;
    sim.partition(Arrays.copyOfRange(live, 0, half), Arrays.copyOfRange(live, half, live.length),
        Duration.ofNanos(sim.shortestSuspicionTimeoutNanos() / 2));
    sim.runFor(Duration.ofSeconds(30));
    settle(sim, Duration.ofSeconds(30));
    sim.guard(() -> assertThat(sim.deaths()).isEmpty());
  }

  /**
   * Two minutes of 10% loss, 1–50 ms delays and 2% duplicates kill nobody. Failed on seed 41 of
   * 1..140 with the core of eb6c3c1 (n0027 declared n0007 DEAD@0 at 14.7 s; 27 of 29 nodes had
   * the refutation ALIVE@1 within 0.3 s); passes 1..140 since e124185.
   */
  @ParameterizedTest
  @MethodSource("seeds")
  void lossAloneNeverKillsAnyone(long seed) {
    lossAlone(seed, "lossAloneNeverKillsAnyone", true);
  }

  private static void lossAlone(long seed, String test, boolean strict) {
    SwimSim sim = lossy(30, seed, test, strict);
    joinAll(sim);
    sim.runFor(Duration.ofSeconds(120));
    settle(sim, Duration.ofSeconds(30));
    sim.guard(() -> assertThat(sim.deaths()).isEmpty());
  }

  /** A few links blocked one way for a minute: indirect probes go around them; nobody dies. */
  @ParameterizedTest
  @MethodSource("leaveSeeds")
  void linksBlockedOneWayKillNobody(long seed) {
    linksBlockedOneWay(seed);
  }

  private static void linksBlockedOneWay(long seed) {
    SwimSim sim = lossy(30, seed, "linksBlockedOneWayKillNobody", true);
    joinAll(sim);
    for (int k = 0; k < 5; k++) {
      int from = sim.random().nextInt(sim.size());
      int to = (from + 1 + sim.random().nextInt(sim.size() - 1)) % sim.size();
      sim.blockOneWay(from, to, Duration.ofSeconds(60));
    }
    sim.runFor(Duration.ofSeconds(70));
    settle(sim, Duration.ofSeconds(30));
    sim.guard(() -> assertThat(sim.deaths()).isEmpty());
  }

  /**
   * Seeds of {@link #linksBlockedOneWayKillNobody} that failed with the core of e124185 (of
   * 141..240), kept as regression tests. The bug, fixed since by verifying a suspicion through
   * helpers (PingReq) whose relayed ack carries what the suspect says of itself: when m → o is blocked one way, o keeps suspecting m whenever an indirect
   * probe fails under loss; its half-way ping to m cannot be answered (the ack is blocked), so
   * only third-party gossip can refute, and with 30 nodes each node sends a refutation about 8
   * times in all: seed 194, o = n0003 gets three copies of n0017's ALIVE@1, all lost (plus one
   * push-pull over another blocked link), and declares n0017 DEAD@0 at 25.4 s; seed 228, n0021
   * declares n0008 DEAD@2 at 65.7 s. Replay: {@code -Dtest=SwimSimTest#linksBlockedOneWayKillNobody
   * -Dcairn.seed=194}.
   */
  @ParameterizedTest
  @ValueSource(longs = {194, 228})
  void knownFalseDeathBehindAOneWayBlock(long seed) {
    linksBlockedOneWay(seed);
  }

  @ParameterizedTest
  @MethodSource("leaveSeeds")
  void nodesThatLeaveAreLeftEverywhereAndNeverDead(long seed) {
    SwimSim sim = lossy(40, seed, "nodesThatLeaveAreLeftEverywhereAndNeverDead", true);
    joinAll(sim);
    int[] leavers = IntStream.of(shuffled(sim, sim.liveNodes())).limit(4).toArray();
    long start = sim.scheduler().now();
    for (int l : leavers) {
      sim.scheduler().at(start + sim.random().nextLong(Duration.ofSeconds(5).toNanos()),
          () -> sim.leave(l, Duration.ofSeconds(1)));
    }
    sim.runFor(Duration.ofSeconds(30));
    settle(sim, Duration.ofSeconds(30));
    sim.guard(() -> {
      for (int o : sim.liveNodes()) {
        for (int l : leavers) {
          assertThat(sim.core(o).member(sim.id(l)).map(Member::status))
              .as("%s at %s", sim.id(l), sim.id(o))
              .hasValueSatisfying(s -> assertThat(s).isEqualTo(MemberStatus.LEFT));
        }
      }
      // a DIED about a node that left fails the run when it happens (SwimSim); nor any other
      assertThat(sim.deaths()).isEmpty();
    });
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void aRestartedNodeRejoinsAliveAtAHigherIncarnation(long seed) {
    SwimSim sim = lossy(40, seed, "aRestartedNodeRejoinsAliveAtAHigherIncarnation", true);
    joinAll(sim);
    int[] picked = shuffled(sim, sim.liveNodes());
    int[] slow = {picked[0], picked[1], picked[2]};
    int quick = picked[3];
    for (int v : slow) {
      sim.crash(v);
    }
    // a crash and restart faster than any detection
    sim.crash(quick);
    sim.runFor(Duration.ofMillis(300));
    sim.restart(quick);
    boolean allDead = sim.runUntil(() -> {
      for (int o : sim.liveNodes()) {
        for (int v : slow) {
          if (sim.core(o).member(sim.id(v)).map(m -> m.status() != MemberStatus.DEAD).orElse(true)) {
            return false;
          }
        }
      }
      return true;
    }, Duration.ofMillis(500), Duration.ofSeconds(60));
    if (!allDead) {
      throw sim.fail("crashed nodes not DEAD everywhere within 60 s");
    }
    Map<Integer, Long> diedAt = new HashMap<>();
    for (SwimSim.Death d : sim.deaths()) {
      diedAt.merge(d.member(), d.incarnation(), Math::max);
    }
    for (int v : slow) {
      sim.restart(v);
    }
    sim.runFor(Duration.ofSeconds(20));
    settle(sim, Duration.ofSeconds(60));
    sim.guard(() -> {
      for (int v : slow) {
        long now = sim.core(v).local().incarnation();
        assertThat(now).as("%s rejoined above its death", sim.id(v)).isGreaterThan(diedAt.get(v));
        for (int o : sim.liveNodes()) {
          assertThat(sim.core(o).member(sim.id(v)))
              .hasValueSatisfying(m -> {
                assertThat(m.status()).isEqualTo(MemberStatus.ALIVE);
                assertThat(m.incarnation()).isEqualTo(now);
              });
        }
      }
    });
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void theSameSeedReplaysTheSameRun(long seed) {
    assertThat(history(seed)).isEqualTo(history(seed));
  }

  private static List<String> history(long seed) {
    List<String> events = new ArrayList<>();
    SwimSim sim = SwimSim.swim(15, seed).replayTest("SwimSimTest#theSameSeedReplaysTheSameRun")
        .onEvent(o -> events.add(o.at() + " " + o.observer() + " " + o.event()));
    sim.network().drop(0.1).delay(Duration.ofMillis(1), Duration.ofMillis(50)).duplicate(0.05);
    sim.start();
    sim.scheduler().at(Duration.ofSeconds(10).toNanos(), () -> sim.crash(3));
    sim.runFor(Duration.ofSeconds(30));
    events.add("sent " + sim.sentTotal() + " delivered " + sim.network().delivered());
    return events;
  }
}
