package io.cairn.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cache.CacheSpec.Capacity;
import io.cairn.cache.CacheSpec.StoreKind;
import io.cairn.cache.cluster.ClusterView;
import io.cairn.cache.partition.Partitioner;
import io.cairn.coordination.linearizability.CheckResult;
import io.cairn.coordination.linearizability.History;
import io.cairn.coordination.linearizability.HistoryRecorder;
import io.cairn.coordination.linearizability.LinearizabilityChecker;
import io.cairn.coordination.linearizability.RegisterModel;
import io.cairn.coordination.linearizability.RegisterModel.Op;
import io.cairn.membership.NodeId;
import io.cairn.membership.transport.Faults;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concurrent clients read, write, compare-and-set (by version, as over HTTP), create and delete a
 * few hot keys of one cache (one backup) through every running node of a five-node cluster on real
 * sockets, while a nemesis crashes the owner of a hot key's partition (and restarts it from its log
 * and store), starts a fifth node (partitions migrate to it), cuts a minority of the nodes off, and
 * drops and delays messages. One fault at a time, each after the partitions have settled again, so
 * that no more nodes fail at once than the cache has backups. The recorded history of every key
 * must be linearizable (the Wing–Gong/Porcupine checker over {@link RegisterModel}).
 *
 * <p>A client records a 503 ({@code MINORITY_PARTITION}, {@code PARTITION_UNAVAILABLE}) as "did
 * not happen", a 504 ({@code OUTCOME_UNKNOWN}) or a timeout as "unknown", and every definite answer
 * as it came. {@code -Dcairn.lin.seed=N} replays a nemesis schedule (real sockets keep real
 * timing); {@code -Dcairn.lin.seconds} sets how long the clients run (default 20).
 */
class CacheLinearizabilityIT {
  private static final int CLIENTS = 4;
  private static final List<String> KEYS = List.of("x", "y", "z", "w");
  private static final Duration OP_TIMEOUT = Duration.ofSeconds(10);
  /**
   * A 4 s lease: five nodes share this JVM and two cores, and with the 2 s of the fast settings a
   * stall of the whole process now and then ended a lease nobody had cut, a second failure beside
   * the nemesis's one (a backup gone just before its owner was crashed), more than one backup covers.
   */
  private static final ClusterSettings SETTINGS = new ClusterSettings("", Duration.ofSeconds(4),
      Duration.ofSeconds(10), Duration.ofSeconds(1), 8, Duration.ofSeconds(30));

  @TempDir
  Path dir;

  @Test
  void historiesUnderCrashesJoinsPartitionsAndLossAreLinearizable() throws Exception {
    long seed = Long.getLong("cairn.lin.seed", System.nanoTime());
    long seconds = Long.getLong("cairn.lin.seconds", 20);
    System.out.println("CacheLinearizabilityIT seed " + seed + " (-Dcairn.lin.seed=" + seed + " to replay)");
    SplittableRandom random = new SplittableRandom(seed);
    boolean store = random.nextBoolean();
    HistoryRecorder<Op, Object> recorder = new HistoryRecorder<>();
    AtomicBoolean running = new AtomicBoolean(true);
    List<String> log = new ArrayList<>();
    AtomicInteger values = new AtomicInteger();

    try (CacheCluster cluster = new CacheCluster(5, dir, new Faults(random.nextLong()), SETTINGS)) {
      for (int i = 0; i < 4; i++) {
        cluster.startTransportOf(i);
      }
      for (int i = 0; i < 4; i++) {
        cluster.startRestOf(i);
      }
      CacheCluster.await(cluster.caches(0).define("c", new CacheSpec(Capacity.entries(100_000), null,
          store ? StoreKind.JDBC : StoreKind.NONE, 1)));
      cluster.awaitSettled();
      List<Thread> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        int client = c;
        SplittableRandom r = random.split();
        Thread t = new Thread(() -> runClient(cluster, recorder, client, r, running, values), "client-" + c);
        t.start();
        clients.add(t);
      }
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      boolean joined = false;
      int step = 0;
      while (System.nanoTime() < end) {
        Thread.sleep(300 + random.nextInt(700));
        int fault = step++ % 4;
        if (fault == 0) {
          crashOwner(cluster, random, log);
        } else if (fault == 1 && !joined) {
          log.add("start n5");
          cluster.start(4);
          joined = true;
        } else if (fault == 2) {
          cutMinority(cluster, random, log);
        } else {
          log.add("drop 10% and delay up to 20ms");
          cluster.faults.dropAll(0.1).delayAll(Duration.ZERO, Duration.ofMillis(20));
          Thread.sleep(500 + random.nextInt(1500));
          cluster.faults.heal();
        }
        cluster.awaitSettled();
      }
      cluster.faults.heal();
      running.set(false);
      for (Thread t : clients) {
        t.join(TimeUnit.SECONDS.toMillis(60));
      }
      History<Op, Object> history = recorder.history();
      long definite = history.operations().stream().filter(o -> !o.outcomeUnknown()).count();
      System.out.printf("store %s; nemesis: %s%nhistory: %d operations, %d definite, %d unknown%n",
          store ? "jdbc" : "none", String.join(", ", log), history.size(), definite, history.size() - definite);
      CheckResult result = LinearizabilityChecker.check(new RegisterModel(), history, Duration.ofSeconds(120));
      System.out.println("checked in " + result.elapsed().toMillis() + " ms: " + result.verdict());
      result.assertLinearizable();
      assertThat(definite).as("operations with a definite answer").isGreaterThan(100);
    }
  }

  /** Crashes the running node that owns a hot key's partition, then starts it again. */
  private static void crashOwner(CacheCluster cluster, SplittableRandom random, List<String> log)
      throws InterruptedException {
    String key = KEYS.get(random.nextInt(KEYS.size()));
    int p = new Partitioner(271).partitionOf(key);
    ClusterView v = cluster.caches(anyRunning(cluster)).view();
    NodeId owner = v.assignments().owner(p);
    int i = cluster.ids.indexOf(owner);
    if (i < 0 || !cluster.running(i)) {
      return;
    }
    if (v.assignments().holders(p).backups().isEmpty()) {
      // one failure at a time: a lease ran out since the partitions settled, and the backup is gone
      log.add("(no crash of " + owner + ": " + key + "'s partition has no backup now)");
      return;
    }
    log.add("crash " + owner + " (owner of " + key + ")");
    cluster.crash(i);
    Thread.sleep(500 + random.nextInt(2000));
    cluster.start(i);
  }

  /** Cuts one or two running nodes (a minority) off from the rest for a while. */
  private static void cutMinority(CacheCluster cluster, SplittableRandom random, List<String> log)
      throws InterruptedException {
    List<NodeId> running = new ArrayList<>();
    for (int i = 0; i < cluster.size(); i++) {
      if (cluster.running(i)) {
        running.add(cluster.ids.get(i));
      }
    }
    int cut = 1 + (running.size() >= 5 ? random.nextInt(2) : 0);
    Set<NodeId> minority = new HashSet<>();
    while (minority.size() < cut) {
      minority.add(running.get(random.nextInt(running.size())));
    }
    Set<NodeId> rest = new HashSet<>(cluster.ids);
    rest.removeAll(minority);
    log.add("cut off " + minority);
    cluster.faults.partition(minority, rest);
    Thread.sleep(1_000 + random.nextInt(3_000));
    cluster.faults.heal();
  }

  private static int anyRunning(CacheCluster cluster) {
    for (int i = 0; i < cluster.size(); i++) {
      if (cluster.running(i)) {
        return i;
      }
    }
    throw new IllegalStateException("no node runs");
  }

  private static void runClient(CacheCluster cluster, HistoryRecorder<Op, Object> recorder, int client,
      SplittableRandom random, AtomicBoolean running, AtomicInteger values) {
    while (running.get()) {
      int i = random.nextInt(cluster.size());
      if (!cluster.running(i)) {
        continue;
      }
      ClusterCacheService caches;
      try {
        caches = cluster.caches(i);
      } catch (IllegalStateException stopped) {
        continue;
      }
      String key = KEYS.get(random.nextInt(KEYS.size()));
      String value = "v" + values.incrementAndGet();
      byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
      int kind = random.nextInt(10);
      if (kind < 4) {
        var h = recorder.invoke(client, new RegisterModel.Read(key));
        Outcome<Entry> r = outcome(caches.get("c", key));
        if (r.value != null || r.ok) {
          recorder.ok(h, Optional.ofNullable(r.value).map(e -> text(e)));
        } else if (r.definitelyNot) {
          recorder.fail(h);
        } else {
          recorder.unknown(h);
        }
      } else if (kind < 7) {
        var h = recorder.invoke(client, new RegisterModel.Write(key, value));
        record(recorder, h, outcome(caches.put("c", key, bytes, "text/plain", null, Precondition.NONE)), Boolean.TRUE);
      } else if (kind < 8) {
        // compare-and-set by version: read (recorded), then If-Match that version
        var read = recorder.invoke(client, new RegisterModel.Read(key));
        Outcome<Entry> r = outcome(caches.get("c", key));
        if (!r.ok) {
          if (r.definitelyNot) {
            recorder.fail(read);
          } else {
            recorder.unknown(read);
          }
          continue;
        }
        recorder.ok(read, Optional.ofNullable(r.value).map(e -> text(e)));
        if (r.value == null) {
          continue;
        }
        var h = recorder.invoke(client, new RegisterModel.Cas(key, text(r.value), value));
        Outcome<CacheService.PutResult> w = outcome(caches.put("c", key, bytes, "text/plain", null,
            Precondition.ifMatch(r.value.version())));
        recordConditional(recorder, h, w, CacheFailure.Reason.PRECONDITION_FAILED);
      } else if (kind < 9) {
        var h = recorder.invoke(client, new RegisterModel.Delete(key));
        recordConditional(recorder, h, outcome(caches.delete("c", key, Precondition.NONE)),
            CacheFailure.Reason.NO_SUCH_ENTRY);
      } else {
        var h = recorder.invoke(client, new RegisterModel.Create(key, value));
        recordConditional(recorder, h, outcome(caches.put("c", key, bytes, "text/plain", null,
            Precondition.ifNoneMatchStar())), CacheFailure.Reason.PRECONDITION_FAILED);
      }
    }
  }

  private static String text(Entry e) {
    return new String(e.value(), StandardCharsets.UTF_8);
  }

  private static void record(HistoryRecorder<Op, Object> recorder, HistoryRecorder<Op, Object>.Handle h,
      Outcome<?> o, Object ok) {
    if (o.ok) {
      recorder.ok(h, ok);
    } else if (o.definitelyNot) {
      recorder.fail(h);
    } else {
      recorder.unknown(h);
    }
  }

  /** An operation that answers true when done and false, definitely, when refused for {@code no}. */
  private static void recordConditional(HistoryRecorder<Op, Object> recorder, HistoryRecorder<Op, Object>.Handle h,
      Outcome<?> o, CacheFailure.Reason no) {
    if (o.ok) {
      recorder.ok(h, Boolean.TRUE);
    } else if (o.reason == no) {
      recorder.ok(h, Boolean.FALSE);
    } else if (o.definitelyNot) {
      recorder.fail(h);
    } else {
      recorder.unknown(h);
    }
  }

  /** How an operation ended: done (with its value), refused for sure (nothing happened), or unknown. */
  private static final class Outcome<T> {
    boolean ok;
    T value;
    boolean definitelyNot;
    CacheFailure.Reason reason;
  }

  private static <T> Outcome<T> outcome(Future<T> f) {
    Outcome<T> o = new Outcome<>();
    try {
      o.value = f.toCompletionStage().toCompletableFuture().get(OP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      o.ok = true;
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof CacheFailure cf) {
        o.reason = cf.reason();
        o.definitelyNot = switch (cf.reason()) {
          case MINORITY_PARTITION, PARTITION_UNAVAILABLE, STORE_UNAVAILABLE, NO_SUCH_CACHE -> true;
          default -> false;
        };
      }
    } catch (Exception e) {
      // a timeout or an interruption: unknown
    }
    return o;
  }
}
