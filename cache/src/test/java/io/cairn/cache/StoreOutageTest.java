package io.cairn.cache;

import static io.cairn.cache.testing.Futures.await;
import static io.cairn.cache.testing.Futures.failure;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.cache.CacheSettings.StoreSettings;
import io.cairn.cache.testing.PostgresServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real PostgreSQL server stops in the middle of a run and comes back. */
class StoreOutageTest {
  private static final Duration AWAIT = Duration.ofSeconds(30);

  private static PostgresServer postgres;
  @TempDir Path dataDir;
  private Vertx vertx;
  private SimpleMeterRegistry registry;
  private CacheService service;

  @BeforeAll
  static void launchPostgres() throws Exception {
    postgres = PostgresServer.launch();
  }

  @AfterAll
  static void closePostgres() {
    if (postgres != null) {
      postgres.close();
    }
  }

  @BeforeEach
  void setUp() {
    postgres.start(); // a no-op unless a test left it stopped
    vertx = Vertx.vertx();
    registry = new SimpleMeterRegistry();
    var store = new StoreSettings(postgres.jdbcUrl(), postgres.user(), null, 2, Duration.ofSeconds(1), 2,
        Duration.ofMillis(500), Duration.ofMinutes(1));
    service = await(CacheServices.start(vertx, new CacheSettings(dataDir, 1024, 1 << 20, store), registry));
  }

  @AfterEach
  void tearDown() {
    if (service != null) {
      await(service.close());
    }
    await(vertx.close());
  }

  private Future<CacheService.PutResult> put(String key, String value) {
    return put("c", key, value);
  }

  private Future<CacheService.PutResult> put(String cache, String key, String value) {
    return service.put(cache, key, value.getBytes(UTF_8), "text/plain", null, Precondition.NONE);
  }

  private static String text(Entry e) {
    return new String(e.value(), UTF_8);
  }

  private static CacheFailure storeFailure(Future<?> future) {
    Throwable t = failure(future);
    assertThat(t).isInstanceOf(CacheFailure.class);
    assertThat(((CacheFailure) t).reason()).isEqualTo(CacheFailure.Reason.STORE_UNAVAILABLE);
    return (CacheFailure) t;
  }

  @Test
  void writesFailFastWhileTheStoreIsDownAndNothingIsLost() throws Exception {
    await(service.define("c", CacheSpec.defaults()));
    await(put("a", "before-a"));
    await(put("b", "before-b"));
    assertThat(service.storeStatus().ready()).isTrue();

    postgres.stop();

    // A write fails (connection refused or timed out): 503, and not committed.
    storeFailure(put("b", "during"));
    // The breaker opens (user calls and the periodic ping fail), and /health/ready turns false.
    await().atMost(AWAIT).until(() -> !service.storeStatus().ready());
    // While open, writes are refused at once, without a call to the database.
    await().atMost(AWAIT).untilAsserted(() ->
        assertThat(storeFailure(put("c", "refused"))).hasMessageContaining("circuit breaker is open"));
    assertThat(registry.find("cairn.store.errors").tag("kind", "refused").counters())
        .anySatisfy(c -> assertThat(c.count()).isPositive());
    assertThat(registry.get("cairn.store.breaker.state").gauge().value()).isPositive();

    // Memory still answers hits; the key whose write failed is not in memory, and the store is down.
    Future<Entry> hit = service.get("c", "a");
    assertThat(hit.isComplete()).isTrue();
    assertThat(text(hit.result())).isEqualTo("before-a");
    storeFailure(service.get("c", "b"));

    postgres.start();

    // The periodic ping is the probe: the breaker half-opens, closes, and the store is ready again.
    await().atMost(AWAIT).until(() -> service.storeStatus().ready());
    assertThat(service.storeStatus().state()).isEqualTo("UP");
    await(put("c", "after"));
    assertThat(text(await(service.get("c", "b")))).isEqualTo("before-b");
    assertThat(text(await(service.get("c", "a")))).isEqualTo("before-a");
    assertThat(text(await(service.get("c", "c")))).isEqualTo("after");
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), "");
        PreparedStatement ps = c.prepareStatement(
            "SELECT entry_key, value FROM cairn_entries WHERE cache_name = 'c' ORDER BY entry_key");
        ResultSet rs = ps.executeQuery()) {
      StringBuilder rows = new StringBuilder();
      while (rs.next()) {
        rows.append(rs.getString(1)).append('=').append(new String(rs.getBytes(2), UTF_8)).append(' ');
      }
      assertThat(rows.toString().trim()).isEqualTo("a=before-a b=before-b c=after");
    }
  }

  @Test
  void aWriteThatTimesOutOnAHungDatabaseIsNeverCommitted() throws Exception {
    await(service.define("hung", CacheSpec.defaults()));
    await(put("hung", "k", "before"));

    postgres.freeze();
    try {
      // The database accepts nothing and answers nothing: the call's deadline fails the write.
      assertThat(storeFailure(put("hung", "k", "during"))).hasMessageContaining("timed out")
          .hasMessageContaining("not committed");
      await().atMost(AWAIT).until(() -> service.storeStatus().state().equals("OPEN"));
      assertThat(storeFailure(put("hung", "k", "refused"))).hasMessageContaining("circuit breaker is open");
    } finally {
      postgres.thaw();
    }

    // The abandoned transaction finds its call gone and rolls back; the breaker closes again.
    await().atMost(AWAIT).until(() -> service.storeStatus().ready());
    // Once no transaction holds a write lock on the table, the abandoned one has ended.
    await().atMost(AWAIT).until(() -> writeLocksOnEntries() == 0);
    assertThat(rawValue("hung", "k")).isEqualTo("before");
    assertThat(text(await(service.get("hung", "k")))).isEqualTo("before");
    await(put("hung", "k", "after"));
    assertThat(text(await(service.get("hung", "k")))).isEqualTo("after");
    assertThat(rawValue("hung", "k")).isEqualTo("after");
  }

  private static String rawValue(String cache, String key) throws Exception {
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), "");
        PreparedStatement ps = c.prepareStatement(
            "SELECT value FROM cairn_entries WHERE cache_name = ? AND entry_key = ?")) {
      ps.setString(1, cache);
      ps.setString(2, key);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new String(rs.getBytes(1), UTF_8) : null;
      }
    }
  }

  private static long writeLocksOnEntries() throws Exception {
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), "");
        PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM pg_locks l JOIN pg_class t ON l.relation = t.oid"
            + " WHERE t.relname = 'cairn_entries' AND l.mode = 'RowExclusiveLock'");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
