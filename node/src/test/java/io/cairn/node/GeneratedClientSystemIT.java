package io.cairn.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.cairn.cache.testing.PostgresServer;
import io.cairn.client.ApiClient;
import io.cairn.client.ApiException;
import io.cairn.client.ApiResponse;
import io.cairn.client.api.CachesApi;
import io.cairn.client.api.ClusterApi;
import io.cairn.client.api.CountersApi;
import io.cairn.client.api.EntriesApi;
import io.cairn.client.api.LocksApi;
import io.cairn.client.api.RegistersApi;
import io.cairn.client.api.SessionsApi;
import io.cairn.client.model.BulkGetItem;
import io.cairn.client.model.BulkGetRequest;
import io.cairn.client.model.Cache;
import io.cairn.client.model.CacheConfig;
import io.cairn.client.model.CounterAdd;
import io.cairn.client.model.EntryMetadata;
import io.cairn.client.model.LockAcquire;
import io.cairn.client.model.LockGrant;
import io.cairn.client.model.RaftStatus;
import io.cairn.client.model.Register;
import io.cairn.client.model.RegisterWrite;
import io.cairn.client.model.Session;
import io.cairn.client.model.SessionCreate;
import io.cairn.node.examples.LeaderLoop;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's walkthrough, driven through the Java client that openapi-generator makes from
 * openapi.yaml during the build (as an application would use Cairn), against the real jar: once
 * with the embedded store and once written through to a real PostgreSQL, where the rows are then
 * read back from PostgreSQL itself after a restart of the node.
 */
class GeneratedClientSystemIT {
  @TempDir Path dir;

  @Test
  void walkthroughWithTheEmbeddedStore() throws Exception {
    try (CairnProcess node = CairnProcess.startNode(dir.resolve("data"))) {
      walkthrough(client(node.port()));
    }
  }

  /** Registers and counters: a compare-and-set loop as an application writes it, through the client. */
  @Test
  void registersAndCountersThroughTheGeneratedClient() throws Exception {
    try (CairnProcess node = CairnProcess.startNode(dir.resolve("data"))) {
      ApiClient client = client(node.port());
      RegistersApi registers = new RegistersApi(client);
      Register first = registers.putRegister("leader", new RegisterWrite().value("web-1"), null, "*");
      assertThat(first.getValue()).isEqualTo("web-1");
      ApiException taken = catchThrowableOfType(
          () -> registers.putRegister("leader", new RegisterWrite().value("web-2"), null, "*"), ApiException.class);
      assertThat(taken.getCode()).isEqualTo(412);
      assertThat(JsonParser.parseString(taken.getResponseBody()).getAsJsonObject().get("type").getAsString())
          .isEqualTo("https://cairn.io/problems/precondition-failed");

      ApiResponse<Register> read = registers.getRegisterWithHttpInfo("leader");
      assertThat(header(read.getHeaders(), "ETag")).isEqualTo("\"" + first.getVersion() + "\"");
      Register moved = registers.putRegister("leader", new RegisterWrite().value("web-2"),
          "\"" + first.getVersion() + "\"", null);
      assertThat(moved.getVersion()).isGreaterThan(first.getVersion());
      ApiException stale = catchThrowableOfType(() -> registers.putRegister("leader", new RegisterWrite().value("web-3"),
          "\"" + first.getVersion() + "\"", null), ApiException.class);
      assertThat(stale.getCode()).isEqualTo(412);
      registers.deleteRegister("leader", "\"" + moved.getVersion() + "\"");
      assertThat(catchThrowableOfType(() -> registers.getRegister("leader"), ApiException.class).getCode())
          .isEqualTo(404);

      CountersApi counters = new CountersApi(client);
      assertThat(counters.addToCounter("jobs", new CounterAdd().delta(5L)).getValue()).isEqualTo(5L);
      assertThat(counters.addToCounter("jobs", new CounterAdd().delta(-2L)).getValue()).isEqualTo(3L);
      assertThat(counters.getCounter("jobs").getValue()).isEqualTo(3L);

      RaftStatus raft = new ClusterApi(client).getRaftStatus();
      assertThat(raft.getRole()).hasToString("LEADER");
      assertThat(raft.getVoters()).containsExactly(raft.getNode());
    }
  }

  @Test
  void walkthroughWrittenThroughToPostgresSurvivesARestart() throws Exception {
    try (PostgresServer pg = PostgresServer.launch()) {
      String[] store = {"--store.url", pg.jdbcUrl(), "--store.user", pg.user()};
      EntryMetadata kept;
      try (CairnProcess node = CairnProcess.startNode(dir.resolve("data"), store)) {
        ApiClient client = client(node.port());
        walkthrough(client);
        kept = new EntriesApi(client).putEntry("users", "kept", file("{\"name\":\"Kim\"}"), null, null, null, null, null);
      }
      // A new node with an empty data dir on the same PostgreSQL: the definition is gone with
      // the data dir, the rows are not; defining the cache again reads them back from the store.
      try (CairnProcess node = CairnProcess.startNode(dir.resolve("data-2"), store)) {
        ApiClient client = client(node.port());
        new CachesApi(client).putCache("users", new CacheConfig().maxEntries(1000L));
        ApiResponse<File> got = new EntriesApi(client).getEntryWithHttpInfo("users", "kept", null);
        assertThat(Files.readString(got.getData().toPath())).isEqualTo("{\"name\":\"Kim\"}");
        assertThat(header(got.getHeaders(), "ETag")).isEqualTo("\"" + kept.getVersion() + "\"");
      }
    }
  }

  private void walkthrough(ApiClient client) throws Exception {
    CachesApi caches = new CachesApi(client);
    EntriesApi entries = new EntriesApi(client);

    Cache created = caches.putCache("users", new CacheConfig().maxEntries(1000L).defaultTtlMillis(3_600_000L));
    assertThat(created.getName()).isEqualTo("users");
    assertThat(created.getConfig().getMaxEntries()).isEqualTo(1000L);
    assertThat(created.getConfig().getStore()).hasToString("jdbc");

    ApiResponse<EntryMetadata> put = entries.putEntryWithHttpInfo(
        "users", "42", file("{\"name\":\"Ada\"}"), null, "*", null, null, null);
    assertThat(put.getStatusCode()).isEqualTo(201);
    long version = put.getData().getVersion();
    assertThat(header(put.getHeaders(), "ETag")).isEqualTo("\"" + version + "\"");
    assertThat(put.getData().getSize()).isEqualTo(14L);
    assertThat(put.getData().getExpiresAt()).isNotNull();

    ApiResponse<File> got = entries.getEntryWithHttpInfo("users", "42", null);
    assertThat(got.getStatusCode()).isEqualTo(200);
    assertThat(Files.readString(got.getData().toPath())).isEqualTo("{\"name\":\"Ada\"}");
    assertThat(header(got.getHeaders(), "ETag")).isEqualTo("\"" + version + "\"");

    // A conditional put with a stale ETag conflicts, and the stored value is unchanged.
    EntryMetadata replaced = entries.putEntry("users", "42", file("{\"name\":\"Ada L.\"}"), "\"" + version + "\"", null, null, null, null);
    assertThat(replaced.getVersion()).isGreaterThan(version);
    ApiException conflict = catchThrowableOfType(ApiException.class,
        () -> entries.putEntry("users", "42", file("{\"name\":\"Bob\"}"), "\"" + version + "\"", null, null, null, null));
    assertThat(conflict.getCode()).isEqualTo(412);
    assertThat(header(conflict.getResponseHeaders(), "Content-Type")).startsWith("application/problem+json");
    JsonObject problem = JsonParser.parseString(conflict.getResponseBody()).getAsJsonObject();
    assertThat(problem.get("type").getAsString()).isEqualTo("https://cairn.io/problems/precondition-failed");
    assertThat(problem.get("status").getAsInt()).isEqualTo(412);
    assertThat(problem.get("requestId").getAsString()).isNotBlank();
    assertThat(Files.readString(entries.getEntry("users", "42", null).toPath())).isEqualTo("{\"name\":\"Ada L.\"}");

    // Bulk read: the order asked, found and missing alike.
    List<BulkGetItem> items = entries.getEntries("users", new BulkGetRequest().keys(List.of("nope", "42")))
        .getEntries();
    assertThat(items).extracting(BulkGetItem::getKey).containsExactly("nope", "42");
    assertThat(items.get(0).getFound()).isFalse();
    assertThat(new String(items.get(1).getValue(), UTF_8)).isEqualTo("{\"name\":\"Ada L.\"}");
    assertThat(entries.listKeys("users", "4", 10, null).getKeys()).containsExactly("42");

    entries.deleteEntry("users", "42", "\"" + replaced.getVersion() + "\"", null);
    ApiException gone = catchThrowableOfType(ApiException.class, () -> entries.getEntry("users", "42", null));
    assertThat(gone.getCode()).isEqualTo(404);
    assertThat(JsonParser.parseString(gone.getResponseBody()).getAsJsonObject().get("type").getAsString())
        .isEqualTo("https://cairn.io/problems/entry-not-found");
    assertThat(caches.listCaches().getCaches()).extracting(Cache::getName).contains("users");
  }

  /**
   * A lock as an application takes it through the client: the grant carries a fencing token (body
   * and header), a fenced write with it is accepted, and once the session has expired (no
   * keepalive past its TTL) and another session holds the lock, the old holder is fenced off: its
   * write is refused with 409 stale-fencing-token and its keepalive says the session is gone.
   */
  @Test
  void aLockHolderIsFencedOffOnceItsSessionExpires() throws Exception {
    try (CairnProcess node = CairnProcess.startNode(dir.resolve("data"))) {
      ApiClient client = client(node.port());
      SessionsApi sessions = new SessionsApi(client);
      LocksApi locks = new LocksApi(client);
      EntriesApi entries = new EntriesApi(client);
      new CachesApi(client).putCache("jobs", new CacheConfig().maxEntries(100L));

      Session paused = sessions.createSession(new SessionCreate().ttlMillis(1_000L));
      ApiResponse<LockGrant> granted = locks.acquireLockWithHttpInfo("nightly", new LockAcquire().session(paused.getId()));
      long token = granted.getData().getToken();
      assertThat(header(granted.getHeaders(), "Cairn-Fencing-Token")).isEqualTo(Long.toString(token));
      entries.putEntry("jobs", "report", file("{\"by\":\"paused\"}"), null, null, "lock=nightly", token, null);

      // The holder stops sending keepalives (a long GC pause); another instance waits for the lock.
      Session next = sessions.createSession(new SessionCreate().ttlMillis(10_000L));
      LockGrant taken = locks.acquireLock("nightly", new LockAcquire().session(next.getId()).waitMillis(10_000L));
      assertThat(taken.getToken()).isGreaterThan(token);
      assertThat(taken.getSession()).isEqualTo(next.getId());

      ApiException fenced = catchThrowableOfType(ApiException.class,
          () -> entries.putEntry("jobs", "report", file("{\"by\":\"paused, late\"}"), null, null, "lock=nightly", token,
              null));
      assertThat(fenced.getCode()).isEqualTo(409);
      assertThat(header(fenced.getResponseHeaders(), "Content-Type")).startsWith("application/problem+json");
      assertThat(JsonParser.parseString(fenced.getResponseBody()).getAsJsonObject().get("type").getAsString())
          .endsWith("/stale-fencing-token");
      ApiException gone = catchThrowableOfType(ApiException.class, () -> sessions.keepAliveSession(paused.getId()));
      assertThat(gone.getCode()).isEqualTo(404);

      entries.putEntry("jobs", "report", file("{\"by\":\"next\"}"), null, null, "lock=nightly", taken.getToken(), null);
      assertThat(new String(Files.readAllBytes(entries.getEntry("jobs", "report", null).toPath()), UTF_8))
          .isEqualTo("{\"by\":\"next\"}");
      locks.releaseLock("nightly", next.getId(), taken.getToken());

      // The README's loop, once: it takes the lock, the job writes with the token, and it lets go.
      LeaderLoop.runOnce(client, "nightly", 3_000L, (loopToken, stillHeld) -> {
        assertThat(loopToken).isGreaterThan(taken.getToken());
        assertThat(stillHeld.getAsBoolean()).isTrue();
        entries.putEntry("jobs", "report", file("{\"by\":\"loop\"}"), null, null, "lock=nightly", loopToken, null);
      });
      assertThat(locks.getLock("nightly").getHolder()).isNull();

      String metrics = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + node.port() + "/metrics")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      assertThat(counter(metrics, "cairn_sessions_opened_total")).isGreaterThanOrEqualTo(3);
      assertThat(counter(metrics, "cairn_sessions_expired_total")).isGreaterThanOrEqualTo(1);
      assertThat(counter(metrics, "cairn_locks_grants_total")).isGreaterThanOrEqualTo(3);
      assertThat(metrics).contains("cairn_sessions_live", "cairn_locks_held", "cairn_locks_waiters",
          "cairn_elections_led", "cairn_elections_changes_total");
    }
  }

  /** The value of a counter (of any labels) in a Prometheus text scrape. */
  private static double counter(String scrape, String name) {
    return scrape.lines().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  private ApiClient client(int port) {
    ApiClient client = new ApiClient();
    client.setBasePath("http://127.0.0.1:" + port);
    client.setTempFolderPath(dir.toString());
    return client;
  }

  private File file(String content) throws Exception {
    return Files.writeString(Files.createTempFile(dir, "value", ".json"), content).toFile();
  }

  private static String header(Map<String, List<String>> headers, String name) {
    return headers.entrySet().stream()
        .filter(e -> e.getKey().equalsIgnoreCase(name))
        .map(e -> e.getValue().get(0))
        .findFirst()
        .orElse(null);
  }
}
