package io.cairn.node;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/**
 * A 3-voter coordination group of real node processes on loopback for the benchmarks
 * ({@link RaftBenchmark}, {@link LockBenchmark}): the built jar at the default settings
 * ({@code --cp.voters 3 --cp.initial-voters a,b,c}, fsync per group commit), each node in a JVM
 * as {@link CairnProcess} starts it but with a 512 MiB heap and the C2 compiler on (the system
 * tests' C1-only JVM would understate throughput); and the helpers the benchmarks share
 * (percentiles, the leader's {@code /metrics}, CPU time of processes, the report file).
 */
final class BenchGroup implements AutoCloseable {
  static final String VALUE = "value-0123456789";
  static final Duration DEADLINE = Duration.ofSeconds(60);
  static final List<String> JVM = List.of("-Xmx512m", "-Xms512m", "-XX:TieredStopAtLevel=4");

  final java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
      .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(1)).build();
  final List<Node> nodes = new ArrayList<>();
  private final Path dir;

  private BenchGroup(Path dir) {
    this.dir = dir;
  }

  /** Starts nodes a, b and c in {@code dir} and waits until all three replicate. */
  static BenchGroup start(Path dir) throws Exception {
    BenchGroup group = new BenchGroup(dir);
    group.startGroup();
    return group;
  }

  final class Node {
    final String id;
    final int clusterPort;
    final int httpPort;
    final Path data;
    CairnProcess process;

    Node(String id) throws IOException {
      this.id = id;
      this.clusterPort = freePort();
      this.httpPort = freePort();
      this.data = CairnProcess.newDir(dir, id);
    }

    void start() throws IOException {
      List<String> seeds = nodes.stream().filter(n -> n != this).map(n -> "127.0.0.1:" + n.clusterPort).toList();
      process = CairnProcess.start(dir, Map.of(), JVM, "--node.id", id,
          "--http.port", Integer.toString(httpPort), "--cluster.port", Integer.toString(clusterPort),
          "--cluster.seeds", String.join(",", seeds), "--data.dir", data.toString(), "--log.level", "INFO",
          "--cp.voters", "3", "--cp.initial-voters", "a,b,c");
    }

    String base() {
      return "http://127.0.0.1:" + httpPort;
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (Node n : nodes) {
      if (n.process != null && !n.process.isAlive()) {
        // A node that ended on its own: say how, before its output is gone with the temporary folder.
        String[] out = n.process.output().split("\n");
        System.out.println("node " + n.id + " had ended before the benchmark stopped it; its last lines:");
        Arrays.stream(out, Math.max(0, out.length - 40), out.length).forEach(l -> System.out.println("  " + l));
      }
      if (n.process != null) {
        n.process.close();
      }
    }
  }

  /** The operating system's ids of the node processes. */
  List<Long> pids() {
    return nodes.stream().map(n -> n.process.pid()).toList();
  }

  private void startGroup() throws Exception {
    for (String id : List.of("a", "b", "c")) {
      nodes.add(new Node(id));
    }
    for (Node n : nodes) {
      n.start();
    }
    for (Node n : nodes) {
      n.process.port();
    }
    awaitAllReplicating();
  }

  /** The node every node names as leader. */
  Node awaitLeader() {
    Node[] found = new Node[1];
    Awaitility.await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> {
      String leader = null;
      for (Node n : nodes) {
        Optional<JsonObject> s = raft(n);
        if (s.isEmpty() || s.get().getString("leader") == null
            || (leader != null && !leader.equals(s.get().getString("leader")))) {
          return false;
        }
        leader = s.get().getString("leader");
      }
      String id = leader;
      found[0] = nodes.stream().filter(n -> n.id.equals(id)).findFirst().orElse(null);
      return found[0] != null;
    });
    return found[0];
  }

  /**
   * A leader that every node agrees on, that commits a write, and that every node has applied.
   * (The leader's {@code progress} in {@code GET /v1/cluster/raft} is empty in this version, so
   * the followers' replication is judged by their own applied index.)
   */
  void awaitAllReplicating() {
    Awaitility.await().atMost(DEADLINE).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
      Node leader = awaitLeader();
      HttpResponse<String> r = putRegister(leader.base(), "settle", 2000);
      if (r.statusCode() != 200) {
        return false;
      }
      long version = new JsonObject(r.body()).getLong("version");
      Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() ->
          nodes.stream().allMatch(n -> raft(n).map(s -> s.getLong("appliedIndex") >= version).orElse(false)));
      return true;
    });
  }

  Optional<JsonObject> raft(Node n) {
    try {
      HttpResponse<String> r = get(n.base() + "/v1/cluster/raft", 1000);
      return r.statusCode() == 200 ? Optional.of(new JsonObject(r.body())) : Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  HttpRequest putRequest(String base, String name, int timeoutMs, String ifMatch) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/v1/registers/" + name))
        .timeout(Duration.ofMillis(timeoutMs)).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString("{\"value\":\"" + VALUE + "\"}"));
    if (ifMatch != null) {
      b.header("If-Match", ifMatch);
    }
    return b.build();
  }

  HttpResponse<String> putRegister(String base, String name, int timeoutMs) throws Exception {
    return http.send(putRequest(base, name, timeoutMs, null), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String url, int timeoutMs) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMillis(timeoutMs)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  // ============================================================================== metrics

  static final long CLK_TCK = 100; // USER_HZ on Linux

  static long cpuTicks(List<Long> pids) {
    long total = 0;
    for (long pid : pids) {
      try {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        total += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
      } catch (IOException | RuntimeException gone) {
        // not running
      }
    }
    return total;
  }

  static final Pattern NODE_LABEL = Pattern.compile("node=\"[^\"]*\",?");

  /** Every sample of a Prometheus page, by its name and labels without the {@code node} label. */
  Map<String, Double> metrics(String base) {
    Map<String, Double> out = new LinkedHashMap<>();
    try {
      for (String line : get(base + "/metrics", 5000).body().split("\n")) {
        if (line.startsWith("#") || line.isBlank()) {
          continue;
        }
        int space = line.lastIndexOf(' ');
        String name = NODE_LABEL.matcher(line.substring(0, space)).replaceAll("").replace(",}", "}").replace("{}", "");
        try {
          out.put(name, Double.parseDouble(line.substring(space + 1)));
        } catch (NumberFormatException ignored) {
          // not a sample
        }
      }
    } catch (Exception e) {
      // no metrics this time
    }
    return out;
  }

  static double delta(Map<String, Double> a, Map<String, Double> b, String name) {
    return b.getOrDefault(name, 0.0) - a.getOrDefault(name, 0.0);
  }

  static String cairnDisk(Map<String, Double> a, Map<String, Double> b) {
    double fsyncs = delta(a, b, "cairn_raft_wal_fsync_seconds_count");
    double fsyncSum = delta(a, b, "cairn_raft_wal_fsync_seconds_sum");
    double entries = delta(a, b, "cairn_raft_wal_fsync_entries_sum");
    double commits = delta(a, b, "cairn_raft_commit_latency_seconds_count");
    double commitSum = delta(a, b, "cairn_raft_commit_latency_seconds_sum");
    return String.format("| leader: wal fsyncs %.0f, avg %.3f ms, entries/fsync %.2f, p99 %.3f ms;"
            + " commits %.0f, avg commit %.3f ms, p99 %.3f ms",
        fsyncs, fsyncs == 0 ? 0 : fsyncSum * 1000 / fsyncs, fsyncs == 0 ? 0 : entries / fsyncs,
        b.getOrDefault("cairn_raft_wal_fsync_seconds{quantile=\"0.99\"}", 0.0) * 1000,
        commits, commits == 0 ? 0 : commitSum * 1000 / commits,
        b.getOrDefault("cairn_raft_commit_latency_seconds{quantile=\"0.99\"}", 0.0) * 1000);
  }

  // ============================================================================== helpers

  static final class Latencies {
    long[] values = new long[1 << 16];
    int size;

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    /** The latencies recorded over {@code seconds}, summed up. */
    Summary summarize(int seconds) {
      long[] sorted = Arrays.copyOf(values, size);
      Arrays.sort(sorted);
      return new Summary(sorted.length, sorted.length / (double) seconds, nth(sorted, 0.50) / 1e6,
          nth(sorted, 0.99) / 1e6, sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6);
    }
  }

  /** Operations, operations per second and latencies in milliseconds of one run. */
  record Summary(long ops, double opsPerSecond, double p50Ms, double p99Ms, double maxMs) {}

  static long nth(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  static double median(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    int m = s.length;
    return m == 0 ? 0 : (m % 2 == 1 ? s[m / 2] : (s[m / 2 - 1] + s[m / 2]) / 2);
  }

  static long percentile(List<Long> values, int p) {
    long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  static long ms(long nanos) {
    return nanos < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void write(String name, String report) throws IOException {
    System.out.print(report);
    Path out = Path.of("target", "benchmarks");
    Files.createDirectories(out);
    Files.writeString(out.resolve(name), report);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
