package io.cairn.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real processes form a cluster through one seed; {@code kill -9} of one is reported
 * {@code dead} by the other two through the API, and a graceful stop (SIGTERM) is reported
 * {@code left}, never {@code dead}.
 */
class ClusterSystemIT {
  /** Generous: detection takes about 3 s with the defaults, on a small shared machine. */
  private static final Duration DETECTION_DEADLINE = Duration.ofSeconds(30);
  private static final Duration STOP_DEADLINE = Duration.ofSeconds(60);

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final List<CairnProcess> processes = new ArrayList<>();

  /** One running node: its id, its API base URL, its cluster address and its process. */
  private record Running(String id, String base, String clusterAddress, CairnProcess process) {}

  @AfterEach
  void stopAll() throws InterruptedException {
    for (CairnProcess p : processes) {
      p.close();
    }
  }

  private Running start(String id, String seeds) throws IOException {
    int clusterPort = freePort();
    List<String> args = new ArrayList<>(List.of("--node.id", id, "--http.port", "0", "--http.instances", "1",
        "--cluster.port", Integer.toString(clusterPort), "--data.dir", CairnProcess.newDir(dir, id).toString(),
        "--shutdown.grace", "5s"));
    if (seeds != null) {
      args.addAll(List.of("--cluster.seeds", seeds));
    }
    CairnProcess p = CairnProcess.start(dir, Map.of(), args.toArray(String[]::new));
    processes.add(p);
    return new Running(id, "http://127.0.0.1:" + p.port(), "127.0.0.1:" + clusterPort, p);
  }

  /** Three nodes: the first forms the group, the others join through it; each sees all three alive and is ready. */
  private List<Running> threeNodes() throws IOException {
    Running a = start("node-a", null);
    Running b = start("node-b", a.clusterAddress());
    Running c = start("node-c", a.clusterAddress());
    List<Running> all = List.of(a, b, c);
    for (Running n : all) {
      Awaitility.await().atMost(DETECTION_DEADLINE).pollInterval(Duration.ofMillis(200))
          .untilAsserted(() -> assertThat(statuses(n))
              .as("members as %s sees them", n.id())
              .containsExactlyInAnyOrderEntriesOf(Map.of("node-a", "alive", "node-b", "alive", "node-c", "alive")));
      Awaitility.await().atMost(DETECTION_DEADLINE).pollInterval(Duration.ofMillis(200))
          .until(() -> get(n.base() + "/health/ready").statusCode() == 200);
    }
    return all;
  }

  @Test
  void aKilledNodeIsReportedDeadByTheOthers() throws Exception {
    List<Running> nodes = threeNodes();
    Running victim = nodes.get(1);
    victim.process().kill(); // SIGKILL: no leave goes out
    long killed = System.nanoTime();
    for (Running n : List.of(nodes.get(0), nodes.get(2))) {
      Awaitility.await().atMost(DETECTION_DEADLINE).pollInterval(Duration.ofMillis(100))
          .untilAsserted(() -> assertThat(statuses(n)).as("as %s sees them", n.id()).containsEntry(victim.id(), "dead"));
    }
    System.out.printf("node-b reported dead by both others %d ms after kill -9%n",
        (System.nanoTime() - killed) / 1_000_000);
    for (Running n : List.of(nodes.get(0), nodes.get(2))) {
      Map<String, String> seen = statuses(n);
      assertThat(seen).containsEntry(nodes.get(0).id(), "alive").containsEntry(nodes.get(2).id(), "alive");
      assertThat(get(n.base() + "/health/ready").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aGracefullyStoppedNodeIsLeftNeverDead() throws Exception {
    List<Running> nodes = threeNodes();
    Running leaver = nodes.get(2);
    Set<String> seen = ConcurrentHashMap.newKeySet();
    leaver.process().terminate(); // SIGTERM
    for (Running n : nodes.subList(0, 2)) {
      Awaitility.await().atMost(DETECTION_DEADLINE).pollInterval(Duration.ofMillis(100)).until(() -> {
        String status = statuses(n).get(leaver.id());
        seen.add(status);
        return "left".equals(status);
      });
    }
    assertThat(leaver.process().awaitExit(STOP_DEADLINE)).as(leaver.process().output()).isZero();
    assertThat(leaver.process().stdout()).anyMatch(l -> l.contains("shutdown: leaving the cluster"));
    // Long past the time a failure would take to be declared: still left, never dead.
    Awaitility.await().during(Duration.ofSeconds(5)).atMost(DETECTION_DEADLINE).pollInterval(Duration.ofMillis(200))
        .until(() -> {
          for (Running n : nodes.subList(0, 2)) {
            String status = statuses(n).get(leaver.id());
            seen.add(status);
            if (!"left".equals(status)) {
              return false;
            }
          }
          return true;
        });
    assertThat(seen).doesNotContain("dead", "suspect");
  }

  // ---- helpers

  /** id -> status, as {@code n} reports its members. */
  private Map<String, String> statuses(Running n) throws IOException, InterruptedException {
    HttpResponse<String> r = get(n.base() + "/v1/cluster/members");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    Map<String, String> out = new LinkedHashMap<>();
    new JsonObject(r.body()).getJsonArray("members").forEach(m -> {
      JsonObject member = (JsonObject) m;
      out.put(member.getString("id"), member.getString("status"));
    });
    return out;
  }

  private HttpResponse<String> get(String uri) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString(UTF_8));
  }

  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }
}
