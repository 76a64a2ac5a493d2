package io.cairn.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;


/**
 * The shared peers' scripts ({@code cairn.bench.peers}, default {@code ../shared/peers} from the
 * project root): the etcd cluster, its failover probe and the lock bench, with their data under
 * the test's temporary folder and their Java programs from {@code cairn.bench.peers.build}
 * (default the peers' {@code /tmp/peers/build}, made by their {@code build.sh}). The scripts
 * inherit this JVM's environment, so their settings (ports such as {@code ETCD_CLIENT_PORTS},
 * {@code ZK_CLASSPATH}) can be exported before Maven is started.
 */
final class BenchPeers {
  final Path home;
  final Path tmp;
  final Path build;

  private BenchPeers(Path home, Path tmp, Path build) {
    this.home = home;
    this.tmp = tmp;
    this.build = build;
  }

  static BenchPeers find(Path dir) {
    String root = System.getProperty("cairn.root", "..");
    Path home = Path.of(System.getProperty("cairn.bench.peers", root + "/../shared/peers")).toAbsolutePath()
        .normalize();
    return new BenchPeers(home, dir.resolve("peers"), Path.of(System.getProperty("cairn.bench.peers.build",
        "/tmp/peers/build")));
  }

  boolean etcdAvailable() {
    return Files.isRegularFile(home.resolve("etcd-cluster.sh")) && onPath("etcd") && onPath("jq");
  }

  boolean failoverAvailable() {
    return etcdAvailable() && Files.isDirectory(build.resolve("java/bench/target/lib"));
  }

  String why() {
    if (!Files.isRegularFile(home.resolve("etcd-cluster.sh"))) {
      return "no peers' scripts at " + home + "; set -Dcairn.bench.peers";
    }
    if (!onPath("etcd") || !onPath("jq")) {
      return "etcd or jq not on the PATH";
    }
    return "the peers' Java programs are not built in " + build + "; run their build.sh";
  }

  private static boolean onPath(String command) {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
        .anyMatch(d -> Files.isExecutable(Path.of(d, command)));
  }

  boolean locksAvailable() {
    return failoverAvailable() && Files.isRegularFile(home.resolve("bench-locks.sh"));
  }

  /**
   * ZooKeeper runs from {@code ZK_CLASSPATH}, by default the Debian package's jars: without that
   * variable and without the package there is no ensemble to start.
   */
  boolean zkAvailable() {
    return System.getenv("ZK_CLASSPATH") != null || Files.isRegularFile(Path.of("/usr/share/java/zookeeper.jar"));
  }

  /**
   * One {@code LOCK_SYSTEMS=.. LOCK_SECONDS=.. REPS=1 bench-locks.sh}: the rows of its
   * {@code locks.tsv} (case, rep, ops/s, p50 ms, p99 ms, max ms, errors).
   */
  List<String[]> locks(String systems, int seconds, int warmup) throws IOException, InterruptedException {
    Path results = tmp.resolve("results");
    Files.deleteIfExists(results.resolve("locks.tsv"));
    run(List.of("bash", home.resolve("bench-locks.sh").toString()), 900, Map.of("LOCK_SYSTEMS", systems,
        "LOCK_SECONDS", Integer.toString(seconds), "LOCK_WARMUP", Integer.toString(warmup), "REPS", "1"));
    return Files.readAllLines(results.resolve("locks.tsv")).stream().map(l -> l.split("\t")).toList();
  }

  /** Runs {@code etcd-cluster.sh ARGS}; its stdout. */
  String etcd(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", home.resolve("etcd-cluster.sh").toString()));
    command.addAll(List.of(args));
    return run(command, 120, Map.of());
  }

  /** One {@code FAILOVER_SYSTEMS=etcd TRIALS=1 bench-failover.sh}: {new leader ms, first write ms}. */
  long[] etcdFailoverTrial() throws IOException, InterruptedException {
    Path results = tmp.resolve("results");
    Files.deleteIfExists(results.resolve("failover.tsv"));
    run(List.of("bash", home.resolve("bench-failover.sh").toString()), 300,
        Map.of("FAILOVER_SYSTEMS", "etcd", "TRIALS", "1"));
    String[] f = Files.readAllLines(results.resolve("failover.tsv")).get(0).split("\t");
    return new long[] {Long.parseLong(f[2]), Long.parseLong(f[3])};
  }

  private String run(List<String> command, int timeoutSeconds, Map<String, String> settings)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    Map<String, String> env = pb.environment();
    env.put("PEERS_TMP", tmp.toString());
    env.put("PEERS_BUILD", build.toString());
    env.put("RESULTS_DIR", tmp.resolve("results").toString());
    env.putAll(settings);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(command + " did not end within " + timeoutSeconds + " s");
    }
    if (p.exitValue() != 0) {
      throw new IOException(command + " exited " + p.exitValue() + ": " + out);
    }
    return out;
  }
}
