package io.cairn.membership.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.membership.Address;
import io.cairn.membership.Member;
import io.cairn.membership.MemberEvent;
import io.cairn.membership.MemberStatus;
import io.cairn.membership.NodeId;
import io.cairn.membership.phi.PhiSettings;
import io.cairn.membership.swim.SwimSettings;
import io.cairn.membership.transport.Faults;
import io.cairn.membership.transport.TransportSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Five membership shells in one JVM, each with its own Vert.x, on real sockets (127.0.0.1, ports
 * picked by the OS), with faults injected into the real transport. Faster protocol settings than
 * the defaults keep the test short; the defaults are exercised by the multi-process test.
 */
class MembershipIT {
  private static final SwimSettings FAST =
      new SwimSettings(
          Duration.ofMillis(200),
          Duration.ofMillis(100),
          3,
          3,
          Duration.ofMillis(100),
          3,
          4,
          20,
          2.0,
          3.0,
          Duration.ofMillis(600),
          8,
          Duration.ofSeconds(2),
          Duration.ofSeconds(1),
          Duration.ofMinutes(30),
          Duration.ofMillis(50),
          Duration.ofSeconds(1),
          new PhiSettings(8.0, 100, Duration.ofMillis(50), Duration.ZERO, Duration.ofMillis(200)));
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  private final Faults faults = new Faults(42);
  private final Map<String, Running> nodes = new LinkedHashMap<>();

  record Running(Vertx vertx, MembershipShell shell, List<MemberEvent> events) {
    Address address() {
      return shell.local().address();
    }

    MemberStatus statusOf(String id) {
      return shell.member(NodeId.of(id)).map(Member::status).orElse(null);
    }
  }

  @BeforeEach
  void fiveNodes() {
    start("n0", List.of());
    for (int i = 1; i < 5; i++) {
      start("n" + i, List.of(nodes.get("n0").address().toString()));
    }
    awaitView(nodes.keySet(), nodes.keySet(), MemberStatus.ALIVE);
    nodes.values().forEach(n -> assertThat(n.shell.joined()).isTrue());
  }

  @AfterEach
  void stopAll() throws Exception {
    for (Running n : nodes.values()) {
      n.vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void everyNodeJoinsAndMonitorsItsPeersWithPhi() {
    for (Running n : nodes.values()) {
      assertThat(n.shell.members()).hasSize(5);
      await().atMost(DEADLINE).until(() -> monitoredWithPhi(n) == 3);
    }
  }

  @Test
  void aGracefulLeaveIsSeenAsLeftAndNeverAsADeath() throws Exception {
    Running leaving = nodes.get("n2");
    leaving.shell.leave().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    leaving.vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    nodes.remove("n2");
    awaitView(nodes.keySet(), Set.of("n2"), MemberStatus.LEFT);
    // stay a while: the LEFT must not turn into DEAD later
    Thread.sleep(FAST.suspicionMinimum().toMillis() * 4);
    awaitView(nodes.keySet(), Set.of("n2"), MemberStatus.LEFT);
    for (Running n : nodes.values()) {
      assertThat(n.events).noneMatch(e -> e.kind() == MemberEvent.Kind.DIED);
    }
  }

  @Test
  void anAbruptCrashIsDeclaredDeadByEveryone() throws Exception {
    nodes.remove("n3").vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    awaitView(nodes.keySet(), Set.of("n3"), MemberStatus.DEAD);
    awaitView(nodes.keySet(), nodes.keySet(), MemberStatus.ALIVE);
  }

  @Test
  void aPartitionDeclaresTheOtherSideDeadAndHealingMergesTheGroupAgain() {
    Set<String> a = Set.of("n0", "n1");
    Set<String> b = Set.of("n2", "n3", "n4");
    faults.partition(ids(a), ids(b));
    awaitView(a, b, MemberStatus.DEAD);
    awaitView(b, a, MemberStatus.DEAD);
    faults.heal();
    awaitView(nodes.keySet(), nodes.keySet(), MemberStatus.ALIVE);
  }

  @Test
  void aOneWayBlockRaisesNoDeathBecauseIndirectProbesGetThrough() throws Exception {
    // n0 cannot reach n1, but everyone else can reach both: suspicions, if any, are refuted
    faults.block(NodeId.of("n0"), NodeId.of("n1"));
    Thread.sleep(FAST.probeInterval().toMillis() * 20);
    faults.heal();
    for (Running n : nodes.values()) {
      assertThat(n.events).noneMatch(e -> e.kind() == MemberEvent.Kind.DIED);
    }
    awaitView(nodes.keySet(), nodes.keySet(), MemberStatus.ALIVE);
  }

  @Test
  void aNodeDeclaredDeadThatComesBackRejoinsUnderAHigherIncarnation() throws Exception {
    nodes.remove("n4").vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    awaitView(nodes.keySet(), Set.of("n4"), MemberStatus.DEAD);
    long buried = nodes.get("n0").shell.member(NodeId.of("n4")).orElseThrow().incarnation();
    start("n4", List.of(nodes.get("n0").address().toString()));
    awaitView(nodes.keySet(), nodes.keySet(), MemberStatus.ALIVE);
    for (Running n : nodes.values()) {
      assertThat(n.shell.member(NodeId.of("n4")).orElseThrow().incarnation()).isGreaterThan(buried);
    }
  }

  @Test
  void aNodeWhoseSeedIsUnreachableIsNotJoinedAndKeepsTrying() throws Exception {
    // a port nobody listens on: the address of a node that is stopped
    Running gone = nodes.remove("n4");
    Address deadSeed = gone.address();
    gone.vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    Running lonely = start("n9", List.of(deadSeed.toString()));
    Thread.sleep(2_000);
    assertThat(lonely.shell.joined()).isFalse();
    assertThat(lonely.shell.members()).hasSize(1);
  }

  // ---------------------------------------------------------------------------------------------

  private Running start(String id, List<String> seeds) {
    Vertx vertx = Vertx.vertx(new VertxOptions().setMaxEventLoopExecuteTime(200).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
    MembershipSettings settings =
        new MembershipSettings(
            NodeId.of(id),
            "http://127.0.0.1:0",
            "zone-a",
            Set.of("voter"),
            "test",
            TransportSettings.defaults().withHost("127.0.0.1").withPort(0),
            seeds,
            null,
            FAST,
            faults);
    List<MemberEvent> events = new CopyOnWriteArrayList<>();
    MembershipShell shell;
    try {
      shell =
          MembershipShell.deploy(vertx, settings, new SimpleMeterRegistry())
              .toCompletionStage()
              .toCompletableFuture()
              .get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close();
      throw new AssertionError("node " + id + " did not start", e);
    }
    shell.subscribe(events::add);
    Running running = new Running(vertx, shell, events);
    nodes.put(id, running);
    return running;
  }

  private void awaitView(Set<String> observers, Set<String> subjects, MemberStatus status) {
    await()
        .atMost(DEADLINE)
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(
            () -> {
              List<String> wrong = new ArrayList<>();
              for (String o : observers) {
                for (String s : subjects) {
                  MemberStatus seen = nodes.get(o).statusOf(s);
                  if (seen != status) {
                    wrong.add(o + " sees " + s + " " + seen);
                  }
                }
              }
              assertThat(wrong).as("expected " + status).isEmpty();
            });
  }

  private static long monitoredWithPhi(Running n) {
    return n.shell.members().stream().filter(m -> n.shell.phi(m.id()).isPresent()).count();
  }

  private static Set<NodeId> ids(Set<String> names) {
    return names.stream().map(NodeId::of).collect(Collectors.toSet());
  }
}
