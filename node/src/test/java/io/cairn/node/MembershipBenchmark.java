package io.cairn.node;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Membership measured on real processes at the default settings, on loopback. A benchmark, not a
 * test: it asserts nothing about speed, prints its figures, and writes them to
 * {@code node/target/benchmarks/}. Not part of the build; run one of:
 *
 * <pre>
 * ./mvnw -B -pl node -am verify -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false -Dit.failIfNoSpecifiedTests=false \
 *     -Dit.test=MembershipBenchmark#detection -Dcairn.bench.trials=30
 * ./mvnw -B -pl node -am verify -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false -Dit.failIfNoSpecifiedTests=false \
 *     -Dit.test=MembershipBenchmark#falsePositives -Dcairn.bench.minutes=10
 * </pre>
 *
 * <ul>
 *   <li><b>detection</b>: five nodes; repeatedly {@code kill -9} one (in turn), and time from the
 *       kill to the moment every other node reports it {@code dead} through
 *       {@code GET /v1/cluster/members/{id}} (polled every 10 ms per observer); then restart it on
 *       its data directory and port and let the group settle.
 *   <li><b>falsePositives</b>: five nodes whose transports drop 5% of messages (the benchmark
 *       hook {@code -Dcairn.transport.faults=drop=0.05}); every 10 to 20 s one random node is
 *       frozen with SIGSTOP for 1 s then SIGCONT. At the end, the deaths every node counted
 *       ({@code cairn_membership_deaths_total}) are live nodes declared dead: the target is zero.
 * </ul>
 */
class MembershipBenchmark {
  private static final int NODES = 5;
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<Node> nodes = new ArrayList<>();

  private final class Node {
    final String id;
    final int clusterPort;
    final Path data;
    final List<String> jvm;
    CairnProcess process;
    String base;

    Node(String id, List<String> jvm) throws IOException {
      this.id = id;
      this.clusterPort = freePort();
      this.data = CairnProcess.newDir(dir, id);
      this.jvm = jvm;
    }

    void start(List<String> seeds) throws IOException {
      List<String> args = new ArrayList<>(List.of("--node.id", id, "--http.port", "0", "--http.instances", "1",
          "--cluster.port", Integer.toString(clusterPort), "--data.dir", data.toString(), "--log.level", "INFO"));
      if (!seeds.isEmpty()) {
        args.addAll(List.of("--cluster.seeds", String.join(",", seeds)));
      }
      process = CairnProcess.start(dir, Map.of(), jvm, args.toArray(String[]::new));
      base = "http://127.0.0.1:" + process.port();
    }

    String cluster() {
      return "127.0.0.1:" + clusterPort;
    }
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (Node n : nodes) {
      if (n.process != null) {
        n.process.close();
      }
    }
  }

  @Test
  void detection() throws Exception {
    int trials = Integer.getInteger("cairn.bench.trials", 20);
    startGroup(List.of());
    List<Long> everyone = new ArrayList<>();
    List<Long> firstObserver = new ArrayList<>();
    ExecutorService pollers = Executors.newFixedThreadPool(NODES - 1);
    try {
      for (int t = 0; t < trials; t++) {
        Node victim = nodes.get(t % NODES);
        List<Node> observers = nodes.stream().filter(n -> n != victim).toList();
        long killed = System.nanoTime();
        victim.process.kill();
        List<Future<Long>> seen = new ArrayList<>();
        for (Node o : observers) {
          seen.add(pollers.submit(() -> awaitStatus(o, victim.id, "dead", killed)));
        }
        long max = 0;
        long min = Long.MAX_VALUE;
        for (Future<Long> f : seen) {
          long ms = f.get();
          max = Math.max(max, ms);
          min = Math.min(min, ms);
        }
        everyone.add(max);
        firstObserver.add(min);
        System.out.printf("trial %d: %s dead at the first observer after %d ms, at every observer after %d ms%n",
            t + 1, victim.id, min, max);
        victim.start(observers.stream().map(Node::cluster).toList());
        for (Node o : nodes) {
          awaitStatus(o, victim.id, "alive", System.nanoTime());
        }
        Thread.sleep(5_000); // let the new monitors learn the rhythm of their peers
      }
    } finally {
      pollers.shutdownNow();
    }
    String report = String.format(
        "membership detection, %d nodes, default settings, loopback, %d kill -9 trials%n"
            + "dead at every other member: median %d ms, p99 %d ms, max %d ms%n"
            + "dead at the first member:   median %d ms, p99 %d ms%n"
            + "all (every member, ms): %s%n",
        NODES, trials, percentile(everyone, 50), percentile(everyone, 99), percentile(everyone, 100),
        percentile(firstObserver, 50), percentile(firstObserver, 99), everyone);
    write("membership-detection.txt", report);
  }

  @Test
  void falsePositives() throws Exception {
    Duration length = Duration.ofMinutes(Long.getLong("cairn.bench.minutes", 10));
    startGroup(List.of("-Dcairn.transport.faults=drop=0.05"));
    SplittableRandom random = new SplittableRandom(Long.getLong("cairn.bench.seed", 1));
    long end = System.nanoTime() + length.toNanos();
    int pauses = 0;
    while (System.nanoTime() - end < 0) {
      Thread.sleep(10_000 + random.nextInt(10_000));
      Node n = nodes.get(random.nextInt(NODES));
      n.process.pause();
      Thread.sleep(1_000);
      n.process.resume();
      pauses++;
    }
    Thread.sleep(10_000); // anything still in flight settles
    Map<String, Map<String, Double>> counters = new LinkedHashMap<>();
    List<String> notAlive = new ArrayList<>();
    for (Node n : nodes) {
      counters.put(n.id, counters(n));
      members(n).forEach((id, status) -> {
        if (!"alive".equals(status)) {
          notAlive.add(n.id + " sees " + id + " " + status);
        }
      });
    }
    double deaths = counters.values().stream().mapToDouble(c -> c.getOrDefault("deaths", 0.0)).sum();
    double suspicions = counters.values().stream().mapToDouble(c -> c.getOrDefault("suspicions", 0.0)).sum();
    double refutations = counters.values().stream().mapToDouble(c -> c.getOrDefault("refutations", 0.0)).sum();
    String report = String.format(
        "membership false positives, %d nodes, default settings, loopback, 5%% message loss, %s%n"
            + "SIGSTOP pauses of 1 s: %d%n"
            + "live nodes declared dead (deaths counted by all nodes): %.0f%n"
            + "suspicions seen (summed over nodes): %.0f, refutations seen: %.0f%n"
            + "not alive at the end: %s%nper node: %s%n",
        NODES, length, pauses, deaths, suspicions, refutations, notAlive, counters);
    write("membership-false-positives.txt", report);
  }

  // ---------------------------------------------------------------------------------------------

  private void startGroup(List<String> jvm) throws Exception {
    for (int i = 1; i <= NODES; i++) {
      nodes.add(new Node("bench-" + i, jvm));
    }
    nodes.get(0).start(List.of());
    for (Node n : nodes.subList(1, NODES)) {
      n.start(List.of(nodes.get(0).cluster()));
    }
    for (Node o : nodes) {
      for (Node n : nodes) {
        awaitStatus(o, n.id, "alive", System.nanoTime());
      }
    }
    Thread.sleep(10_000); // detectors fill their windows
  }

  /** Polls every 10 ms until {@code observer} reports {@code id} with {@code status}; ms since {@code since}. */
  private long awaitStatus(Node observer, String id, String status, long since) {
    Awaitility.await().atMost(DEADLINE).pollInterval(Duration.ofMillis(10)).pollDelay(Duration.ZERO)
        .until(() -> status.equals(statusOf(observer, id)));
    return (System.nanoTime() - since) / 1_000_000;
  }

  private String statusOf(Node observer, String id) throws IOException, InterruptedException {
    HttpResponse<String> r = get(observer.base + "/v1/cluster/members/" + id);
    return r.statusCode() == 200 ? new JsonObject(r.body()).getString("status") : null;
  }

  private Map<String, String> members(Node n) throws IOException, InterruptedException {
    Map<String, String> out = new LinkedHashMap<>();
    new JsonObject(get(n.base + "/v1/cluster/members").body()).getJsonArray("members")
        .forEach(m -> out.put(((JsonObject) m).getString("id"), ((JsonObject) m).getString("status")));
    return out;
  }

  /** The membership counters of one node, from its Prometheus page. */
  private Map<String, Double> counters(Node n) throws IOException, InterruptedException {
    Map<String, Double> out = new ConcurrentHashMap<>();
    for (String line : get(n.base + "/metrics").body().split("\n")) {
      for (String name : List.of("deaths", "suspicions", "refutations", "joins", "leaves")) {
        if (line.startsWith("cairn_membership_" + name + "_total")) {
          out.merge(name, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
        }
      }
    }
    return out;
  }

  private HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static long percentile(List<Long> values, int p) {
    long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  private static void write(String name, String report) throws IOException {
    System.out.print(report);
    Path out = Path.of("target", "benchmarks");
    Files.createDirectories(out);
    Files.writeString(out.resolve(name), report);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
