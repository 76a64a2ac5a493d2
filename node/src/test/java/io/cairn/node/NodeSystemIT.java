package io.cairn.node;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real jar as a child process: it serves the API, drains in-flight requests on SIGTERM and
 * exits 0, keeps acknowledged writes across {@code kill -9}, and refuses bad configuration, a
 * taken port and an unreachable store with one line.
 */
class NodeSystemIT {
  private static final Duration STOP_DEADLINE = Duration.ofSeconds(60);
  private static final Pattern ACTIVE = Pattern.compile("(?m)^cairn_http_requests_active\\{[^}]*\\} ([0-9.]+)$");

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @Test
  void servesTheReadmeWalkthroughAndFinishesAnInFlightRequestOnSigterm() throws Exception {
    try (CairnProcess node = CairnProcess.startNode(CairnProcess.newDir(dir, "data"), "--shutdown.grace", "30s")) {
      String base = "http://127.0.0.1:" + node.port();
      awaitReady(base);

      // The README's curl walkthrough.
      assertThat(send(put(base + "/v1/caches/users", "application/json", "{\"maxEntries\":10000}")).statusCode())
          .isEqualTo(201);
      HttpResponse<String> created = send(put(base + "/v1/caches/users/entries/42", "application/json", "{\"name\":\"Ada\"}"));
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      String etag = created.headers().firstValue("ETag").orElseThrow();
      assertThat(etag).matches("\"[0-9]+\"");

      HttpResponse<String> read = send(get(base + "/v1/caches/users/entries/42"));
      assertThat(read.statusCode()).isEqualTo(200);
      assertThat(read.body()).isEqualTo("{\"name\":\"Ada\"}");
      assertThat(read.headers().firstValue("ETag")).hasValue(etag);
      assertThat(read.headers().firstValue("Content-Type")).hasValue("application/json");

      HttpResponse<String> replaced = send(HttpRequest.newBuilder(URI.create(base + "/v1/caches/users/entries/42"))
          .header("Content-Type", "application/json").header("If-Match", etag)
          .PUT(BodyPublishers.ofString("{\"name\":\"Ada Lovelace\"}")).build());
      assertThat(replaced.statusCode()).isEqualTo(200);
      assertThat(replaced.headers().firstValue("ETag")).isPresent().get().isNotEqualTo(etag);

      HttpResponse<String> stale = send(HttpRequest.newBuilder(URI.create(base + "/v1/caches/users/entries/42"))
          .header("Content-Type", "application/json").header("If-Match", etag)
          .PUT(BodyPublishers.ofString("{\"name\":\"Mallory\"}")).build());
      assertThat(stale.statusCode()).isEqualTo(412);
      assertThat(stale.headers().firstValue("Content-Type")).hasValue("application/problem+json");
      assertThat(new JsonObject(stale.body()).getString("type")).isEqualTo("https://cairn.io/problems/precondition-failed");
      assertThat(send(get(base + "/v1/caches/users/entries/42")).body()).isEqualTo("{\"name\":\"Ada Lovelace\"}");

      assertThat(send(HttpRequest.newBuilder(URI.create(base + "/v1/caches/users/entries/42")).DELETE().build())
          .statusCode()).isEqualTo(204);
      assertThat(send(get(base + "/v1/caches/users/entries/42")).statusCode()).isEqualTo(404);

      // The ops endpoints.
      assertThat(send(get(base + "/health/live")).body()).isEqualTo("{\"status\":\"UP\"}");
      String metrics = send(get(base + "/metrics")).body();
      assertThat(metrics).contains("jvm_memory_used_bytes{", "node=\"system-it\"", "cairn_http_requests_active{");

      // A request whose body is still coming when SIGTERM arrives.
      try (Socket slow = new Socket(InetAddress.getLoopbackAddress(), node.port())) {
        slow.setSoTimeout((int) STOP_DEADLINE.toMillis());
        OutputStream out = slow.getOutputStream();
        out.write(("PUT /v1/caches/users/entries/slow HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Content-Type: text/plain\r\nContent-Length: 10\r\n\r\n01234").getBytes(US_ASCII));
        out.flush();
        // The node has its headers once it counts two requests in flight: it and the scrape.
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
            .until(() -> activeRequests(base) >= 2);

        node.terminate();
        node.awaitOut(l -> l.contains("shutdown: stopping the HTTP servers"), STOP_DEADLINE);
        assertThat(node.stdout()).anyMatch(l -> l.contains("shutdown: not ready any more"));

        out.write("56789".getBytes(US_ASCII));
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(slow.getInputStream(), US_ASCII));
        assertThat(in.readLine()).as(node.output()).isEqualTo("HTTP/1.1 201 Created");
      }

      assertThat(node.awaitExit(STOP_DEADLINE)).as(node.output()).isZero();
      assertThat(node.stdout()).anyMatch(l -> l.contains("shutdown: closing the cache service"));
      assertThat(node.stdout()).anyMatch(l -> l.contains("shutdown: done"));
      assertThat(node.stderr()).isEmpty();
    }
  }

  @Test
  void acknowledgedWritesAndCacheDefinitionsSurviveKill9() throws Exception {
    Path data = CairnProcess.newDir(dir, "data");
    String configured = "[{name: configured, maxEntries: 5}]";
    Map<String, String> etags = new LinkedHashMap<>();

    try (CairnProcess node = CairnProcess.startNode(data, "--caches", configured)) {
      String base = "http://127.0.0.1:" + node.port();
      awaitReady(base);
      JsonObject made = new JsonObject(send(get(base + "/v1/caches/configured")).body());
      assertThat(made.getJsonObject("config").getLong("maxEntries")).isEqualTo(5);
      // Reconfigured through the API: the configuration must not undo this on restart.
      assertThat(send(put(base + "/v1/caches/configured", "application/json", "{\"maxEntries\":50}")).statusCode())
          .isEqualTo(200);
      assertThat(send(put(base + "/v1/caches/durable", "application/json", "{\"maxEntries\":1000}")).statusCode())
          .isEqualTo(201);
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> r = send(put(base + "/v1/caches/durable/entries/k" + i, "text/plain", "v" + i));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        etags.put("k" + i, r.headers().firstValue("ETag").orElseThrow());
      }
      assertThat(send(put(base + "/v1/caches/configured/entries/c", "text/plain", "cv")).statusCode()).isEqualTo(201);

      node.kill(); // kill -9: no shutdown hook, no close
    }

    try (CairnProcess node = CairnProcess.startNode(data, "--caches", configured)) {
      String base = "http://127.0.0.1:" + node.port();
      awaitReady(base);
      JsonObject kept = new JsonObject(send(get(base + "/v1/caches/configured")).body());
      assertThat(kept.getJsonObject("config").getLong("maxEntries")).isEqualTo(50);
      JsonObject durable = new JsonObject(send(get(base + "/v1/caches/durable")).body());
      assertThat(durable.getJsonObject("config").getLong("maxEntries")).isEqualTo(1000);
      for (Map.Entry<String, String> e : etags.entrySet()) {
        HttpResponse<String> r = send(get(base + "/v1/caches/durable/entries/" + e.getKey()));
        assertThat(r.statusCode()).as(e.getKey()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("v" + e.getKey().substring(1));
        assertThat(r.headers().firstValue("ETag")).hasValue(e.getValue());
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain");
      }
      assertThat(send(get(base + "/v1/caches/configured/entries/c")).body()).isEqualTo("cv");
      assertThat(node.stdout()).anyMatch(l -> l.contains("cache configured exists with another configuration"));

      node.terminate();
      assertThat(node.awaitExit(STOP_DEADLINE)).as(node.output()).isZero();
    }
  }

  @Test
  void aBadValueExitsWith2AndOneLineNamingTheKey() throws Exception {
    try (CairnProcess node = CairnProcess.start(dir, Map.of("CAIRN_HTTP_PORT", "70x0"),
        "--data.dir", dir.resolve("data").toString())) {
      assertThat(node.awaitExit(STOP_DEADLINE)).as(node.output()).isEqualTo(2);
      assertThat(node.stderr()).containsExactly(
          "cairn: configuration error: http.port: must be an integer from 0 to 65535, got \"70x0\" (from CAIRN_HTTP_PORT)");
      assertThat(node.stdout()).noneMatch(l -> l.contains("Exception") || l.contains("\tat "));
    }
  }

  @Test
  void aTakenPortExitsNonZeroWithOneLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        CairnProcess node = CairnProcess.start(dir, Map.of(), "--http.port", Integer.toString(taken.getLocalPort()),
            "--data.dir", dir.resolve("data").toString(), "--http.instances", "1")) {
      assertThat(node.awaitExit(STOP_DEADLINE)).as(node.output()).isEqualTo(1);
      assertThat(node.stderr()).hasSize(1);
      assertThat(node.stderr().get(0))
          .startsWith("cairn: startup failed: cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": ")
          .containsIgnoringCase("in use");
    }
  }

  @Test
  void anUnreachableStoreExitsNonZeroWithOneLineAndNoPassword() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    try (CairnProcess node = CairnProcess.start(dir, Map.of("CAIRN_STORE_PASSWORD", "s3cret-pw"),
        "--store.url", "jdbc:postgresql://127.0.0.1:" + closedPort + "/cairn", "--store.user", "cairn",
        "--data.dir", dir.resolve("data").toString(), "--http.port", "0")) {
      assertThat(node.awaitExit(STOP_DEADLINE)).as(node.output()).isEqualTo(1);
      assertThat(node.stderr()).hasSize(1);
      assertThat(node.stderr().get(0)).startsWith("cairn: startup failed: the cache service did not start: ")
          .contains("127.0.0.1:" + closedPort);
      assertThat(node.output()).doesNotContain("s3cret-pw");
    }
  }

  // ---- membership

  @Test
  void aNodeWithoutSeedsFormsAGroupOfOneIsReadyAndListsItself() throws Exception {
    try (CairnProcess node = CairnProcess.startNode(CairnProcess.newDir(dir, "data"),
        "--node.zone", "zone-a", "--node.roles", "voter,cache")) {
      String base = "http://127.0.0.1:" + node.port();
      awaitReady(base);
      JsonObject ready = new JsonObject(send(get(base + "/health/ready")).body());
      assertThat(check(ready, "membership").getString("status")).isEqualTo("UP");

      JsonObject list = new JsonObject(send(get(base + "/v1/cluster/members")).body());
      assertThat(list.getString("self")).isEqualTo("system-it");
      assertThat(list.getBoolean("joined")).isTrue();
      assertThat(list.getJsonArray("members")).hasSize(1);
      JsonObject self = list.getJsonArray("members").getJsonObject(0);
      assertThat(self.getString("status")).isEqualTo("alive");
      assertThat(self.getBoolean("local")).isTrue();
      assertThat(self.getJsonObject("metadata").getString("zone")).isEqualTo("zone-a");
      assertThat(self.getJsonObject("metadata").getJsonArray("roles").getList()).containsExactly("cache", "voter");
      assertThat(self.getJsonObject("metadata").getString("apiAddress")).isEqualTo(base);
      // the jar's manifest says which Cairn it is, and the member gossips it
      assertThat(self.getJsonObject("metadata").getString("version")).isNotBlank();

      HttpResponse<String> unknown = send(get(base + "/v1/cluster/members/nobody"));
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(new JsonObject(unknown.body()).getString("type")).isEqualTo("https://cairn.io/problems/no-such-member");

      assertThat(send(get(base + "/metrics")).body())
          .containsPattern("(?m)^cairn_membership_members\\{[^}]*status=\"alive\"[^}]*\\} 1\\.0$")
          .contains("cairn_membership_joins_total{");

      node.terminate();
      assertThat(node.awaitExit(STOP_DEADLINE)).as(node.output()).isZero();
      assertThat(node.stdout()).anyMatch(l -> l.contains("shutdown: leaving the cluster"));
    }
  }

  @Test
  void aNodeWhoseSeedDoesNotAnswerStaysNotReadyAndSaysWhy() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    try (CairnProcess node = CairnProcess.startNode(CairnProcess.newDir(dir, "data"),
        "--cluster.seeds", "127.0.0.1:" + closedPort)) {
      String base = "http://127.0.0.1:" + node.port(); // it serves: the port is open
      Awaitility.await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> send(get(base + "/health/ready")).statusCode() == 503);
      JsonObject ready = new JsonObject(send(get(base + "/health/ready")).body());
      assertThat(check(ready, "lifecycle").getString("status")).isEqualTo("UP");
      assertThat(check(ready, "membership").getString("status")).isEqualTo("DOWN");
      assertThat(check(ready, "membership").getString("detail"))
          .startsWith("not joined").contains("127.0.0.1:" + closedPort);
      assertThat(new JsonObject(send(get(base + "/v1/cluster/members")).body()).getBoolean("joined")).isFalse();
    }
  }

  @Test
  void aBadMembershipValueExitsWith2AndOneLineNamingTheKey() throws Exception {
    try (CairnProcess node = CairnProcess.start(dir, Map.of("CAIRN_MEMBERSHIP_PROBE_TIMEOUT", "2s"),
        "--data.dir", dir.resolve("data").toString())) {
      assertThat(node.awaitExit(STOP_DEADLINE)).as(node.output()).isEqualTo(2);
      assertThat(node.stderr()).containsExactly("cairn: configuration error: membership.probe-timeout: must be shorter "
          + "than membership.probe-interval (500ms), got 2s (from CAIRN_MEMBERSHIP_PROBE_TIMEOUT)");
    }
  }

  private static JsonObject check(JsonObject report, String name) {
    return report.getJsonArray("checks").stream().map(JsonObject.class::cast)
        .filter(c -> c.getString("name").equals(name)).findFirst().orElseThrow();
  }

  // ---- HTTP

  private void awaitReady(String base) {
    Awaitility.await().atMost(CairnProcess.START_DEADLINE).pollInterval(Duration.ofMillis(100))
        .until(() -> send(get(base + "/health/ready")).statusCode() == 200);
  }

  private double activeRequests(String base) throws IOException, InterruptedException {
    Matcher m = ACTIVE.matcher(send(get(base + "/metrics")).body());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return http.send(request, HttpResponse.BodyHandlers.ofString(UTF_8));
  }

  private static HttpRequest get(String uri) {
    return HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30)).GET().build();
  }

  private static HttpRequest put(String uri, String contentType, String body) {
    return HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", contentType).PUT(BodyPublishers.ofString(body)).build();
  }
}
