package io.cairn.coordination;

import static io.cairn.coordination.CoordinationCluster.await;
import static io.cairn.coordination.CoordinationCluster.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.coordination.machine.Register;
import io.cairn.coordination.machine.RegisterCommand.Expect;
import io.cairn.coordination.machine.RegisterResult;
import io.cairn.coordination.raft.RaftSettings;
import io.cairn.membership.transport.Faults;
import java.nio.file.Path;
import io.cairn.membership.NodeId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A three-voter coordination group in this JVM on real sockets: forming, forwarding from any node,
 * failover after a crash, a minority that answers "unavailable", and a restart of every node on
 * new ports.
 */
class CoordinationIT {

  @TempDir
  Path dir;
  private CoordinationCluster cluster;

  private CoordinationCluster start(Duration requestTimeout) {
    cluster = new CoordinationCluster(3, dir, new Faults(7), RaftSettings.LAN, requestTimeout, 10_000);
    cluster.startAll();
    return cluster;
  }

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }


  private static long written(RegisterResult r) {
    assertThat(r).isInstanceOf(RegisterResult.Written.class);
    return ((RegisterResult.Written) r).version();
  }

  @Test
  void anyNodeTakesWritesAndLinearizableReads() {
    start(Duration.ofSeconds(5));
    long v1 = eventually(() -> written(await(cluster.node(0).registers().put("a", "1", Expect.ANY))));
    long v2 = written(await(cluster.node(1).registers().put("a", "2", Expect.version(v1))));
    assertThat(v2).isGreaterThan(v1);
    for (int i = 0; i < 3; i++) {
      assertThat(await(cluster.node(i).registers().get("a"))).contains(new Register("a", "2", v2));
    }
    assertThat(await(cluster.node(2).registers().put("a", "3", Expect.version(v1))))
        .isEqualTo(new RegisterResult.PreconditionFailed(java.util.OptionalLong.of(v2)));
    assertThat(await(cluster.node(2).registers().add("c", 5))).isInstanceOf(RegisterResult.CounterValue.class);
    assertThat(await(cluster.node(0).registers().counter("c")).value()).isEqualTo(5);
    assertThat(cluster.leader()).isPresent();
  }

  @Test
  void aCrashedLeaderIsReplacedAndNoAcknowledgedWriteIsLost() {
    start(Duration.ofSeconds(5));
    eventually(() -> written(await(cluster.node(0).registers().put("x", "0", Expect.ANY))));
    for (int round = 1; round <= 3; round++) {
      int leader = cluster.leader().orElseThrow();
      int other = (leader + 1) % 3;
      long acked = written(await(cluster.node(other).registers().put("x", "r" + round, Expect.ANY)));
      cluster.crash(leader);
      String value = "after" + round;
      long next = eventually(() -> written(await(cluster.node(other).registers().put("y" + value, value, Expect.ANY))));
      assertThat(next).isGreaterThan(acked);
      assertThat(await(cluster.node(other).registers().get("x")).map(Register::value)).contains("r" + round);
      cluster.restart(leader);
      // the restarted node catches up: once it leads or follows, a read through it sees the write
      eventually(() -> {
        assertThat(await(cluster.node(leader).registers().get("y" + value)).map(Register::value)).contains(value);
        return null;
      });
    }
  }

  @Test
  void aNodeCutOffFromTheMajorityAnswersUnavailableNeverStale() {
    start(Duration.ofSeconds(1));
    eventually(() -> written(await(cluster.node(0).registers().put("k", "before", Expect.ANY))));
    int leader = cluster.leader().orElseThrow();
    int cut = (leader + 1) % 3;
    cluster.faults.partition(Set.of(cluster.ids.get(cut)),
        Set.of(cluster.ids.get(leader), cluster.ids.get((leader + 2) % 3)));
    written(await(cluster.node(leader).registers().put("k", "after", Expect.ANY)));
    assertThatThrownBy(() -> await(cluster.node(cut).registers().get("k")))
        .isInstanceOfSatisfying(CoordinationException.class,
            e -> assertThat(e.kind()).isEqualTo(CoordinationException.Kind.UNAVAILABLE));
    assertThatThrownBy(() -> await(cluster.node(cut).registers().put("k", "lost", Expect.ANY)))
        .isInstanceOf(CoordinationException.class);
    cluster.faults.heal();
    assertThat(eventually(() -> await(cluster.node(cut).registers().get("k")))).map(Register::value).contains("after");
  }

  @Test
  void aFollowerThatMissedCompactedEntriesGetsTheLeadersSnapshot() {
    cluster = new CoordinationCluster(3, dir, new Faults(7), RaftSettings.LAN, Duration.ofSeconds(5), 20);
    cluster.startAll();
    eventually(() -> written(await(cluster.node(0).registers().put("k0", "v", Expect.ANY))));
    int leader = cluster.leader().orElseThrow();
    int lagging = (leader + 1) % 3;
    cluster.crash(lagging);
    for (int i = 1; i <= 100; i++) {
      written(await(cluster.node(leader).registers().put("k" + (i % 10), "v" + i, Expect.ANY)));
    }
    RaftStatus leaderStatus = await(cluster.node(leader).coordination().status());
    assertThat(leaderStatus.snapshotIndex()).as("the leader compacted its log").isGreaterThan(20);
    cluster.restart(lagging);
    eventually(() -> {
      RaftStatus s = await(cluster.node(lagging).coordination().status());
      assertThat(s.snapshotIndex()).as("the restarted follower installed a snapshot").isGreaterThan(20);
      assertThat(s.appliedIndex()).isGreaterThanOrEqualTo(leaderStatus.commitIndex());
      return null;
    });
    // Every node restarts from its snapshot and the log after it.
    for (int i = 0; i < 3; i++) {
      cluster.crash(i);
    }
    for (int i = 0; i < 3; i++) {
      cluster.restart(i);
    }
    for (int k = 0; k < 10; k++) {
      String key = "k" + k;
      String expected = "v" + (k == 0 ? 100 : 90 + k);
      assertThat(eventually(() -> await(cluster.node(lagging).registers().get(key))).map(Register::value))
          .as(key).contains(expected);
    }
  }

  @Test
  void aLeaderHandsOverBeforeItStops() {
    start(Duration.ofSeconds(5));
    eventually(() -> written(await(cluster.node(0).registers().put("h", "0", Expect.ANY))));
    int leader = cluster.leader().orElseThrow();
    long begin = System.nanoTime();
    assertThat(await(cluster.node(leader).coordination().handOver())).isTrue();
    long handedOverMillis = (System.nanoTime() - begin) / 1_000_000;
    int next = eventually(() -> cluster.leader().filter(i -> i != leader).orElseThrow());
    System.out.println("leadership handed over from " + cluster.ids.get(leader) + " to " + cluster.ids.get(next)
        + " in " + handedOverMillis + " ms");
    cluster.crash(leader);
    assertThat(written(await(cluster.node(next).registers().put("h", "1", Expect.ANY)))).isPositive();
  }

  @Test
  void aVoterDeadForLongIsReplacedByALiveMember() {
    cluster = new CoordinationCluster(4, 3, true, Duration.ZERO, dir, new Faults(7), RaftSettings.LAN,
        Duration.ofSeconds(5), 10_000);
    cluster.replaceAfter = Duration.ofSeconds(1);
    cluster.startAll();
    eventually(() -> written(await(cluster.node(0).registers().put("r", "0", Expect.ANY))));
    int leader = cluster.leader().orElseThrow();
    int dead = (leader + 1) % 3;
    int other = (leader + 2) % 3;
    cluster.crash(dead);
    List<NodeId> expected = new ArrayList<>(cluster.ids.subList(0, 3));
    expected.remove(cluster.ids.get(dead));
    expected.add(cluster.ids.get(3));
    eventually(() -> {
      RaftStatus s = await(cluster.node(3).coordination().status());
      assertThat(s.voters()).containsExactlyInAnyOrderElementsOf(expected);
      assertThat(s.role()).isEqualTo("FOLLOWER");
      return null;
    });
    // The replaced voter comes back believing it is a voter (its log says so): it learns that the
    // group has moved on, stops Raft, and forwards.
    cluster.restart(dead);
    long forwarded = eventually(() -> written(await(cluster.node(dead).registers().put("r", "back", Expect.ANY))));
    eventually(() -> {
      assertThat(await(cluster.node(dead).coordination().status()).role()).isEqualTo("NON_VOTER");
      return null;
    });
    assertThat(forwarded).isPositive();
    // The new voter counts: with the other original voter gone too, the leader and it are a majority.
    cluster.crash(other);
    long v = eventually(() -> written(await(cluster.node(3).registers().put("r", "1", Expect.ANY))));
    assertThat(await(cluster.node(leader).registers().get("r"))).contains(new Register("r", "1", v));
  }

  @Test
  void aLeaderThatCannotCommitRefusesPastItsBacklogBound() {
    cluster = new CoordinationCluster(3, dir, new Faults(7), RaftSettings.LAN, Duration.ofSeconds(5), 10_000);
    cluster.maxPending = 3;
    cluster.startAll();
    eventually(() -> written(await(cluster.node(0).registers().put("b", "0", Expect.ANY))));
    int leader = cluster.leader().orElseThrow();
    cluster.faults.partition(Set.of(cluster.ids.get(leader)),
        Set.of(cluster.ids.get((leader + 1) % 3), cluster.ids.get((leader + 2) % 3)));
    RegisterService registers = cluster.node(leader).registers();
    for (int i = 1; i <= 3; i++) {
      registers.put("b", "waits" + i, Expect.ANY); // cannot commit: the followers are cut off
    }
    // refused by the bound (the message says so), not after the request timeout
    assertThatThrownBy(() -> await(registers.put("b", "refused", Expect.ANY)))
        .isInstanceOfSatisfying(CoordinationException.class, e -> {
          assertThat(e.kind()).isEqualTo(CoordinationException.Kind.UNAVAILABLE);
          assertThat(e.getMessage()).contains("3 proposals are waiting");
        });
    cluster.faults.heal();
  }

  @Test
  void aNonVoterForwardsToTheLeader() {
    cluster = new CoordinationCluster(4, 3, true, Duration.ZERO, dir, new Faults(7), RaftSettings.LAN,
        Duration.ofSeconds(5), 10_000);
    cluster.startAll();
    long v = eventually(() -> written(await(cluster.node(3).registers().put("via-non-voter", "1", Expect.ANY))));
    assertThat(await(cluster.node(3).registers().get("via-non-voter"))).contains(new Register("via-non-voter", "1", v));
    RaftStatus status = await(cluster.node(3).coordination().status());
    assertThat(status.role()).isEqualTo("NON_VOTER");
    assertThat(status.voters()).containsExactlyElementsOf(cluster.ids.subList(0, 3));
    assertThat(status.leader()).isPresent();
    assertThat(cluster.leader()).isPresent().get().isNotEqualTo(3);
  }

  @Test
  void withoutNamedVotersTheMembersWithTheLowestIdsFormTheGroup() {
    cluster = new CoordinationCluster(4, 3, false, Duration.ofMillis(300), dir, new Faults(7), RaftSettings.LAN,
        Duration.ofSeconds(5), 10_000);
    cluster.startAll();
    eventually(() -> written(await(cluster.node(0).registers().put("k", "v", Expect.ANY))));
    for (int i = 0; i < 4; i++) {
      RaftStatus status = await(cluster.node(i).coordination().status());
      assertThat(status.voters()).as("voters as %s sees them", cluster.ids.get(i))
          .containsExactlyElementsOf(cluster.ids.subList(0, 3));
      if (i == 3) {
        assertThat(status.role()).isEqualTo("NON_VOTER");
      }
    }
  }

  @Test
  void everyNodeRestartedOnNewPortsReformsTheGroupWithEveryCommittedValue() {
    start(Duration.ofSeconds(5));
    long version = eventually(() -> written(await(cluster.node(0).registers().put("keep", "me", Expect.ANY))));
    await(cluster.node(1).registers().add("n", 41));
    for (int i = 0; i < 3; i++) {
      cluster.crash(i);
    }
    for (int i = 0; i < 3; i++) {
      cluster.restart(i);
    }
    Optional<Register> kept = eventually(() -> await(cluster.node(2).registers().get("keep")));
    assertThat(kept).contains(new Register("keep", "me", version));
    assertThat(await(cluster.node(0).registers().add("n", 1))).isInstanceOf(RegisterResult.CounterValue.class);
    assertThat(await(cluster.node(1).registers().counter("n")).value()).isEqualTo(42);
  }
}
