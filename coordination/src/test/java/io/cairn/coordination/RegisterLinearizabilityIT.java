package io.cairn.coordination;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.coordination.linearizability.CheckResult;
import io.cairn.coordination.linearizability.CounterModel;
import io.cairn.coordination.linearizability.History;
import io.cairn.coordination.linearizability.HistoryRecorder;
import io.cairn.coordination.linearizability.LinearizabilityChecker;
import io.cairn.coordination.linearizability.RegisterModel;
import io.cairn.coordination.linearizability.RegisterModel.Op;
import io.cairn.coordination.machine.Counter;
import io.cairn.coordination.machine.Register;
import io.cairn.coordination.machine.RegisterCommand.Expect;
import io.cairn.coordination.machine.RegisterResult;
import io.cairn.coordination.raft.RaftSettings;
import io.cairn.membership.transport.Faults;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concurrent clients read, write, compare-and-set, create and delete a few registers (and add to
 * and read counters) through every
 * node of a three-voter group on real sockets, while a nemesis drops and delays messages,
 * partitions a node away and crashes the leader (restarting it from its log on a new port). The
 * recorded history must be linearizable (Wing–Gong/Porcupine checker over {@link RegisterModel}).
 *
 * <p>A client records a 503 ({@link CoordinationException.Kind#UNAVAILABLE}) as "did not happen",
 * an outcome-unknown answer, a timeout or a crashed node as "unknown" (may have happened), and
 * every definite answer as it came. A compare-and-set is done by version, as over HTTP: the client
 * reads (value, version), then writes with that version expected; since every written value is
 * unique, that is a compare-and-set on the value read, which is what the model checks.
 *
 * <p>{@code -Dcairn.lin.seed=N} replays one nemesis schedule (the sockets keep real timing, so a
 * replay is not exact); {@code -Dcairn.lin.seconds} sets how long the clients run (default 15).
 */
class RegisterLinearizabilityIT {
  private static final int CLIENTS = 4;
  private static final List<String> KEYS = List.of("x", "y", "z");
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);

  @TempDir
  Path dir;

  @Test
  void historiesUnderLossPartitionsAndLeaderCrashesAreLinearizable() throws Exception {
    long seed = Long.getLong("cairn.lin.seed", System.nanoTime());
    long seconds = Long.getLong("cairn.lin.seconds", 15);
    System.out.println("RegisterLinearizabilityIT seed " + seed + " (-Dcairn.lin.seed=" + seed + " to replay)");
    SplittableRandom random = new SplittableRandom(seed);
    Faults faults = new Faults(random.nextLong());
    HistoryRecorder<Op, Object> recorder = new HistoryRecorder<>();
    HistoryRecorder<CounterModel.Op, Long> counters = new HistoryRecorder<>();
    AtomicBoolean running = new AtomicBoolean(true);

    try (CoordinationCluster cluster = new CoordinationCluster(3, dir, faults, RaftSettings.LAN, REQUEST_TIMEOUT,
        200)) {
      cluster.startAll();
      Nemesis nemesis = new Nemesis(cluster, random);
      List<Thread> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        int client = c;
        SplittableRandom r = random.split();
        Thread t = new Thread(() -> runClient(cluster, recorder, counters, client, r, running), "client-" + c);
        t.start();
        clients.add(t);
      }
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < end) {
        nemesis(cluster, nemesis, random);
      }
      nemesis.healAll();
      running.set(false);
      for (Thread t : clients) {
        t.join(TimeUnit.SECONDS.toMillis(30));
      }

      History<Op, Object> history = recorder.history();
      long ok = history.operations().stream().filter(o -> !o.outcomeUnknown()).count();
      System.out.printf("nemesis: %s%nhistory: %d operations, %d definite, %d unknown, %d leader crashes%n",
          String.join(", ", nemesis.log), history.size(), ok, history.size() - ok, nemesis.crashes.get());
      CheckResult result = LinearizabilityChecker.check(new RegisterModel(), history, Duration.ofSeconds(120));
      System.out.println("checked in " + result.elapsed().toMillis() + " ms: " + result.verdict());
      result.assertLinearizable();
      assertThat(ok).as("operations with a definite answer").isGreaterThan(50);
      History<CounterModel.Op, Long> counterHistory = counters.history();
      CheckResult counted = LinearizabilityChecker.check(new CounterModel(), counterHistory, Duration.ofSeconds(120));
      System.out.println("counters: " + counterHistory.size() + " operations, checked in "
          + counted.elapsed().toMillis() + " ms: " + counted.verdict());
      counted.assertLinearizable();
    }
  }

  /**
   * The negative control: a node cut off from the majority still answers serializable reads from
   * its own state, and the checker must call the history that records one of them (a stale value
   * read after a newer write was acknowledged) not linearizable. The linearizable read through the
   * same node answers 503 instead.
   */
  @Test
  void theCheckerCatchesTheStaleReadOfACutOffNode() {
    HistoryRecorder<Op, Object> recorder = new HistoryRecorder<>();
    try (CoordinationCluster cluster = new CoordinationCluster(3, dir, new Faults(1), RaftSettings.LAN,
        REQUEST_TIMEOUT, 10_000)) {
      cluster.startAll();
      RegisterService first = cluster.node(0).registers();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (await(first.put("x", "a", Expect.ANY)) == null) {
        assertThat(System.nanoTime()).as("a leader within 30 s").isLessThan(deadline);
      }
      int leader = cluster.leader().orElseThrow();
      int cut = (leader + 1) % 3;
      ReplicatedRegisters cutOff = (ReplicatedRegisters) cluster.node(cut).registers();
      while (!Optional.of("a").equals(CoordinationCluster.await(cutOff.getSerializable("x")).map(Register::value))) {
        assertThat(System.nanoTime()).as("the follower applies x = a").isLessThan(deadline);
      }
      var wa = recorder.invoke(0, new RegisterModel.Write("x", "a"));
      recorder.ok(wa, Boolean.TRUE);

      cluster.faults.partition(Set.of(cluster.ids.get(cut)),
          Set.of(cluster.ids.get(leader), cluster.ids.get((leader + 2) % 3)));
      var wb = recorder.invoke(0, new RegisterModel.Write("x", "b"));
      assertThat(CoordinationCluster.await(cluster.node(leader).registers().put("x", "b", Expect.ANY)))
          .isInstanceOf(RegisterResult.Written.class);
      recorder.ok(wb, Boolean.TRUE);

      var stale = recorder.invoke(1, new RegisterModel.Read("x"));
      Optional<String> seen = CoordinationCluster.await(cutOff.getSerializable("x")).map(Register::value);
      recorder.ok(stale, seen);
      assertThat(seen).contains("a");
      var linearizable = recorder.invoke(1, new RegisterModel.Read("x"));
      assertThat(await(cutOff.get("x"), recorder, linearizable, true)).as("a linearizable read when cut off").isNull();

      CheckResult result = LinearizabilityChecker.check(new RegisterModel(), recorder.history(), Duration.ofSeconds(10));
      System.out.println(result.explanation());
      assertThat(result.verdict()).isEqualTo(CheckResult.Verdict.NOT_LINEARIZABLE);
    }
  }

  /** The result of a call that may fail while the group forms; null if it failed. */
  private static <T> T await(Future<T> f) {
    try {
      return CoordinationCluster.await(f);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** One step of the nemesis: a fault for a while, then healing. */
  private static void nemesis(CoordinationCluster cluster, Nemesis nemesis, SplittableRandom random)
      throws InterruptedException {
    nemesis.pause();
    switch (random.nextInt(4)) {
      case 0 -> nemesis.partition(random.nextInt(cluster.size()));
      case 1 -> nemesis.crashLeader();
      case 2 -> nemesis.dropAndDelay();
      default -> nemesis.calm();
    }
  }

  private static void runClient(CoordinationCluster cluster, HistoryRecorder<Op, Object> recorder,
      HistoryRecorder<CounterModel.Op, Long> counters, int client, SplittableRandom random, AtomicBoolean running) {
    int n = 0;
    while (running.get()) {
      int node = random.nextInt(cluster.size());
      if (!cluster.running(node)) {
        continue;
      }
      RegisterService registers;
      try {
        registers = cluster.node(node).registers();
      } catch (IllegalStateException crashed) {
        continue;
      }
      String key = KEYS.get(random.nextInt(KEYS.size()));
      String value = "c" + client + "-" + n++;
      int dice = random.nextInt(100);
      if (dice >= 88) {
        counter(counters, client, registers, "c" + key, dice < 95 ? random.nextInt(1, 10) : 0);
      } else if (dice < 30) {
        read(recorder, client, registers, key);
      } else if (dice < 48) {
        write(recorder, client, new RegisterModel.Write(key, value), registers.put(key, value, Expect.ANY));
      } else if (dice < 75) {
        var h = recorder.invoke(client, new RegisterModel.Read(key));
        Optional<Register> seen = await(registers.get(key), recorder, h, true);
        if (seen == null) {
          continue;
        }
        recorder.ok(h, seen.map(Register::value));
        if (seen.isEmpty()) {
          write(recorder, client, new RegisterModel.Create(key, value), registers.put(key, value, Expect.ABSENT));
        } else {
          write(recorder, client, new RegisterModel.Cas(key, seen.get().value(), value),
              registers.put(key, value, Expect.version(seen.get().version())));
        }
      } else if (dice < 83) {
        write(recorder, client, new RegisterModel.Create(key, value), registers.put(key, value, Expect.ABSENT));
      } else {
        write(recorder, client, new RegisterModel.Delete(key), registers.delete(key, Expect.ANY));
      }
    }
  }

  /** Adds {@code delta} to a counter, or reads it when {@code delta} is 0. */
  private static void counter(HistoryRecorder<CounterModel.Op, Long> counters, int client, RegisterService registers,
      String key, long delta) {
    if (delta == 0) {
      var h = counters.invoke(client, new CounterModel.ReadCounter(key));
      Counter c = await(registers.counter(key), counters, h, true);
      if (c != null) {
        counters.ok(h, c.value());
      }
      return;
    }
    var h = counters.invoke(client, new CounterModel.Add(key, delta));
    RegisterResult r = await(registers.add(key, delta), counters, h, false);
    if (r != null) {
      counters.ok(h, ((RegisterResult.CounterValue) r).value());
    }
  }

  private static void read(HistoryRecorder<Op, Object> recorder, int client, RegisterService registers, String key) {
    var h = recorder.invoke(client, new RegisterModel.Read(key));
    Optional<Register> seen = await(registers.get(key), recorder, h, true);
    if (seen != null) {
      recorder.ok(h, seen.map(Register::value));
    }
  }

  /** Records a change: its definite result, or unknown, or nothing when it surely did not happen. */
  private static void write(HistoryRecorder<Op, Object> recorder, int client, Op op, Future<RegisterResult> call) {
    var h = recorder.invoke(client, op);
    RegisterResult r = await(call, recorder, h, false);
    if (r == null) {
      return;
    }
    boolean done = r instanceof RegisterResult.Written || r instanceof RegisterResult.Deleted;
    if (!done && !(r instanceof RegisterResult.PreconditionFailed) && !(r instanceof RegisterResult.NotFound)) {
      throw new AssertionError("unexpected result " + r + " of " + op);
    }
    recorder.ok(h, op instanceof RegisterModel.Write ? Boolean.TRUE : Boolean.valueOf(done));
  }

  private static <T, I, O> T await(Future<T> f, HistoryRecorder<I, O> recorder, HistoryRecorder<I, O>.Handle h,
      boolean read) {
    return RecordedCalls.await(f, recorder, h, read, REQUEST_TIMEOUT);
  }
}
