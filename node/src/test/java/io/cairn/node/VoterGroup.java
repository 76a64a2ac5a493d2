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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;

/**
 * A coordination group of real node processes for the system tests: the voters {@link #IDS}
 * ({@code --cp.voters 3 --cp.initial-voters a,b,c}), each started from the built jar with its data
 * in {@code dir/<id>} on a cluster port of the caller's choice and a free HTTP port. {@link
 * #close()} kills every process it started and keeps each one's output in {@code logs} (one file
 * per start, {@code <n>-<id>.log}) for diagnosis.
 */
final class VoterGroup implements AutoCloseable {
  static final List<String> IDS = List.of("a", "b", "c");
  /** Generous: three JVMs start on two shared cores. */
  static final Duration FORM_DEADLINE = Duration.ofSeconds(60);

  /** One running node: its id, API base URL, cluster address and process. */
  record Node(String id, String base, String clusterAddress, CairnProcess process) {
    URI uri(String path) {
      return URI.create(base + path);
    }
  }

  private final Path dir;
  private final Path logs;
  private final Duration requestTimeout;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private final List<CairnProcess> processes = new CopyOnWriteArrayList<>();
  /** "n-id" -> process, in start order. */
  private final Map<String, CairnProcess> named = new LinkedHashMap<>();
  /** Set by {@link #close()}: a node started after it (from another thread) is killed at once. */
  private boolean closed;

  /**
   * @param dir where each node's data directory goes
   * @param logs where {@link #close()} keeps the processes' output
   * @param requestTimeout the HTTP timeout of {@link #send}
   */
  VoterGroup(Path dir, Path logs, Duration requestTimeout) {
    this.dir = dir;
    this.logs = logs;
    this.requestTimeout = requestTimeout;
  }

  /** Starts one voter {@code id} on {@code clusterPort} and waits until it is ready. */
  Node start(String id, int clusterPort, String seeds) throws IOException {
    return startAll(List.of(id), Map.of(id, clusterPort), seeds).get(0);
  }

  /**
   * Starts the voters {@code ids} at once (as pods of a StatefulSet may start), each on its port of
   * {@code clusterPorts}, and waits until each is ready; in the order of {@code ids}.
   */
  List<Node> startAll(List<String> ids, Map<String, Integer> clusterPorts, String seeds) throws IOException {
    List<CairnProcess> started = new ArrayList<>();
    for (String id : ids) {
      CairnProcess p = CairnProcess.start(dir, Map.of(), "--node.id", id, "--http.port", "0", "--http.instances", "1",
          "--cluster.port", Integer.toString(clusterPorts.get(id)), "--cluster.seeds", seeds,
          "--data.dir", CairnProcess.newDir(dir, id).toString(), "--shutdown.grace", "5s",
          "--cp.voters", "3", "--cp.initial-voters", String.join(",", IDS));
      synchronized (named) {
        if (closed) {
          p.terminate(); // not kill(): no wait for it, under this lock
          throw new IllegalStateException("the group is closed");
        }
        processes.add(p);
        named.put(processes.size() + "-" + id, p);
      }
      started.add(p);
    }
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      CairnProcess p = started.get(i);
      nodes.add(new Node(id, "http://127.0.0.1:" + p.port(), "127.0.0.1:" + clusterPorts.get(id), p));
    }
    return nodes;
  }

  /** Starts the three voters at once on free ports, seeded with a's address; returns them in the order of {@link #IDS}. */
  List<Node> startThree() throws IOException {
    Map<String, Integer> ports = freePorts();
    return startAll(IDS, ports, "127.0.0.1:" + ports.get("a"));
  }

  /** Waits until every node of {@code nodes} names the same leader, one of them, which says it leads; returns its id. */
  String awaitOneLeader(List<Node> nodes) {
    String[] leader = new String[1];
    Awaitility.await().atMost(FORM_DEADLINE).pollInterval(Duration.ofMillis(100)).ignoreException(IOException.class)
        .until(() -> {
          List<String> seen = new ArrayList<>();
          for (Node n : nodes) {
            seen.add(raft(n).getString("leader"));
          }
          String first = seen.get(0);
          if (first == null || seen.stream().anyMatch(s -> !first.equals(s))) {
            return false;
          }
          Node l = nodes.stream().filter(n -> n.id().equals(first)).findFirst().orElse(null);
          if (l == null || !"LEADER".equals(raft(l).getString("role"))) {
            return false;
          }
          leader[0] = first;
          return true;
        });
    return leader[0];
  }

  /** {@code GET /v1/cluster/raft} of {@code n}, which must answer 200. */
  JsonObject raft(Node n) throws IOException {
    HttpResponse<String> r = send(HttpRequest.newBuilder(n.uri("/v1/cluster/raft")).GET());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  static Node node(List<Node> nodes, String id) {
    return nodes.stream().filter(n -> n.id().equals(id)).findFirst().orElseThrow();
  }

  /** Sends with the request timeout; an interrupted or timed-out request is an {@link IOException} (unknown outcome). */
  HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
    try {
      return http.send(request.timeout(requestTimeout).build(), HttpResponse.BodyHandlers.ofString(UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** A distinct free cluster port for each of {@link #IDS} (the probes stay open until all are picked). */
  static Map<String, Integer> freePorts() throws IOException {
    Map<String, Integer> ports = new HashMap<>();
    List<ServerSocket> probes = new ArrayList<>();
    try {
      for (String id : IDS) {
        ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        probes.add(probe);
        ports.put(id, probe.getLocalPort());
      }
    } finally {
      for (ServerSocket probe : probes) {
        probe.close();
      }
    }
    return ports;
  }

  static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }

  /** Kills every process still running and writes each one's output to {@code logs}. */
  @Override
  public void close() throws InterruptedException, IOException {
    Files.createDirectories(logs);
    synchronized (named) {
      closed = true;
    }
    for (CairnProcess p : processes) {
      p.close();
    }
    synchronized (named) {
      for (Map.Entry<String, CairnProcess> e : named.entrySet()) {
        Files.writeString(logs.resolve(e.getKey() + ".log"), e.getValue().output(), UTF_8);
      }
    }
  }
}
