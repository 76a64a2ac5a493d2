package io.cairn.coordination;

import static io.cairn.coordination.CoordinationCluster.await;
import static io.cairn.coordination.CoordinationCluster.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.coordination.PrimitiveService.ElectionChanges;
import io.cairn.coordination.machine.PrimitiveResult;
import io.cairn.coordination.machine.PrimitiveResult.Cancelled;
import io.cairn.coordination.machine.PrimitiveResult.Elected;
import io.cairn.coordination.machine.PrimitiveResult.Granted;
import io.cairn.coordination.machine.PrimitiveResult.KeptAlive;
import io.cairn.coordination.machine.PrimitiveResult.NoSession;
import io.cairn.coordination.machine.PrimitiveResult.PermitsGranted;
import io.cairn.coordination.machine.PrimitiveResult.SessionCreated;
import io.cairn.coordination.machine.Primitives.LockView;
import io.cairn.coordination.raft.RaftSettings;
import io.cairn.membership.transport.Faults;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions, locks, elections and semaphores on a three-voter group in this JVM on real sockets:
 * requests through any node, long polls woken by grants, expiry decided by the leader's clock,
 * and a long poll whose leader crashes.
 */
class PrimitivesIT {

  @TempDir
  Path dir;
  private CoordinationCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private void start() {
    cluster = new CoordinationCluster(3, dir, new Faults(11), RaftSettings.LAN, Duration.ofSeconds(5), 10_000);
    cluster.startAll();
  }

  private PrimitiveService via(int node) {
    return cluster.node(node).primitives();
  }

  private long session(int node, long ttl) {
    PrimitiveResult r = eventually(() -> await(via(node).createSession(ttl)));
    assertThat(r).isInstanceOf(SessionCreated.class);
    return ((SessionCreated) r).id();
  }

  @Test
  void aWaiterOnAnotherNodeIsGrantedWhenTheHolderReleasesWithAGreaterToken() {
    start();
    long a = session(0, 10_000);
    long b = session(1, 10_000);
    Granted first = (Granted) await(via(0).acquire("job", a, Duration.ZERO, 0));
    Future<PrimitiveResult> waiting = via(1).acquire("job", b, Duration.ofSeconds(20), 0);
    eventually(() -> {
      assertThat(await(via(2).lock("job")).map(LockView::waiters)).contains(List.of(b));
      return null;
    });
    assertThat(await(via(2).release("job", a, first.token()))).isInstanceOf(PrimitiveResult.Released.class);
    PrimitiveResult second = await(waiting);
    assertThat(second).isInstanceOf(Granted.class);
    assertThat(((Granted) second).token()).isGreaterThan(first.token());
    assertThat(await(via(0).lock("job")).orElseThrow().holderSession()).isEqualTo(b);
  }

  @Test
  void aWaitThatRunsOutLeavesTheQueue() {
    start();
    long a = session(0, 10_000);
    long b = session(2, 10_000);
    await(via(0).acquire("q", a, Duration.ZERO, 0));
    long started = System.nanoTime();
    assertThat(await(via(2).acquire("q", b, Duration.ofMillis(700), 0))).isInstanceOf(Cancelled.class);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(700));
    assertThat(await(via(1).lock("q")).orElseThrow().waiters()).isEmpty();
  }

  @Test
  void aSessionWithoutKeepalivesExpiresAndItsLockPassesOnWhileAKeptSessionLives() {
    start();
    long kept = session(0, 1_500);
    long lapsing = session(1, 1_500);
    Granted held = (Granted) await(via(1).acquire("l", lapsing, Duration.ZERO, 0));
    Future<PrimitiveResult> waiting = via(0).acquire("l", kept, Duration.ofSeconds(20), 0);
    long deadline = System.nanoTime() + Duration.ofSeconds(4).toNanos();
    while (System.nanoTime() < deadline) {
      KeptAlive k = (KeptAlive) await(via(2).keepAlive(kept));
      assertThat(k.renewals().get(0).alive()).isTrue();
      sleep(300);
    }
    PrimitiveResult granted = await(waiting);
    assertThat(granted).isInstanceOf(Granted.class);
    assertThat(((Granted) granted).token()).isGreaterThan(held.token());
    assertThat(await(via(2).session(lapsing))).isEmpty();
    assertThat(((KeptAlive) await(via(0).keepAlive(lapsing))).renewals().get(0).alive()).isFalse();
    assertThat(await(via(0).session(kept))).isPresent();
  }

  @Test
  void keepalivesFromManyClientsAtOnceAllRenew() {
    start();
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add(session(i % 3, 5_000));
    }
    List<Future<PrimitiveResult>> all = new ArrayList<>();
    for (int round = 0; round < 5; round++) {
      for (long id : ids) {
        all.add(via((int) (id % 3)).keepAlive(id));
      }
    }
    for (Future<PrimitiveResult> f : all) {
      KeptAlive k = (KeptAlive) await(f);
      assertThat(k.renewals()).hasSize(1);
      assertThat(k.renewals().get(0).alive()).isTrue();
    }
  }

  @Test
  void aCampaignWaitsForTheLeaderToResignAndObserversSeeEveryChange() {
    start();
    long a = session(0, 10_000);
    long b = session(1, 10_000);
    Elected first = (Elected) await(via(0).campaign("e", a, "a:1", Duration.ZERO));
    Future<PrimitiveResult> second = via(1).campaign("e", b, "b:1", Duration.ofSeconds(20));
    Future<ElectionChanges> observed = via(2).observe("e", first.token(), Duration.ofSeconds(20));
    eventually(() -> {
      assertThat(await(via(2).election("e")).orElseThrow().candidates()).containsExactly(a, b);
      return null;
    });
    await(via(0).resign("e", a, first.token()));
    Elected next = (Elected) await(second);
    assertThat(next.token()).isGreaterThan(first.token());
    ElectionChanges changes = await(observed);
    assertThat(changes.reset()).isFalse();
    assertThat(changes.changes()).hasSize(1);
    assertThat(changes.changes().get(0).leaderSession()).isEqualTo(b);
    assertThat(changes.changes().get(0).value()).isEqualTo("b:1");
    ElectionChanges all = await(via(1).observe("e", 0, Duration.ZERO));
    assertThat(all.changes()).extracting(c -> c.leaderSession()).containsExactly(a, b);
    assertThat(await(via(2).observe("e", next.token(), Duration.ofMillis(300))).changes()).isEmpty();
  }

  @Test
  void permitsWaitForARelease() {
    start();
    long a = session(0, 10_000);
    long b = session(1, 10_000);
    assertThat(await(via(0).acquirePermits("s", a, 2, 3, Duration.ZERO))).isEqualTo(new PermitsGranted(2));
    Future<PrimitiveResult> waiting = via(1).acquirePermits("s", b, 2, 3, Duration.ofSeconds(20));
    eventually(() -> {
      assertThat(await(via(2).semaphore("s")).orElseThrow().waiters()).hasSize(1);
      return null;
    });
    await(via(2).releasePermits("s", a, 1));
    assertThat(await(waiting)).isEqualTo(new PermitsGranted(2));
  }

  @Test
  void aLongPollWhoseLeaderCrashesEndsWithTheTruth() {
    start();
    long a = session(0, 20_000);
    int leader = eventually(() -> cluster.leader().orElseThrow());
    int origin = (leader + 1) % 3;
    int other = (leader + 2) % 3;
    long b = session(origin, 20_000);
    Granted held = (Granted) await(via(other).acquire("c", a, Duration.ZERO, 0));
    Future<PrimitiveResult> waiting = via(origin).acquire("c", b, Duration.ofSeconds(3), 0);
    eventually(() -> {
      assertThat(await(via(other).lock("c")).map(LockView::waiters)).contains(List.of(b));
      return null;
    });
    cluster.crash(leader);
    PrimitiveResult r = await(waiting);
    // Either the origin learned the outcome from the cancel through the new leader, or the wait ran
    // out there: in both cases b is not left waiting and does not hold the lock.
    assertThat(r).isIn(new Cancelled());
    Optional<LockView> lock = eventually(() -> await(via(other).lock("c")));
    assertThat(lock.orElseThrow().holderSession()).isEqualTo(a);
    assertThat(lock.orElseThrow().token()).isEqualTo(held.token());
    assertThat(lock.orElseThrow().waiters()).isEmpty();
  }

  @Test
  void aClosedSessionEndsItsWaits() {
    start();
    long a = session(0, 10_000);
    long b = session(1, 10_000);
    await(via(0).acquire("z", a, Duration.ZERO, 0));
    Future<PrimitiveResult> waiting = via(1).acquire("z", b, Duration.ofSeconds(2), 0);
    eventually(() -> {
      assertThat(await(via(2).lock("z")).map(LockView::waiters)).contains(List.of(b));
      return null;
    });
    await(via(2).closeSession(b));
    assertThat(await(waiting)).isInstanceOf(NoSession.class);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
