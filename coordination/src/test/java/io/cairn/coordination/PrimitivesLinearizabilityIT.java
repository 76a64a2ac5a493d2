package io.cairn.coordination;

import static io.cairn.coordination.machine.CoordinationState.PRIMITIVES;
import static io.cairn.coordination.machine.CoordinationState.to;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.coordination.linearizability.CheckResult;
import io.cairn.coordination.linearizability.CloseSession;
import io.cairn.coordination.linearizability.History;
import io.cairn.coordination.linearizability.HistoryRecorder;
import io.cairn.coordination.linearizability.LinearizabilityChecker;
import io.cairn.coordination.linearizability.LockModel;
import io.cairn.coordination.linearizability.LockModel.Release;
import io.cairn.coordination.linearizability.LockModel.Status;
import io.cairn.coordination.linearizability.LockModel.TryAcquire;
import io.cairn.coordination.linearizability.Operation;
import io.cairn.coordination.linearizability.SemaphoreModel;
import io.cairn.coordination.linearizability.SemaphoreModel.AcquirePermits;
import io.cairn.coordination.linearizability.SemaphoreModel.ReleasePermits;
import io.cairn.coordination.linearizability.SemaphoreModel.SemaphoreStatus;
import io.cairn.coordination.machine.PrimitiveQueries;
import io.cairn.coordination.machine.PrimitiveResult;
import io.cairn.coordination.machine.PrimitiveResult.Granted;
import io.cairn.coordination.machine.PrimitiveResult.KeptAlive;
import io.cairn.coordination.machine.PrimitiveResult.NoSession;
import io.cairn.coordination.machine.PrimitiveResult.NotHeld;
import io.cairn.coordination.machine.PrimitiveResult.PermitsReleased;
import io.cairn.coordination.machine.PrimitiveResult.Released;
import io.cairn.coordination.machine.PrimitiveResult.PermitsGranted;
import io.cairn.coordination.machine.PrimitiveResult.SessionClosed;
import io.cairn.coordination.machine.PrimitiveResult.SessionCreated;
import io.cairn.coordination.machine.Primitives.LockView;
import io.cairn.coordination.machine.Primitives.SemaphoreView;
import io.cairn.coordination.raft.RaftSettings;
import io.cairn.membership.transport.Faults;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concurrent clients, each with its own session, try-acquire and release a few fenced locks, read
 * them, and acquire, release and read the permits of a semaphore, through every node of a
 * three-voter group on real sockets, while a nemesis drops and delays messages, partitions a node
 * away (often the leader) and crashes the leader (restarting it from its log on a new port). Each
 * lock's and the semaphore's recorded history must be linearizable ({@link LockModel}, {@link
 * SemaphoreModel}), and the tokens of grants that do not overlap in real time must increase.
 *
 * <p>Sessions are created up front through some node, with a TTL of {@link #TTL_MILLIS}, and kept
 * alive by a background loop through random nodes, so none expires during a run: the models know
 * no expiry (lease expiry and lock delays are tested in {@code PrimitivesTest} and {@link
 * PrimitivesIT}), and a session the group reports ended while its client still uses it fails the
 * test on its own. Half of the clients now and then close their session (a close releases its
 * locks and permits: recorded in both histories) and carry on with a new one; a close whose outcome
 * is unknown is sent again until an answer settles it.
 *
 * <p>Recording as in {@link RegisterLinearizabilityIT}: a 503 is "did not happen", an
 * outcome-unknown answer or a timeout of a change is "unknown", a failed read did not happen, and
 * every answer that came is recorded as it came (the models judge it, whatever it is).
 *
 * <p>{@code -Dcairn.lin.seed=N} replays one nemesis and client schedule (the sockets keep real
 * timing, so a replay is not exact); {@code -Dcairn.lin.seconds} sets how long the clients run
 * (default 15).
 */
class PrimitivesLinearizabilityIT {
  private static final int CLIENTS = 4;
  private static final List<String> LOCKS = List.of("a", "b", "c");
  private static final String SEMAPHORE = "s";
  private static final int LIMIT = 3;
  private static final long TTL_MILLIS = 30_000;
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration KEEPALIVE_EVERY = Duration.ofMillis(500);

  @TempDir
  Path dir;

  @Test
  void lockAndSemaphoreHistoriesUnderLossPartitionsAndLeaderCrashesAreLinearizable() throws Exception {
    long seed = Long.getLong("cairn.lin.seed", System.nanoTime());
    long seconds = Long.getLong("cairn.lin.seconds", 15);
    System.out.println("PrimitivesLinearizabilityIT seed " + seed + " (-Dcairn.lin.seed=" + seed + " to replay)");
    SplittableRandom random = new SplittableRandom(seed);
    Faults faults = new Faults(random.nextLong());
    HistoryRecorder<LockModel.Op, Object> locks = new HistoryRecorder<>();
    HistoryRecorder<SemaphoreModel.Op, Object> permits = new HistoryRecorder<>();
    AtomicBoolean running = new AtomicBoolean(true);
    Sessions sessions = new Sessions();

    try (CoordinationCluster cluster = new CoordinationCluster(3, dir, faults, RaftSettings.LAN, REQUEST_TIMEOUT,
        200)) {
      cluster.startAll();
      Nemesis nemesis = new Nemesis(cluster, random);
      List<Client> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        clients.add(new Client(c, cluster, random.split(), locks, permits, sessions, c % 2 == 0));
      }
      for (Client c : clients) {
        c.session = sessions.create(cluster, c.random);
      }
      Thread keepalives = new Thread(() -> sessions.keepAlive(cluster, random.split(), running), "keepalives");
      keepalives.start();
      List<Thread> threads = new ArrayList<>();
      for (Client c : clients) {
        Thread t = new Thread(() -> c.run(running), "client-" + c.id);
        t.start();
        threads.add(t);
      }
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < end) {
        nemesis(cluster, nemesis, random);
      }
      nemesis.healAll();
      running.set(false);
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(60));
        assertThat(t.isAlive()).as(t.getName() + " finished").isFalse();
      }
      keepalives.join(TimeUnit.SECONDS.toMillis(30));

      History<LockModel.Op, Object> lockHistory = locks.history();
      History<SemaphoreModel.Op, Object> permitHistory = permits.history();
      System.out.printf("nemesis: %s%n%d leader crashes, %d sessions closed%nlocks: %s%nsemaphore: %s%n",
          String.join(", ", nemesis.log), nemesis.crashes.get(), sessions.closed.get(), summary(lockHistory),
          summary(permitHistory));
      assertThat(sessions.lost).as("sessions the group ended while their client used them (TTL too short?)").isEmpty();

      CheckResult lockResult = LinearizabilityChecker.check(new LockModel(), lockHistory, Duration.ofSeconds(120));
      System.out.println("locks checked in " + lockResult.elapsed().toMillis() + " ms: " + lockResult.verdict());
      CheckResult permitResult = LinearizabilityChecker.check(new SemaphoreModel(Map.of(SEMAPHORE, LIMIT)),
          permitHistory, Duration.ofSeconds(120));
      System.out.println("semaphore checked in " + permitResult.elapsed().toMillis() + " ms: "
          + permitResult.verdict());
      lockResult.assertLinearizable();
      permitResult.assertLinearizable();
      assertThat(tokenOrderViolations(lockHistory)).as("grants that do not overlap, with tokens out of order")
          .isEmpty();
      assertThat(count(lockHistory, r -> r instanceof Granted g && g.count() == 1)).as("fresh lock grants")
          .isGreaterThan(10);
      assertThat(count(permitHistory, r -> r instanceof PermitsGranted)).as("permit grants").isGreaterThan(10);
    }
  }

  /**
   * The negative control: a node cut off from the majority still answers serializable reads from
   * its own state (no public API reads primitives that way: this is the broken client view), and
   * the checker must call the histories that record them not linearizable: the lock still held by
   * a session that released it, after another session was granted it; the permits of that session
   * still held after it gave them back. The linearizable reads through the same node fail instead.
   */
  @Test
  void theCheckerCatchesTheStaleLockAndSemaphoreOfACutOffNode() {
    HistoryRecorder<LockModel.Op, Object> locks = new HistoryRecorder<>();
    HistoryRecorder<SemaphoreModel.Op, Object> permits = new HistoryRecorder<>();
    try (CoordinationCluster cluster = new CoordinationCluster(3, dir, new Faults(1), RaftSettings.LAN,
        REQUEST_TIMEOUT, 10_000)) {
      cluster.startAll();
      Sessions sessions = new Sessions();
      SplittableRandom random = new SplittableRandom(1);
      long first = sessions.create(cluster, random);
      long second = sessions.create(cluster, random);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      Optional<Integer> found;
      while ((found = cluster.leader()).isEmpty()) {
        assertThat(System.nanoTime()).as("a leader within 30 s").isLessThan(deadline);
        sleep(50);
      }
      int leader = found.get();
      PrimitiveService atLeader = cluster.node(leader).primitives();

      var grant = locks.invoke(0, new TryAcquire("L", first));
      Granted granted = (Granted) CoordinationCluster.await(atLeader.acquire("L", first, Duration.ZERO, 0));
      locks.ok(grant, granted);
      var take = permits.invoke(0, new AcquirePermits(SEMAPHORE, first, LIMIT));
      permits.ok(take,
          CoordinationCluster.await(atLeader.acquirePermits(SEMAPHORE, first, LIMIT, LIMIT, Duration.ZERO)));

      int cut = (leader + 1) % 3;
      Coordination cutOff = cluster.node(cut).coordination();
      while (!staleLock(cutOff).map(LockView::holderSession).equals(Optional.of(first))
          || staleSemaphore(cutOff).isEmpty()) {
        assertThat(System.nanoTime()).as("the follower applies the grants").isLessThan(deadline);
        sleep(20);
      }
      cluster.faults.partition(Set.of(cluster.ids.get(cut)),
          Set.of(cluster.ids.get(leader), cluster.ids.get((leader + 2) % 3)));

      var release = locks.invoke(0, new Release("L", first, granted.token()));
      locks.ok(release, CoordinationCluster.await(atLeader.release("L", first, granted.token())));
      var giveBack = permits.invoke(0, new ReleasePermits(SEMAPHORE, first, LIMIT));
      permits.ok(giveBack, CoordinationCluster.await(atLeader.releasePermits(SEMAPHORE, first, LIMIT)));
      var regrant = locks.invoke(1, new TryAcquire("L", second));
      locks.ok(regrant, CoordinationCluster.await(atLeader.acquire("L", second, Duration.ZERO, 0)));

      var staleLockRead = locks.invoke(1, new Status("L"));
      Optional<LockView> lockSeen = staleLock(cutOff);
      locks.ok(staleLockRead, lockSeen);
      assertThat(lockSeen.map(LockView::holderSession)).contains(first);
      var staleSemaphoreRead = permits.invoke(1, new SemaphoreStatus(SEMAPHORE));
      permits.ok(staleSemaphoreRead, staleSemaphore(cutOff));
      var linearizable = locks.invoke(1, new Status("L"));
      assertThat(RecordedCalls.await(cluster.node(cut).primitives().lock("L"), locks, linearizable, true,
          REQUEST_TIMEOUT)).as("a linearizable read when cut off").isNull();

      CheckResult lockResult = LinearizabilityChecker.check(new LockModel(), locks.history(), Duration.ofSeconds(10));
      System.out.println(lockResult.explanation());
      assertThat(lockResult.verdict()).isEqualTo(CheckResult.Verdict.NOT_LINEARIZABLE);
      CheckResult permitResult = LinearizabilityChecker.check(new SemaphoreModel(Map.of(SEMAPHORE, LIMIT)),
          permits.history(), Duration.ofSeconds(10));
      System.out.println(permitResult.explanation());
      assertThat(permitResult.verdict()).isEqualTo(CheckResult.Verdict.NOT_LINEARIZABLE);
    }
  }

  /** The token-order check flags a grant whose token is below one granted before it in real time. */
  @Test
  void theTokenOrderCheckCatchesATokenGoingBack() {
    History<LockModel.Op, Object> history = History.<LockModel.Op, Object>builder()
        .ok(0, new TryAcquire("L", 1), new Granted(10, 1), 0, 1)
        .ok(1, new TryAcquire("L", 2), new Granted(9, 1), 2, 3)
        .ok(1, new TryAcquire("L", 2), new Granted(8, 1), 2, 3) // overlaps the one before: no order
        .ok(1, new TryAcquire("M", 2), new Granted(5, 1), 4, 5) // another lock
        .build();
    assertThat(tokenOrderViolations(history)).hasSize(2);
  }

  private static Optional<LockView> staleLock(Coordination node) {
    return PrimitiveQueries.lockAnswer(
        CoordinationCluster.await(node.serializableQuery(to(PRIMITIVES, PrimitiveQueries.lock("L")))));
  }

  private static Optional<SemaphoreView> staleSemaphore(Coordination node) {
    return PrimitiveQueries.semaphoreAnswer(
        CoordinationCluster.await(node.serializableQuery(to(PRIMITIVES, PrimitiveQueries.semaphore(SEMAPHORE)))));
  }

  /**
   * For each lock, the pairs of fresh grants (count 1) with a definite answer where one returned
   * before the other was called and its token is not below the later one's: each such pair, told.
   */
  static List<String> tokenOrderViolations(History<LockModel.Op, Object> history) {
    Map<String, List<Operation<LockModel.Op, Object>>> grants = new HashMap<>();
    for (Operation<LockModel.Op, Object> op : history.operations()) {
      if (op.input() instanceof TryAcquire a && op.output() instanceof Granted g && g.count() == 1) {
        grants.computeIfAbsent(a.lock(), k -> new ArrayList<>()).add(op);
      }
    }
    List<String> violations = new ArrayList<>();
    grants.forEach((lock, ops) -> {
      ops.sort(Comparator.comparingLong(Operation::callNanos));
      for (Operation<LockModel.Op, Object> earlier : ops) {
        for (Operation<LockModel.Op, Object> later : ops) {
          if (earlier.returnNanos() < later.callNanos()
              && ((Granted) earlier.output()).token() >= ((Granted) later.output()).token()) {
            violations.add("lock " + lock + ": " + earlier + " returned before " + later + " was called");
          }
        }
      }
    });
    return violations;
  }

  private static <I> long count(History<I, Object> history, Predicate<Object> answer) {
    return history.operations().stream().filter(o -> answer.test(o.output())).count();
  }

  private static String summary(History<?, ?> history) {
    long unknown = history.operations().stream().filter(Operation::outcomeUnknown).count();
    Map<String, Long> answers = history.operations().stream().filter(o -> !o.outcomeUnknown())
        .collect(Collectors.groupingBy(o -> o.output() instanceof Optional<?> v
            ? (v.isPresent() ? "status held" : "status free") : o.output().getClass().getSimpleName(),
            java.util.TreeMap::new, Collectors.counting()));
    return history.size() + " operations, " + (history.size() - unknown) + " definite " + answers + ", " + unknown
        + " unknown";
  }

  /** One step of the nemesis: a fault for a while (an isolated leader as often as any other), then healing. */
  private static void nemesis(CoordinationCluster cluster, Nemesis nemesis, SplittableRandom random)
      throws InterruptedException {
    nemesis.pause();
    switch (random.nextInt(5)) {
      case 0, 1 -> nemesis.partition(random.nextInt(2) == 0
          ? cluster.leader().orElse(random.nextInt(cluster.size())) : random.nextInt(cluster.size()));
      case 2 -> nemesis.crashLeader();
      case 3 -> nemesis.dropAndDelay();
      default -> nemesis.calm();
    }
  }

  /** A running node's primitives, or null when node {@code i} is down. */
  private static PrimitiveService via(CoordinationCluster cluster, int i) {
    try {
      return cluster.running(i) ? cluster.node(i).primitives() : null;
    } catch (IllegalStateException crashed) {
      return null;
    }
  }

  /** The sessions the clients use, kept alive in the background. */
  private static final class Sessions {
    final Set<Long> live = ConcurrentHashMap.newKeySet();
    final Set<Long> lost = ConcurrentHashMap.newKeySet();
    final AtomicInteger closed = new AtomicInteger();

    /** A new session through random nodes, tried until one is created (a lost create leaves a session that expires). */
    long create(CoordinationCluster cluster, SplittableRandom random) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline) {
        PrimitiveService p = via(cluster, random.nextInt(cluster.size()));
        if (p != null) {
          PrimitiveResult r = RecordedCalls.await(p.createSession(TTL_MILLIS), false, REQUEST_TIMEOUT, () -> { },
              () -> { });
          if (r instanceof SessionCreated created) {
            live.add(created.id());
            return created.id();
          }
        }
        sleep(50);
      }
      throw new AssertionError("no session created within 60 s");
    }

    /** Renews every live session through random nodes until {@code running} is cleared; notes any the group ended. */
    void keepAlive(CoordinationCluster cluster, SplittableRandom random, AtomicBoolean running) {
      while (running.get()) {
        Map<Long, Future<PrimitiveResult>> renewals = new HashMap<>();
        for (long id : live) {
          PrimitiveService p = via(cluster, random.nextInt(cluster.size()));
          if (p != null) {
            renewals.put(id, p.keepAlive(id));
          }
        }
        renewals.forEach((id, f) -> {
          PrimitiveResult r = RecordedCalls.await(f, true, REQUEST_TIMEOUT, () -> { }, () -> { });
          if (r instanceof KeptAlive k && !k.renewals().get(0).alive() && live.contains(id)) {
            lost.add(id);
          }
        });
        sleep(KEEPALIVE_EVERY.toMillis());
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One client: its own session, the last token it was granted per lock, what it believes it holds. */
  private static final class Client {
    final int id;
    final CoordinationCluster cluster;
    final SplittableRandom random;
    final HistoryRecorder<LockModel.Op, Object> locks;
    final HistoryRecorder<SemaphoreModel.Op, Object> permits;
    final Sessions sessions;
    final boolean closes;
    final Map<String, Long> lastToken = new HashMap<>();
    final Map<String, Integer> heldCount = new HashMap<>();
    int heldPermits;
    long session;

    Client(int id, CoordinationCluster cluster, SplittableRandom random, HistoryRecorder<LockModel.Op, Object> locks,
        HistoryRecorder<SemaphoreModel.Op, Object> permits, Sessions sessions, boolean closes) {
      this.id = id;
      this.cluster = cluster;
      this.random = random;
      this.locks = locks;
      this.permits = permits;
      this.sessions = sessions;
      this.closes = closes;
    }

    /**
     * Random operations through random nodes: 60% on a random lock, 37% on the semaphore, 3% a
     * close (for a client that closes). What the client believes it holds (from the last definite
     * answer) steers it: a holder mostly releases, others mostly try to acquire, so that locks and
     * permits change hands often; every choice stays possible (reentrant acquires, stale tokens,
     * releases of permits not held).
     */
    void run(AtomicBoolean running) {
      while (running.get()) {
        PrimitiveService p = via(cluster, random.nextInt(cluster.size()));
        if (p == null) {
          continue;
        }
        int dice = random.nextInt(100);
        if (dice < 60) {
          lockOperation(p, LOCKS.get(random.nextInt(LOCKS.size())), random.nextInt(100));
        } else if (dice < 97 || !closes) {
          semaphoreOperation(p, random.nextInt(100));
        } else {
          closeAndStartAgain();
        }
      }
    }

    private void lockOperation(PrimitiveService p, String lock, int dice) {
      boolean holds = heldCount.getOrDefault(lock, 0) > 0;
      if (holds ? dice >= 55 && dice < 70 : dice < 50) {
        var h = locks.invoke(id, new TryAcquire(lock, session));
        PrimitiveResult r = change(p.acquire(lock, session, Duration.ZERO, 0), locks, h);
        if (r instanceof Granted g) {
          lastToken.put(lock, g.token());
          heldCount.put(lock, g.count());
        }
      } else if (holds ? dice < 55 : dice < 62) {
        long token = lastToken.getOrDefault(lock, 0L);
        var h = locks.invoke(id, new Release(lock, session, token));
        PrimitiveResult r = change(p.release(lock, session, token), locks, h);
        if (r instanceof Released done) {
          heldCount.put(lock, done.remainingCount());
        } else if (r != null) {
          heldCount.remove(lock);
        }
      } else {
        var h = locks.invoke(id, new Status(lock));
        Optional<LockView> seen = RecordedCalls.await(p.lock(lock), locks, h, true, REQUEST_TIMEOUT);
        if (seen != null) {
          locks.ok(h, seen);
        }
      }
    }

    private void semaphoreOperation(PrimitiveService p, int dice) {
      boolean holds = heldPermits > 0;
      if (holds ? dice >= 45 && dice < 70 : dice < 60) {
        int n = 1 + random.nextInt(2);
        var h = permits.invoke(id, new AcquirePermits(SEMAPHORE, session, n));
        if (change(p.acquirePermits(SEMAPHORE, session, n, LIMIT, Duration.ZERO), permits, h)
            instanceof PermitsGranted g) {
          heldPermits = g.held();
        }
      } else if (holds ? dice < 45 : dice < 70) {
        int n = random.nextInt(10) == 0 ? heldPermits + 1 : 1 + random.nextInt(Math.max(1, heldPermits));
        var h = permits.invoke(id, new ReleasePermits(SEMAPHORE, session, n));
        PrimitiveResult r = change(p.releasePermits(SEMAPHORE, session, n), permits, h);
        if (r instanceof PermitsReleased done) {
          heldPermits = done.held();
        } else if (r instanceof NotHeld refused) {
          heldPermits = refused.held();
        }
      } else {
        var h = permits.invoke(id, new SemaphoreStatus(SEMAPHORE));
        var seen = RecordedCalls.await(p.semaphore(SEMAPHORE), permits, h, true, REQUEST_TIMEOUT);
        if (seen != null) {
          permits.ok(h, seen);
        }
      }
    }

    /** Records a change: the answer as it came, or unknown, or nothing when it surely did not happen. */
    private static <I> PrimitiveResult change(Future<PrimitiveResult> call, HistoryRecorder<I, Object> recorder,
        HistoryRecorder<I, Object>.Handle h) {
      PrimitiveResult r = RecordedCalls.await(call, recorder, h, false, REQUEST_TIMEOUT);
      if (r != null) {
        recorder.ok(h, r);
      }
      return r;
    }

    /**
     * Closes the session (in both histories), sending the close again until an answer settles it
     * (SessionClosed, or NoSession when an earlier one whose outcome was unknown took effect), then
     * creates a new one.
     */
    private void closeAndStartAgain() {
      long old = session;
      sessions.live.remove(old);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (true) {
        assertThat(System.nanoTime()).as("session " + old + " closed within 60 s").isLessThan(deadline);
        PrimitiveService p = via(cluster, random.nextInt(cluster.size()));
        if (p == null) {
          continue;
        }
        var hl = locks.invoke(id, new CloseSession(old));
        var hp = permits.invoke(id, new CloseSession(old));
        PrimitiveResult r = RecordedCalls.await(p.closeSession(old), false, REQUEST_TIMEOUT,
            () -> { locks.fail(hl); permits.fail(hp); }, () -> { locks.unknown(hl); permits.unknown(hp); });
        if (r != null) {
          locks.ok(hl, r);
          permits.ok(hp, r);
          if (r instanceof SessionClosed || r instanceof NoSession) {
            break;
          }
        }
        sleep(20);
      }
      sessions.closed.incrementAndGet();
      lastToken.clear();
      heldCount.clear();
      heldPermits = 0;
      session = sessions.create(cluster, random);
    }
  }
}
