package io.cairn.node;

import static io.cairn.node.BenchGroup.cpuTicks;
import static io.cairn.node.BenchGroup.median;
import static io.cairn.node.BenchGroup.percentile;
import static io.cairn.node.BenchGroup.write;

import io.cairn.node.BenchGroup.Latencies;
import io.cairn.node.BenchGroup.Node;
import io.cairn.node.BenchGroup.Summary;
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
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Locks measured on real processes: a 3-voter coordination group of the built jar (see {@link
 * BenchGroup}; fsync per group commit, the default), driven over HTTP from this JVM, beside etcd's
 * lock API and ZooKeeper with Curator's {@code InterProcessMutex}, which the shared peers'
 * {@code bench-locks.sh} measures in the same run. A benchmark, not a test: it asserts nothing
 * about speed, prints its figures and writes them to {@code node/target/benchmarks/}. Not part of
 * the build; after {@code ./mvnw -B -q -o package -DskipTests}, run:
 *
 * <pre>
 * ./mvnw -B -o -pl node -am test -DexcludedGroups= -Dtest=LockBenchmark \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dcairn.bench.peers=/path/to/shared/peers
 * </pre>
 *
 * ({@code -Dtest='LockBenchmark#throughput'} or {@code #failover} runs one of the two.)
 *
 * <ul>
 *   <li><b>throughput</b>: {@code cairn.bench.reps} (3) rounds; each round runs the three Cairn
 *       cases once and then {@code bench-locks.sh} once ({@code LOCK_SYSTEMS} from {@code
 *       cairn.bench.lock-systems}, default {@code "etcd zk"}, {@code REPS=1}, the same seconds),
 *       so that the systems alternate through the run. Every case run is {@code
 *       cairn.bench.warmup} (2 s) unrecorded and then {@code cairn.bench.seconds} (10 s) recorded,
 *       after one unrecorded warm-up of the group ({@code cairn.bench.system-warmup}, 10 s, 8
 *       clients on 8 locks), as the peers' script does for its systems. Cases, as the peers':
 *       <ul>
 *         <li>{@code single}: 1 client, one lock;
 *         <li>{@code contended}: 8 clients on one lock;
 *         <li>{@code independent}: 8 clients, each on its own lock.
 *       </ul>
 *       A client is one closed loop with its own HTTP/1.1 keep-alive connection and its own
 *       session (TTL 60 s, opened before the run, closed after it): {@code POST
 *       /v1/locks/{name}} with {@code waitMillis} {@code cairn.bench.wait} (10,000: a waiter
 *       queues FIFO in a long poll, as Curator and etcd block) and then {@code DELETE
 *       /v1/locks/{name}?session=&token=}; one operation is that acquire+release, timed by the
 *       client. A {@code 409} (the wait ran out) is counted and the acquire sent again. Client
 *       {@code i} talks to node {@code i mod 3} in the order leader, follower, follower (etcd's
 *       clients use member {@code i mod 3}; which one leads is etcd's choice), so 1 client talks
 *       to the leader. All clients run on one Vert.x event loop. Around every Cairn run the
 *       leader's WAL metrics and the CPU time of the three node processes are read.
 *   <li><b>failover</b>: {@code cairn.bench.trials} (5) trials of: a holder process (bash and
 *       curl, in its own process group) opens a session with TTL {@code cairn.bench.ttl} (10,000
 *       ms, the README's example) on one follower, takes the lock, and keeps the session alive
 *       every third of the TTL, as the README shows; a waiter in this JVM with its own session
 *       asks the other follower for the lock with {@code waitMillis} 60,000; 2 to 5 s later (at
 *       random, so the kill falls anywhere in the keepalive cycle) the holder's process group gets
 *       {@code SIGKILL}. Measured: from the kill to the waiter's 200, and from the last keepalive
 *       (or the create) the holder <em>sent</em> to that 200 (the session lives TTL from the first tick after its
 *       last keepalive is committed, so the second is TTL plus up to one tick of 100 ms plus the
 *       commits and the answer).
 * </ul>
 */
@Tag("benchmark")
class LockBenchmark {
  private static final List<String> CASES = List.of("single", "contended", "independent");

  @TempDir Path dir;
  private BenchGroup group;
  private BenchPeers peers;
  private Vertx vertx;
  private Process holder;

  @AfterEach
  void stop() throws Exception {
    if (holder != null && holder.isAlive()) {
      killGroup(holder.pid());
    }
    if (group != null) {
      group.close();
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  // ============================================================================== throughput

  @Test
  void throughput() throws Exception {
    int reps = Integer.getInteger("cairn.bench.reps", 3);
    int seconds = Integer.getInteger("cairn.bench.seconds", 10);
    int warmup = Integer.getInteger("cairn.bench.warmup", 2);
    int wait = Integer.getInteger("cairn.bench.wait", 10_000);
    String lockSystems = System.getProperty("cairn.bench.lock-systems", "etcd zk");
    peers = BenchPeers.find(dir);
    String why = "";
    if (!peers.locksAvailable()) {
      why = "peers skipped: " + peers.why();
      lockSystems = "";
    } else if (lockSystems.contains("zk") && !peers.zkAvailable()) {
      why = "zk skipped: no ZK_CLASSPATH and no /usr/share/java/zookeeper.jar";
      lockSystems = lockSystems.replace("zk", "").trim();
    }
    vertx = Vertx.vertx();
    group = BenchGroup.start(dir);
    Node leader = group.awaitLeader();
    List<Node> order = new ArrayList<>(List.of(leader));
    group.nodes.stream().filter(n -> n != leader).forEach(order::add);
    List<Long> pids = group.pids();
    runCase("independent", order, wait, Integer.getInteger("cairn.bench.system-warmup", 10), false);

    Map<String, List<double[]>> results = new LinkedHashMap<>(); // case -> {ops/s, p50, p99}
    StringBuilder lines = new StringBuilder();
    for (int rep = 1; rep <= reps; rep++) {
      for (String c : CASES) {
        runCase(c, order, wait, warmup, false);
        Map<String, Double> m0 = group.metrics(leader.base());
        long cpu0 = cpuTicks(pids);
        Result r = runCase(c, order, wait, seconds, true);
        long cpu1 = cpuTicks(pids);
        Map<String, Double> m1 = group.metrics(leader.base());
        Summary s = r.latency;
        String extra = String.format("cpu %.0f us/op, busy %d, errors %d %s", s.ops() == 0 ? 0.0
            : (cpu1 - cpu0) * 1e6 / BenchGroup.CLK_TCK / s.ops(), r.busy, r.errors, walPerOp(m0, m1, s.ops()));
        add(results, lines, rep, "cairn-" + c, s.opsPerSecond(), s.p50Ms(), s.p99Ms(), s.maxMs(), extra);
      }
      if (!lockSystems.isEmpty()) {
        for (String[] f : peers.locks(lockSystems, seconds, warmup)) {
          // case rep ops_per_s p50_ms p99_ms max_ms errors
          add(results, lines, rep, f[0], parse(f[2]), parse(f[3]), parse(f[4]), parse(f[5]),
              "errors " + (f.length > 6 ? f[6] : "?"));
        }
      }
    }
    // What the group burns without lock traffic: no session (no ticks), then one open session.
    double idle = idleCores(pids, 5);
    long session = openSession(leader.base(), 60_000);
    double idleTicking = idleCores(pids, 5);
    closeSession(leader.base(), session);
    String idleLine = String.format("idle CPU of the 3 node processes: %.3f cores with no session, %.3f cores "
        + "with one session open (the leader ticks every 100 ms)%n", idle, idleTicking);
    lines.append(idleLine);
    StringBuilder report = new StringBuilder(String.format(
        "locks: acquire+release over HTTP, 3 voters with fsync, loopback; %d rounds x %d s (+%d s warm-up), "
            + "waitMillis %d; medians of the rounds; load average at the end: %s%n",
        reps, seconds, warmup, wait, loadAverage()));
    report.append(String.format("%-24s %10s %9s %9s%n", "case", "ops/s", "p50 ms", "p99 ms"));
    for (var e : results.entrySet()) {
      report.append(String.format("%-24s %10.1f %9.3f %9.3f%n", e.getKey(), med(e.getValue(), 0),
          med(e.getValue(), 1), med(e.getValue(), 2)));
    }
    for (String c : CASES) {
      for (String peer : List.of("etcd", "zk", "hz")) {
        List<double[]> a = results.get("cairn-" + c);
        List<double[]> b = results.get(peer + "-" + c);
        if (a != null && b != null) {
          report.append(String.format("ratio cairn / %s, %s: ops/s %.2f, p50 %.2f, p99 %.2f%n", peer, c,
              med(a, 0) / med(b, 0), med(a, 1) / med(b, 1), med(a, 2) / med(b, 2)));
        }
      }
    }
    if (!why.isEmpty()) {
      report.append(why).append('\n');
    }
    report.append(lines);
    write("locks-throughput.txt", report.toString());
  }

  private static void add(Map<String, List<double[]>> results, StringBuilder lines, int rep, String name,
      double ops, double p50, double p99, double max, String extra) {
    results.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] {ops, p50, p99});
    String line = String.format("rep %d %-24s ops/s %8.1f p50 %8.3f ms p99 %8.3f ms max %8.1f ms %s%n",
        rep, name, ops, p50, p99, max, extra);
    System.out.print(line);
    lines.append(line);
  }

  private static double idleCores(List<Long> pids, int seconds) throws InterruptedException {
    long cpu0 = cpuTicks(pids);
    long t0 = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    return (cpuTicks(pids) - cpu0) / (double) BenchGroup.CLK_TCK / ((System.nanoTime() - t0) / 1e9);
  }

  private static double med(List<double[]> rows, int column) {
    return median(rows.stream().mapToDouble(r -> r[column]).toArray());
  }

  private static double parse(String s) {
    try {
      return Double.parseDouble(s);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  /** The leader's WAL fsyncs and Raft commits per lock operation in a run. */
  private static String walPerOp(Map<String, Double> a, Map<String, Double> b, long ops) {
    double fsyncs = BenchGroup.delta(a, b, "cairn_raft_wal_fsync_seconds_count");
    double fsyncSum = BenchGroup.delta(a, b, "cairn_raft_wal_fsync_seconds_sum");
    double entries = BenchGroup.delta(a, b, "cairn_raft_wal_fsync_entries_sum");
    double commits = BenchGroup.delta(a, b, "cairn_raft_commit_latency_seconds_count");
    double commitSum = BenchGroup.delta(a, b, "cairn_raft_commit_latency_seconds_sum");
    return String.format("| leader per op: wal fsyncs %.2f (avg %.3f ms, entries/fsync %.2f), commits %.2f "
            + "(avg %.3f ms)", ops == 0 ? 0 : fsyncs / ops, fsyncs == 0 ? 0 : fsyncSum * 1000 / fsyncs,
        fsyncs == 0 ? 0 : entries / fsyncs, ops == 0 ? 0 : commits / ops,
        commits == 0 ? 0 : commitSum * 1000 / commits);
  }

  static final class Result {
    Summary latency;
    long busy;
    long errors;
  }

  /** The case's clients for {@code seconds}; each with its own session and connection. */
  private Result runCase(String c, List<Node> order, int wait, int seconds, boolean record) throws Exception {
    int clients = c.equals("single") ? 1 : 8;
    List<HttpClient> connections = new ArrayList<>();
    List<Long> sessions = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      URI uri = URI.create(order.get(i % order.size()).base());
      connections.add(vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
          .setDefaultHost(uri.getHost()).setDefaultPort(uri.getPort()).setIdleTimeout(120),
          new PoolOptions().setHttp1MaxSize(1)));
      sessions.add(openSession(order.get(i % order.size()).base(), 60_000));
    }
    Result result = new Result();
    Latencies latencies = new Latencies();
    Promise<Void> finished = Promise.promise();
    long[] window = new long[2];
    vertx.runOnContext(v -> {
      window[0] = System.nanoTime();
      window[1] = window[0] + TimeUnit.SECONDS.toNanos(seconds);
      int[] running = {clients};
      for (int i = 0; i < clients; i++) {
        String lock = c.equals("independent") ? "bench-lock-" + i : "bench-lock";
        new Loop(connections.get(i), lock, sessions.get(i), wait, window[1], result, latencies).next()
            .onComplete(x -> {
              if (--running[0] == 0) {
                finished.complete();
              }
            });
      }
    });
    finished.future().await(seconds + wait / 1000 + 60L, TimeUnit.SECONDS);
    for (int i = 0; i < clients; i++) {
      connections.get(i).close().await(10, TimeUnit.SECONDS);
      closeSession(order.get(i % order.size()).base(), sessions.get(i));
    }
    result.latency = latencies.summarize(seconds);
    return result;
  }

  /** One closed-loop client: acquire (waiting in line), release, until the end of the window. */
  private static final class Loop {
    final HttpClient client;
    final String lock;
    final long session;
    final String acquireBody;
    final int wait;
    final long end;
    final Result result;
    final Latencies latencies;
    final Promise<Void> done = Promise.promise();

    Loop(HttpClient client, String lock, long session, int wait, long end, Result result, Latencies latencies) {
      this.client = client;
      this.lock = lock;
      this.session = session;
      this.acquireBody = "{\"session\":" + session + ",\"waitMillis\":" + wait + "}";
      this.wait = wait;
      this.end = end;
      this.result = result;
      this.latencies = latencies;
    }

    Future<Void> next() {
      if (System.nanoTime() - end >= 0) {
        done.tryComplete();
        return done.future();
      }
      long begin = System.nanoTime();
      send(HttpMethod.POST, "/v1/locks/" + lock, acquireBody).compose(acquired -> {
        if (acquired.status() != 200) {
          return Future.succeededFuture(acquired);
        }
        long token = new JsonObject(acquired.body()).getLong("token");
        return send(HttpMethod.DELETE, "/v1/locks/" + lock + "?session=" + session + "&token=" + token, null);
      }).onComplete(ar -> {
        long now = System.nanoTime();
        if (now - end < 0) {
          if (ar.succeeded() && ar.result().status() == 200) {
            latencies.add(now - begin);
          } else if (ar.succeeded() && ar.result().status() == 409) {
            result.busy++;
          } else {
            result.errors++;
            if (result.errors <= 3) {
              System.out.println("lock error: " + (ar.succeeded() ? ar.result() : ar.cause()));
            }
          }
        }
        next();
      });
      return done.future();
    }

    Future<Reply> send(HttpMethod method, String path, String body) {
      RequestOptions o = new RequestOptions().setMethod(method).setURI(path).setTimeout(wait + 10_000L);
      if (body != null) {
        o.putHeader("Content-Type", "application/json");
      }
      return client.request(o)
          .compose(req -> body == null ? req.send() : req.send(Buffer.buffer(body)))
          .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), b.toString())));
    }
  }

  private record Reply(int status, String body) {}

  private long openSession(String base, long ttlMillis) throws Exception {
    HttpResponse<String> r = group.http.send(HttpRequest.newBuilder(URI.create(base + "/v1/sessions"))
        .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"ttlMillis\":" + ttlMillis + "}")).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 201) {
      throw new AssertionError("session create answered " + r.statusCode() + ": " + r.body());
    }
    return new JsonObject(r.body()).getLong("id");
  }

  private void closeSession(String base, long session) throws Exception {
    group.http.send(HttpRequest.newBuilder(URI.create(base + "/v1/sessions/" + session))
        .timeout(Duration.ofSeconds(10)).DELETE().build(), HttpResponse.BodyHandlers.discarding());
  }

  // ============================================================================== failover

  /**
   * The holder: a session with TTL {@code $2} ms on {@code $1}, lock {@code $3} taken at once,
   * then a keepalive every third of the TTL. Prints {@code sent MS} (wall clock) before the create
   * and before every keepalive, and {@code held} once it holds the lock.
   */
  private static final String HOLDER = """
      set -u
      base=$1; ttl=$2; lock=$3
      echo "sent $(date +%s%3N)"
      session=$(curl -sf -X POST "$base/v1/sessions" -H 'Content-Type: application/json' \\
        -d "{\\"ttlMillis\\":$ttl}" | sed 's/.*"id":\\([0-9]*\\).*/\\1/')
      curl -sf -X POST "$base/v1/locks/$lock" -H 'Content-Type: application/json' \\
        -d "{\\"session\\":$session,\\"waitMillis\\":0}" > /dev/null || exit 1
      echo "held $session"
      period=$(awk "BEGIN { print $ttl / 3000 }")
      while true; do
        sleep "$period"
        echo "sent $(date +%s%3N)"
        curl -sf -X POST "$base/v1/sessions/$session/keepalive" > /dev/null || exit 2
      done
      """;

  @Test
  void failover() throws Exception {
    int trials = Integer.getInteger("cairn.bench.trials", 5);
    int ttl = Integer.getInteger("cairn.bench.ttl", 10_000);
    group = BenchGroup.start(dir);
    List<Long> killToGrant = new ArrayList<>();
    List<Long> sentToGrant = new ArrayList<>();
    StringBuilder lines = new StringBuilder();
    for (int t = 1; t <= trials; t++) {
      Node leader = group.awaitLeader();
      List<Node> followers = group.nodes.stream().filter(n -> n != leader).toList();
      String lock = "failover-" + t;
      holder = new ProcessBuilder("setsid", "bash", "-c", HOLDER, "holder", followers.get(0).base(),
          Integer.toString(ttl), lock).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      AtomicLong lastSent = new AtomicLong(-1);
      BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      String first = out.readLine();
      if (first != null && first.startsWith("sent ")) {
        lastSent.set(Long.parseLong(first.substring(5).trim()));
        first = out.readLine();
      }
      if (first == null || !first.startsWith("held ")) {
        throw new AssertionError("the holder did not take the lock: " + first);
      }
      Thread reader = new Thread(() -> {
        try {
          for (String l; (l = out.readLine()) != null; ) {
            if (l.startsWith("sent ")) {
              lastSent.set(Long.parseLong(l.substring(5).trim()));
            }
          }
        } catch (IOException | NumberFormatException gone) {
          // killed
        }
      }, "holder-out");
      reader.setDaemon(true);
      reader.start();
      String waiterBase = followers.get(1).base();
      long session = openSession(waiterBase, 60_000);
      AtomicLong grantedNanos = new AtomicLong(-1);
      AtomicLong grantedWall = new AtomicLong(-1);
      CompletableFuture<HttpResponse<String>> waiter = group.http.sendAsync(HttpRequest.newBuilder(
              URI.create(waiterBase + "/v1/locks/" + lock)).timeout(Duration.ofSeconds(70))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString("{\"session\":" + session + ",\"waitMillis\":60000}")).build(),
          HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
            grantedNanos.set(System.nanoTime());
            grantedWall.set(System.currentTimeMillis());
          });
      Thread.sleep(2_000 + ThreadLocalRandom.current().nextInt(3_000));
      if (waiter.isDone()) {
        throw new AssertionError("the waiter was answered before the kill: " + waiter.get().body());
      }
      long sentBeforeKill = lastSent.get();
      long t0 = System.nanoTime();
      killGroup(holder.pid());
      HttpResponse<String> granted = waiter.get(70, TimeUnit.SECONDS);
      if (granted.statusCode() != 200) {
        throw new AssertionError("the waiter got " + granted.statusCode() + ": " + granted.body());
      }
      long kill = TimeUnit.NANOSECONDS.toMillis(grantedNanos.get() - t0);
      long sent = lastSent.get() < 0 ? -1 : grantedWall.get() - lastSent.get();
      killToGrant.add(kill);
      sentToGrant.add(sent);
      String line = String.format("trial %d: kill -9 -> grant %d ms; last keepalive (or create) sent -> grant %d ms"
          + " (sent %d ms before the kill)%s%n", t, kill, sent,
          sentBeforeKill < 0 ? -1 : grantedWall.get() - kill - sentBeforeKill,
          lastSent.get() != sentBeforeKill ? " (a keepalive was sent after the kill was decided!)" : "");
      System.out.print(line);
      lines.append(line);
      closeSession(waiterBase, session);
    }
    StringBuilder report = new StringBuilder(String.format(
        "lock failover: holder's process group kill -9'd, waiter long-polling another node; session TTL %d ms, "
            + "tick %d ms; %d trials; load average at the end: %s%n", ttl,
        io.cairn.coordination.ReplicatedPrimitives.TICK_INTERVAL.toMillis(), trials, loadAverage()));
    report.append(String.format("kill -9 -> next waiter's grant: median %d ms, min %d, max %d%n",
        percentile(killToGrant, 50), percentile(killToGrant, 0), percentile(killToGrant, 100)));
    report.append(String.format("last keepalive (or the create) sent -> grant: median %d ms, min %d, max %d (TTL %d)%n",
        percentile(sentToGrant, 50), percentile(sentToGrant, 0), percentile(sentToGrant, 100), ttl));
    report.append(lines);
    write("locks-failover.txt", report.toString());
  }

  /** SIGKILL to a process group (the holder's bash and its curl and sleep), waiting for the leader. */
  private void killGroup(long pgid) throws Exception {
    new ProcessBuilder("kill", "-9", "--", "-" + pgid).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
    holder.waitFor(10, TimeUnit.SECONDS);
  }

  private static String loadAverage() {
    try {
      return java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "?";
    }
  }
}
