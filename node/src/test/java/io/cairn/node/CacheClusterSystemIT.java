package io.cairn.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three node processes from the built jar form one cluster whose cache has one backup and the
 * embedded store: 10,000 keys are written through all three (some twice), the coordination
 * group's leader is killed with {@code kill -9}, and every acknowledged key must be read back
 * through each survivor with its last value and version. Then every node stops and all three
 * start again on their data: every key is still there.
 */
class CacheClusterSystemIT {
  private static final int KEYS = Integer.getInteger("cairn.it.cache-keys", 10_000);
  private static final Duration DEADLINE = Duration.ofSeconds(90);
  /** The processes' output, kept for diagnosis. */
  private static final Path LOGS = Path.of("target", "cache-cluster-system-it");

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  private HttpResponse<String> send(HttpRequest.Builder b) throws IOException {
    try {
      return http.send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString(UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** Waits until every node is ready (its caches served) and each partition has its target's owner and a backup. */
  private void awaitSettled(List<VoterGroup.Node> nodes) {
    Awaitility.await().atMost(DEADLINE).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
      for (VoterGroup.Node n : nodes) {
        if (send(HttpRequest.newBuilder(n.uri("/health/ready")).GET()).statusCode() != 200) {
          return false;
        }
      }
      JsonObject p = new JsonObject(send(HttpRequest.newBuilder(nodes.get(0).uri("/v1/cluster/partitions")).GET())
          .body());
      if (!p.containsKey("target") || !p.getJsonArray("migrations").isEmpty()) {
        return false;
      }
      JsonArray target = p.getJsonObject("target").getJsonArray("owners");
      for (VoterGroup.Node n : nodes) { // a restarted node's target: not the old one that lacked it
        if (!target.contains(n.id())) {
          return false;
        }
      }
      for (Object o : p.getJsonArray("partitions")) {
        JsonObject h = (JsonObject) o;
        if (!target.getString(h.getInteger("partition")).equals(h.getString("owner"))
            || h.getJsonArray("backups").size() != 1) {
          return false;
        }
      }
      return true;
    });
  }

  /** The last acknowledged write of each key: its value and ETag. */
  private record Written(String value, String etag) {}

  @Test
  void everyAcknowledgedKeySurvivesAKill9AndAFullRestart() throws Exception {
    Map<String, Written> written = new ConcurrentHashMap<>();
    Map<String, Integer> ports;
    try (VoterGroup group = new VoterGroup(dir, LOGS.resolve("first"), Duration.ofSeconds(20))) {
      ports = VoterGroup.freePorts();
      List<VoterGroup.Node> nodes = group.startAll(VoterGroup.IDS, ports, "127.0.0.1:" + ports.get("a"));
      group.awaitOneLeader(nodes);
      awaitSettled(nodes);
      HttpResponse<String> created = send(HttpRequest.newBuilder(nodes.get(0).uri("/v1/caches/kv"))
          .header("Content-Type", "application/json")
          .PUT(HttpRequest.BodyPublishers.ofString("{\"maxEntries\":100000,\"backups\":1,\"store\":\"jdbc\"}")));
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

      writeAll(nodes, written);
      assertThat(written).hasSize(KEYS);

      String leader = group.awaitOneLeader(nodes);
      VoterGroup.Node victim = VoterGroup.node(nodes, leader);
      victim.process().kill();
      List<VoterGroup.Node> survivors = new ArrayList<>(nodes);
      survivors.remove(victim);
      for (VoterGroup.Node n : survivors) {
        readAll(n, written, "after " + leader + " was killed, through " + n.id());
      }
      for (VoterGroup.Node n : survivors) {
        n.process().terminate();
        assertThat(n.process().awaitExit(Duration.ofSeconds(40))).as(n.process().output()).isZero();
      }
    }

    try (VoterGroup group = new VoterGroup(dir, LOGS.resolve("restarted"), Duration.ofSeconds(20))) {
      List<VoterGroup.Node> nodes = group.startAll(VoterGroup.IDS, ports, "127.0.0.1:" + ports.get("a"));
      group.awaitOneLeader(nodes);
      for (VoterGroup.Node n : nodes) {
        readAll(n, written, "after all three restarted, through " + n.id());
      }
    }
  }

  /** Writes every key once through the nodes in turn, and every tenth key a second time through another. */
  private void writeAll(List<VoterGroup.Node> nodes, Map<String, Written> written) throws Exception {
    Semaphore inFlight = new Semaphore(32);
    List<CompletableFuture<Void>> all = new ArrayList<>();
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < KEYS; i++) {
        if (round == 1 && i % 10 != 0) {
          continue;
        }
        String key = "k" + i;
        String value = "v" + i + "-" + round;
        VoterGroup.Node via = nodes.get((i + round) % nodes.size());
        inFlight.acquire();
        HttpRequest request = HttpRequest.newBuilder(via.uri("/v1/caches/kv/entries/" + key))
            .timeout(Duration.ofSeconds(30)).header("Content-Type", "text/plain")
            .PUT(HttpRequest.BodyPublishers.ofString(value)).build();
        all.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString(UTF_8)).handle((r, t) -> {
          inFlight.release();
          if (t != null || (r.statusCode() != 200 && r.statusCode() != 201)) {
            failures.add(key + " via " + via.id() + ": " + (t != null ? t : r.statusCode() + " " + r.body()));
          } else {
            written.put(key, new Written(value, r.headers().firstValue("ETag").orElseThrow()));
          }
          return null;
        }));
      }
      CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).join();
    }
    assertThat(failures).as("writes that were not acknowledged").isEmpty();
  }

  /** Every key reads back through {@code n} with its last acknowledged value and version (retried while partitions fail over). */
  private void readAll(VoterGroup.Node n, Map<String, Written> written, String when) {
    Map<String, String> wrong = new HashMap<>();
    try {
      awaitAll(n, written, when, wrong);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      List<String> some = wrong.entrySet().stream().limit(20).map(x -> x.getKey() + ": " + x.getValue()).toList();
      throw new AssertionError(when + ": " + wrong.size() + " keys still wrong, such as " + some, e);
    }
  }

  private void awaitAll(VoterGroup.Node n, Map<String, Written> written, String when, Map<String, String> wrong) {
    Awaitility.await(when).atMost(DEADLINE).pollInterval(Duration.ofSeconds(1)).until(() -> {
      wrong.clear();
      List<String> keys = new ArrayList<>(written.keySet());
      for (int from = 0; from < keys.size(); from += 200) {
        JsonArray batch = new JsonArray();
        keys.subList(from, Math.min(from + 200, keys.size())).forEach(batch::add);
        HttpResponse<String> r;
        try {
          r = send(HttpRequest.newBuilder(n.uri("/v1/caches/kv/bulk-get"))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("keys", batch).encode())));
        } catch (IOException e) {
          wrong.put("*", e.toString());
          return false;
        }
        if (r.statusCode() != 200) {
          wrong.put("*", r.statusCode() + " " + r.body());
          return false;
        }
        for (Object o : new JsonObject(r.body()).getJsonArray("entries")) {
          JsonObject item = (JsonObject) o;
          Written w = written.get(item.getString("key"));
          String value = item.getBoolean("found")
              ? new String(java.util.Base64.getDecoder().decode(item.getString("value")), UTF_8) : null;
          String etag = item.containsKey("version") ? "\"" + item.getLong("version") + "\"" : null;
          if (!w.value().equals(value) || !w.etag().equals(etag)) {
            wrong.put(item.getString("key"), value + " " + etag + " instead of " + w);
          }
        }
      }
      return wrong.isEmpty();
    });
  }
}
