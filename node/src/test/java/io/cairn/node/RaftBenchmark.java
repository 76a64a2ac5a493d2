package io.cairn.node;

import static io.cairn.node.BenchGroup.*;

import io.cairn.node.BenchGroup.Node;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordination group (Raft) measured on real processes at the default settings (3 voters,
 * fsync per group commit, election timeout 500-1000 ms, heartbeat 50 ms), on loopback, beside
 * etcd (3 members, its default timing) driven through the shared peers' scripts in the same run.
 * A benchmark, not a test: it asserts nothing about speed, prints its figures and writes them to
 * {@code node/target/benchmarks/}. Not part of the build; after {@code ./mvnw -B -q -o package
 * -DskipTests}, run one of:
 *
 * <pre>
 * ./mvnw -B -o -pl node -am test -DexcludedGroups= -Dtest='RaftBenchmark#failover' \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dcairn.bench.peers=/path/to/shared/peers
 * ./mvnw -B -o -pl node -am test -DexcludedGroups= -Dtest='RaftBenchmark#cas' \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dcairn.bench.peers=/path/to/shared/peers
 * </pre>
 *
 * (about 3 and 9 minutes at the defaults; {@code -Dtest=RaftBenchmark} runs both)
 * </pre>
 *
 * <ul>
 *   <li><b>failover</b>: {@code cairn.bench.trials} (5) rounds; each round is one Cairn trial and
 *       then one etcd trial ({@code FAILOVER_SYSTEMS=etcd TRIALS=1 bench-failover.sh}: a fresh
 *       etcd cluster, its {@code peers.Failover} probe). A Cairn trial: find the leader, write
 *       through both survivors for 2 s, {@code kill -9} the leader (the clock starts just before
 *       the signal and the kill is waited for), then start a register PUT (1 s timeout) every
 *       10 ms, alternating between the two survivors, until one answers 200: that is the
 *       failover time; "new leader" is when a survivor's {@code GET /v1/cluster/raft} first names
 *       a leader other than the dead one. The killed node is then restarted on its data directory
 *       and ports, and the group must have all three voters replicating before the next round.
 *   <li><b>cas</b>: one 3-voter Cairn group and one 3-member etcd cluster, both up for the whole
 *       run; {@code cairn.bench.reps} (3) repetitions of every case at 1 and 32 clients, the cases
 *       interleaved; each case run is {@code cairn.bench.warmup} (2 s) unrecorded and then
 *       {@code cairn.bench.seconds} (10 s) recorded. Closed-loop clients on one Vert.x event loop,
 *       HTTP/1.1 keep-alive, one connection per client, each on its own key:
 *       <ul>
 *         <li>{@code cairn-cas-leader}/{@code -follower}: {@code PUT /v1/registers/cas-i} with
 *             {@code If-Match} the version (ETag) its previous write returned, to the leader or to
 *             a follower (which forwards). A 412 is counted and the version read again.
 *         <li>{@code cairn-put-leader}: the same PUT without {@code If-Match}.
 *         <li>{@code etcd-txn-cas-leader}/{@code -follower}: {@code POST /v3/kv/txn} comparing the
 *             key's mod_revision with the revision of the client's previous write, putting on
 *             success. {@code succeeded: false} is counted as a 412.
 *         <li>{@code etcd-put-leader}: {@code POST /v3/kv/put}.
 *       </ul>
 *       Around every Cairn run the leader's Raft metrics are read from {@code /metrics} (WAL
 *       write time and entries per write, commit latency); around every etcd run its WAL fsync
 *       count and time. CPU time of the three server processes is taken from {@code /proc}.
 * </ul>
 *
 * The value is the peers' 16-byte {@code value-0123456789}. Node JVMs: as {@link CairnProcess}
 * starts them but with a 512 MiB heap and the C2 compiler on (the system tests' C1-only JVM would
 * understate throughput). Without the peers' folder, or without {@code etcd} on the PATH, the
 * etcd side is skipped and said so.
 */
@Tag("benchmark")
class RaftBenchmark {
  @TempDir Path dir;
  private BenchGroup group;
  private Vertx vertx;
  private BenchPeers peers;

  @AfterEach
  void stop() throws Exception {
    if (group != null) {
      group.close();
    }
    if (peers != null && peers.etcdAvailable()) {
      peers.etcd("stop");
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  // ============================================================================== failover

  @Test
  void failover() throws Exception {
    int trials = Integer.getInteger("cairn.bench.trials", 5);
    peers = BenchPeers.find(dir);
    group = BenchGroup.start(dir);
    List<Long> cairnWrite = new ArrayList<>();
    List<Long> cairnElected = new ArrayList<>();
    List<Long> etcdWrite = new ArrayList<>();
    List<Long> etcdElected = new ArrayList<>();
    StringBuilder lines = new StringBuilder();
    for (int t = 1; t <= trials; t++) {
      long[] c = cairnFailoverTrial();
      cairnElected.add(c[0]);
      cairnWrite.add(c[1]);
      String line = String.format("round %d cairn: new leader %d ms, first write %d ms (%d attempts)%n",
          t, c[0], c[1], c[2]);
      System.out.print(line);
      lines.append(line);
      if (peers.failoverAvailable()) {
        long[] e = peers.etcdFailoverTrial();
        etcdElected.add(e[0]);
        etcdWrite.add(e[1]);
        line = String.format("round %d etcd:  new leader %d ms, first write %d ms%n", t, e[0], e[1]);
        System.out.print(line);
        lines.append(line);
      }
    }
    StringBuilder report = new StringBuilder(String.format(
        "raft failover, 3 voters, default settings, loopback, %d kill -9 trials per system, alternated%n", trials));
    report.append(String.format("cairn: first write median %d ms, max %d ms; new leader median %d ms, max %d ms%n",
        percentile(cairnWrite, 50), percentile(cairnWrite, 100), percentile(cairnElected, 50),
        percentile(cairnElected, 100)));
    if (!etcdWrite.isEmpty()) {
      report.append(String.format("etcd:  first write median %d ms, max %d ms; new leader median %d ms, max %d ms%n",
          percentile(etcdWrite, 50), percentile(etcdWrite, 100), percentile(etcdElected, 50),
          percentile(etcdElected, 100)));
      report.append(String.format("cairn / etcd, first write median: %.2f%n",
          (double) percentile(cairnWrite, 50) / percentile(etcdWrite, 50)));
    } else {
      report.append("etcd: skipped (" + peers.why() + ")\n");
    }
    report.append(lines);
    report.append("cairn write ms: ").append(cairnWrite).append(", etcd write ms: ").append(etcdWrite).append('\n');
    write("raft-failover.txt", report.toString());
  }

  /** One trial: {new leader ms, first write ms, attempts}. */
  private long[] cairnFailoverTrial() throws Exception {
    Node leader = group.awaitLeader();
    List<Node> survivors = group.nodes.stream().filter(n -> n != leader).toList();
    long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    for (int i = 0; System.nanoTime() < warmEnd; i++) {
      HttpResponse<String> r = group.putRegister(survivors.get(i % 2).base(), "failover", 2000);
      if (r.statusCode() != 200) {
        throw new AssertionError("warm-up write answered " + r.statusCode() + ": " + r.body());
      }
    }
    AtomicLong writeAt = new AtomicLong(-1);
    AtomicLong electedAt = new AtomicLong(-1);
    java.time.Instant killedAt = java.time.Instant.now();
    long t0 = System.nanoTime();
    leader.process.kill(); // SIGKILL, and waits until the process is gone
    Thread elected = new Thread(() -> {
      while (electedAt.get() < 0 && System.nanoTime() - t0 < DEADLINE.toNanos()) {
        for (Node s : survivors) {
          try {
            HttpResponse<String> r = group.get(s.base() + "/v1/cluster/raft", 200);
            String l = new JsonObject(r.body()).getString("leader");
            if (l != null && !l.equals(leader.id)) {
              electedAt.compareAndSet(-1, System.nanoTime() - t0);
            }
          } catch (Exception notYet) {
            // keep polling
          }
        }
        sleep(10);
      }
    }, "elected-poller");
    elected.start();
    int attempts = 0;
    while (writeAt.get() < 0 && System.nanoTime() - t0 < DEADLINE.toNanos()) {
      Node s = survivors.get(attempts++ % 2);
      group.http.sendAsync(group.putRequest(s.base(), "failover", 1000, null), HttpResponse.BodyHandlers.ofString())
          .thenAccept(r -> {
            if (r.statusCode() == 200) {
              writeAt.compareAndSet(-1, System.nanoTime() - t0);
            }
          });
      Thread.sleep(10);
    }
    elected.join(DEADLINE.toMillis());
    if (electedAt.get() > TimeUnit.MILLISECONDS.toNanos(1200)) {
      // A slow election: what the survivors' Raft shells logged (role changes with reasons).
      System.out.println("  slow election; killed " + leader.id + " at " + killedAt);
      for (Node s : survivors) {
        List<String> raftLines = s.process.stdout().stream().filter(l -> l.contains("raft:")).toList();
        raftLines.subList(Math.max(0, raftLines.size() - 6), raftLines.size())
            .forEach(l -> System.out.println("  " + s.id + ": " + l));
      }
    }
    // Restart the killed node on its data and ports; wait until the leader replicates to all.
    leader.start();
    leader.process.port();
    group.awaitAllReplicating();
    Thread.sleep(3_000);
    return new long[] {ms(electedAt.get()), ms(writeAt.get()), attempts};
  }

  // ============================================================================== CAS throughput

  @Test
  void cas() throws Exception {
    int reps = Integer.getInteger("cairn.bench.reps", 3);
    int seconds = Integer.getInteger("cairn.bench.seconds", 10);
    int warmup = Integer.getInteger("cairn.bench.warmup", 2);
    List<Integer> clientCounts = Arrays.stream(System.getProperty("cairn.bench.clients", "1,32").split(","))
        .map(String::trim).map(Integer::parseInt).toList();
    List<String> cases = Arrays.stream(System.getProperty("cairn.bench.cases",
        "cairn-cas-leader,etcd-txn-cas-leader,cairn-cas-follower,etcd-txn-cas-follower,cairn-put-leader,etcd-put-leader")
        .split(",")).map(String::trim).toList();
    peers = BenchPeers.find(dir);
    vertx = Vertx.vertx();
    group = BenchGroup.start(dir);
    Node leader = group.awaitLeader();
    Node follower = group.nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
    boolean etcd = peers.etcdAvailable();
    String etcdLeader = null;
    String etcdFollower = null;
    List<Long> etcdPids = List.of();
    if (etcd) {
      peers.etcd("start");
      etcdLeader = peers.etcd("leader").trim();
      etcdFollower = peers.etcd("follower").trim();
      etcdPids = List.of(Long.parseLong(peers.etcd("pid", "e1").trim()), Long.parseLong(peers.etcd("pid", "e2").trim()),
          Long.parseLong(peers.etcd("pid", "e3").trim()));
    }
    List<Long> cairnPids = group.pids();
    // One unrecorded warm-up per system (10 s): the JIT of the nodes, etcd's first compactions.
    int systemWarmup = Integer.getInteger("cairn.bench.system-warmup", 10);
    runLoad(new Target("cairn-cas-leader", leader.base(), leader.base()), 32, systemWarmup, false);
    if (etcd) {
      runLoad(new Target("etcd-txn-cas-leader", etcdLeader, etcdLeader), 32, systemWarmup, false);
    }
    Map<String, List<Result>> results = new LinkedHashMap<>();
    StringBuilder lines = new StringBuilder();
    for (int rep = 1; rep <= reps; rep++) {
      for (int clients : clientCounts) {
        for (String c : cases) {
          boolean isEtcd = c.startsWith("etcd-");
          if (isEtcd && !etcd) {
            continue;
          }
          String metricsBase = isEtcd ? etcdLeader : leader.base();
          String base = isEtcd ? (c.endsWith("-follower") ? etcdFollower : etcdLeader)
              : (c.endsWith("-follower") ? follower.base() : leader.base());
          Target target = new Target(c, base, metricsBase);
          runLoad(target, clients, warmup, false);
          Map<String, Double> m0 = group.metrics(metricsBase);
          long cpu0 = cpuTicks(isEtcd ? etcdPids : cairnPids);
          Result r = runLoad(target, clients, seconds, true);
          long cpu1 = cpuTicks(isEtcd ? etcdPids : cairnPids);
          Map<String, Double> m1 = group.metrics(metricsBase);
          r.serverCpuUsPerOp = r.ops == 0 ? 0 : (cpu1 - cpu0) * 1e6 / CLK_TCK / r.ops;
          r.disk = isEtcd ? etcdDisk(m0, m1, r.ops) : cairnDisk(m0, m1);
          results.computeIfAbsent(c + " c=" + clients, k -> new ArrayList<>()).add(r);
          String line = String.format("rep %d %-24s c=%-2d %s%n", rep, c, clients, r);
          System.out.print(line);
          lines.append(line);
        }
      }
    }
    StringBuilder report = new StringBuilder(String.format(
        "raft CAS/put over HTTP/1.1 keep-alive, 3 voters with fsync, loopback; %d reps x %d s (+%d s warm-up),"
            + " medians of the reps%n", reps, seconds, warmup));
    report.append(String.format("%-32s %10s %9s %9s %8s %8s %10s%n", "case", "ops/s", "p50 ms", "p99 ms", "412s",
        "errors", "cpu us/op"));
    for (var e : results.entrySet()) {
      List<Result> rs = e.getValue();
      report.append(String.format("%-32s %10.0f %9.3f %9.3f %8d %8d %10.1f%n", e.getKey(),
          median(rs.stream().mapToDouble(r -> r.opsPerSecond).toArray()),
          median(rs.stream().mapToDouble(r -> r.p50Ms).toArray()),
          median(rs.stream().mapToDouble(r -> r.p99Ms).toArray()),
          rs.stream().mapToLong(r -> r.preconditionFailed).sum(), rs.stream().mapToLong(r -> r.errors).sum(),
          median(rs.stream().mapToDouble(r -> r.serverCpuUsPerOp).toArray())));
    }
    for (int clients : clientCounts) {
      for (String[] pair : List.of(new String[] {"cairn-cas-leader", "etcd-txn-cas-leader"},
          new String[] {"cairn-cas-follower", "etcd-txn-cas-follower"},
          new String[] {"cairn-put-leader", "etcd-put-leader"})) {
        List<Result> a = results.get(pair[0] + " c=" + clients);
        List<Result> b = results.get(pair[1] + " c=" + clients);
        if (a != null && b != null) {
          report.append(String.format("ratio %s / %s at c=%d: ops/s %.2f, p50 %.2f%n", pair[0], pair[1], clients,
              median(a.stream().mapToDouble(r -> r.opsPerSecond).toArray())
                  / median(b.stream().mapToDouble(r -> r.opsPerSecond).toArray()),
              median(a.stream().mapToDouble(r -> r.p50Ms).toArray())
                  / median(b.stream().mapToDouble(r -> r.p50Ms).toArray())));
        }
      }
    }
    if (!etcd) {
      report.append("etcd: skipped (" + peers.why() + ")\n");
    }
    report.append(lines);
    write("raft-cas.txt", report.toString());
  }

  private record Target(String name, String base, String metricsBase) {
    boolean etcd() {
      return name.startsWith("etcd-");
    }

    boolean cas() {
      return name.contains("-cas-");
    }
  }

  static final class Result {
    long ops;
    long preconditionFailed;
    long errors;
    double opsPerSecond;
    double p50Ms;
    double p99Ms;
    double maxMs;
    double serverCpuUsPerOp;
    String disk = "";

    @Override
    public String toString() {
      return String.format("ops/s %.0f p50 %.3f ms p99 %.3f ms max %.1f ms ops %d 412 %d errors %d cpu %.1f us/op %s",
          opsPerSecond, p50Ms, p99Ms, maxMs, ops, preconditionFailed, errors, serverCpuUsPerOp, disk);
    }
  }

  /** A growable array of latencies in nanoseconds, confined to the load's event loop. */
  /**
   * {@code clients} closed loops against {@code target} for {@code seconds}, all on one event
   * loop; a request that completes after the end is not counted.
   */
  private Result runLoad(Target target, int clients, int seconds, boolean record) throws Exception {
    URI uri = URI.create(target.base());
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
        .setDefaultHost(uri.getHost()).setDefaultPort(uri.getPort()).setIdleTimeout(30),
        new PoolOptions().setHttp1MaxSize(clients));
    Result result = new Result();
    Latencies latencies = new Latencies();
    Promise<Void> finished = Promise.promise();
    vertx.runOnContext(v -> {
      long start = System.nanoTime();
      long end = start + TimeUnit.SECONDS.toNanos(seconds);
      int[] running = {clients};
      for (int i = 0; i < clients; i++) {
        String key = "bench-" + i;
        new Loop(client, target, key, end, result, latencies).begin().onComplete(x -> {
          if (--running[0] == 0) {
            finished.complete();
          }
        });
      }
    });
    finished.future().await(seconds + 60L, TimeUnit.SECONDS);
    client.close().await(10, TimeUnit.SECONDS);
    Summary s = latencies.summarize(seconds);
    result.ops = s.ops();
    result.opsPerSecond = s.opsPerSecond();
    result.p50Ms = s.p50Ms();
    result.p99Ms = s.p99Ms();
    result.maxMs = s.maxMs();
    return result;
  }

  /** One closed-loop client: read its key's version, then write (CAS or put) until the end. */
  private final class Loop {
    final HttpClient client;
    final Target target;
    final String key;
    final String keyB64;
    final long end;
    final Result result;
    final Latencies latencies;
    final Promise<Void> done = Promise.promise();
    long version = -1; // Cairn: the register's version (ETag); etcd: the key's mod_revision
    long n;

    Loop(HttpClient client, Target target, String key, long end, Result result, Latencies latencies) {
      this.client = client;
      this.target = target;
      this.key = key;
      this.keyB64 = b64(key);
      this.end = end;
      this.result = result;
      this.latencies = latencies;
    }

    Future<Void> begin() {
      readVersion().onComplete(x -> next());
      return done.future();
    }

    /** Creates the key if missing and learns its version; 0 when unknown. */
    Future<Void> readVersion() {
      if (target.etcd()) {
        return send(HttpMethod.POST, "/v3/kv/range", null, "{\"key\":\"" + keyB64 + "\"}").compose(r -> {
          JsonObject body = new JsonObject(r.body());
          if (body.getJsonArray("kvs") == null || body.getJsonArray("kvs").isEmpty()) {
            return send(HttpMethod.POST, "/v3/kv/put", null, etcdPut()).map(p -> {
              version = Long.parseLong(new JsonObject(p.body()).getJsonObject("header").getString("revision"));
              return null;
            });
          }
          version = Long.parseLong(body.getJsonArray("kvs").getJsonObject(0).getString("mod_revision"));
          return Future.succeededFuture();
        });
      }
      return send(HttpMethod.GET, "/v1/registers/" + key, null, null).compose(r -> {
        if (r.status() == 404) {
          return send(HttpMethod.PUT, "/v1/registers/" + key, null, cairnBody()).map(p -> {
            version = etag(p.etag());
            return null;
          });
        }
        version = etag(r.etag());
        return Future.succeededFuture();
      });
    }

    void next() {
      if (System.nanoTime() - end >= 0) {
        done.complete();
        return;
      }
      long begin = System.nanoTime();
      n++;
      Future<Reply> f;
      if (target.etcd()) {
        f = target.cas()
            ? send(HttpMethod.POST, "/v3/kv/txn", null, "{\"compare\":[{\"key\":\"" + keyB64
                + "\",\"target\":\"MOD\",\"result\":\"EQUAL\",\"mod_revision\":\"" + version
                + "\"}],\"success\":[{\"request_put\":" + etcdPut() + "}]}")
            : send(HttpMethod.POST, "/v3/kv/put", null, etcdPut());
      } else {
        f = send(HttpMethod.PUT, "/v1/registers/" + key, target.cas() ? "\"" + version + "\"" : null, cairnBody());
      }
      f.onComplete(ar -> {
        long now = System.nanoTime();
        boolean inWindow = now - end < 0;
        boolean ok = false;
        boolean conflict = false;
        if (ar.succeeded()) {
          Reply r = ar.result();
          if (target.etcd()) {
            if (r.status() == 200) {
              JsonObject body = new JsonObject(r.body());
              if (!target.cas() || body.getBoolean("succeeded", false)) {
                version = Long.parseLong(body.getJsonObject("header").getString("revision"));
                ok = true;
              } else {
                conflict = true;
              }
            }
          } else if (r.status() == 200) {
            version = etag(r.etag());
            ok = true;
          } else if (r.status() == 412) {
            conflict = true;
          }
        }
        if (inWindow) {
          if (ok) {
            latencies.add(now - begin);
          } else if (conflict) {
            result.preconditionFailed++;
          } else {
            result.errors++;
          }
        }
        if (ok) {
          next();
        } else {
          readVersion().onComplete(x -> next());
        }
      });
    }

    String cairnBody() {
      return "{\"value\":\"" + VALUE + "\"}";
    }

    String etcdPut() {
      return "{\"key\":\"" + keyB64 + "\",\"value\":\"" + b64(VALUE) + "\"}";
    }

    Future<Reply> send(HttpMethod method, String path, String ifMatch, String body) {
      RequestOptions o = new RequestOptions().setMethod(method).setURI(path).setTimeout(10_000);
      if (body != null) {
        o.putHeader("Content-Type", "application/json");
      }
      if (ifMatch != null) {
        o.putHeader("If-Match", ifMatch);
      }
      return client.request(o)
          .compose(req -> body == null ? req.send() : req.send(Buffer.buffer(body)))
          .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.getHeader("ETag"), b.toString())));
    }
  }

  private record Reply(int status, String etag, String body) {}

  private static long etag(String etag) {
    return etag == null ? 0 : Long.parseLong(etag.replace("\"", ""));
  }

  // ============================================================================== metrics

  private static String etcdDisk(Map<String, Double> a, Map<String, Double> b, long ops) {
    double fsyncs = delta(a, b, "etcd_disk_wal_fsync_duration_seconds_count");
    double fsyncSum = delta(a, b, "etcd_disk_wal_fsync_duration_seconds_sum");
    double proposals = delta(a, b, "etcd_server_proposals_committed_total");
    return String.format("| leader: wal fsyncs %.0f, avg %.3f ms, proposals/fsync %.2f",
        fsyncs, fsyncs == 0 ? 0 : fsyncSum * 1000 / fsyncs, fsyncs == 0 ? 0 : proposals / fsyncs);
  }

  // ============================================================================== helpers

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

}
