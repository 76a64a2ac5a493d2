package io.cairn.cache.store;

import static io.cairn.cache.testing.Futures.await;
import static io.cairn.cache.testing.Futures.failure;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cache.partition.Partitioner;
import static org.awaitility.Awaitility.await;

import io.cairn.cache.CacheFailure;
import io.cairn.cache.CacheSettings.StoreSettings;
import io.cairn.cache.Entry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JDBC store on the embedded SQLite file: configuration, timeouts and the breaker. */
class JdbcBackingStoreTest {
  @TempDir Path dir;
  private Vertx vertx;
  private SimpleMeterRegistry registry;
  private JdbcBackingStore store;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    registry = new SimpleMeterRegistry();
  }

  @AfterEach
  void tearDown() {
    if (store != null) {
      await(store.close());
    }
    await(vertx.close());
  }

  private JdbcBackingStore open(Duration timeout, int breakerFailures, Duration breakerReset) {
    var settings = new StoreSettings(null, null, null, 2, timeout, breakerFailures, breakerReset, Duration.ofMinutes(1));
    store = await(JdbcBackingStore.open(vertx, settings, dir, registry, Partitioner.withDefaultCount()));
    return store;
  }

  private static Entry entry(String key, String value) {
    return new Entry(key, value.getBytes(java.nio.charset.StandardCharsets.UTF_8), "text/plain", 1, null);
  }

  @Test
  void embeddedSqliteFsyncsEveryCommitInWalMode() {
    open(Duration.ofSeconds(5), 5, Duration.ofSeconds(5));
    assertThat(dir.resolve("store.db")).exists();
    assertThat(await(store.queryOne("PRAGMA journal_mode"))).isEqualToIgnoringCase("wal");
    assertThat(await(store.queryOne("PRAGMA synchronous"))).isEqualTo("2"); // FULL
    assertThat(await(store.queryOne("PRAGMA busy_timeout"))).isEqualTo("5000");
  }

  @Test
  void anUnsupportedUrlIsAConfigurationErrorNamingTheKey() {
    var settings = new StoreSettings("jdbc:mysql://db/cairn?password=secret", null, null, 2,
        Duration.ofSeconds(1), 5, Duration.ofSeconds(5), Duration.ofMinutes(1));
    Throwable failure = failure(JdbcBackingStore.open(vertx, settings, dir, registry, Partitioner.withDefaultCount()));
    assertThat(failure).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("store.url:")
        .hasMessageNotContaining("secret");
  }

  @Test
  void invalidSettingsNameTheirKey() {
    var badPool = new StoreSettings(null, null, null, 0, Duration.ofSeconds(1), 5, Duration.ofSeconds(5), Duration.ofMinutes(1));
    assertThat(failure(JdbcBackingStore.open(vertx, badPool, dir, registry, Partitioner.withDefaultCount()))).hasMessageStartingWith("store.pool-size:");
    var badTimeout = new StoreSettings(null, null, null, 1, Duration.ZERO, 5, Duration.ofSeconds(5), Duration.ofMinutes(1));
    assertThat(failure(JdbcBackingStore.open(vertx, badTimeout, dir, registry, Partitioner.withDefaultCount()))).hasMessageStartingWith("store.timeout:");
  }

  @Test
  void loadsAndKeysSkipExpiredRowsAndTheSweepDeletesThem() {
    open(Duration.ofSeconds(5), 5, Duration.ofSeconds(5));
    Instant past = Clock.systemUTC().instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).minusSeconds(1);
    await(store.write("c", new Entry("old", new byte[] {1}, "x/y", 1, past)));
    await(store.write("c", new Entry("new", new byte[] {2}, "x/y", 2, past.plusSeconds(3600))));
    assertThat(await(store.load("c", "old"))).isNull();
    assertThat(await(store.load("c", "new")).expiresAt()).isEqualTo(past.plusSeconds(3600));
    assertThat(await(store.keys("c", "", null, 10))).containsExactly("new");
    assertThat(await(store.queryOne("SELECT COUNT(*) FROM cairn_entries"))).isEqualTo("2");
    assertThat(await(store.sweepExpired())).isEqualTo(1);
    assertThat(await(store.queryOne("SELECT COUNT(*) FROM cairn_entries"))).isEqualTo("1");
  }

  @Test
  void aWriteAbandonedByItsTimeoutIsRolledBackAndReportedFailed() throws Exception {
    open(Duration.ofMillis(300), 5, Duration.ofSeconds(5));
    var release = new CountDownLatch(1);
    var finished = new CountDownLatch(1);
    var write = store.writeWithHooks("c", entry("k", "late"), () -> {
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, () -> {
      throw new AssertionError("an abandoned write must not commit");
    }).onComplete(ar -> finished.countDown());
    Throwable failure = failure(write);
    assertThat(failure).isInstanceOf(CacheFailure.class).hasMessageContaining("timed out").hasMessageContaining("not committed");
    assertThat(((CacheFailure) failure).reason()).isEqualTo(CacheFailure.Reason.STORE_UNAVAILABLE);
    release.countDown();
    // The worker now finds the call abandoned and rolls back: the row never appears.
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      String n = await(store.queryOne("SELECT COUNT(*) FROM cairn_entries"));
      return "0".equals(n) && registry.find("cairn.store.errors").tag("kind", "timeout").counter() != null;
    });
    assertThat(await(store.load("c", "k"))).isNull();
  }

  @Test
  void aWriteStillCommittingWhenItsTimeoutPassesReportsTheCommit() throws Exception {
    open(Duration.ofMillis(200), 5, Duration.ofSeconds(5));
    var release = new CountDownLatch(1);
    var write = store.writeWithHooks("c", entry("k", "slow but durable"), () -> { }, () -> {
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    // Wait until the timer has fired and found the write committing.
    await().atMost(Duration.ofSeconds(10)).until(() -> registry.counter("cairn.store.slow.commits").count() == 1);
    assertThat(write.isComplete()).as("the timer must not fail a committing write").isFalse();
    release.countDown();
    await(write);
    assertThat(new String(await(store.load("c", "k")).value(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("slow but durable");
  }

  @Test
  void theBreakerOpensRefusesAtOnceAndClosesAfterASuccessfulProbe() {
    var nanos = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE - 1_000);
    var settings = new StoreSettings(null, null, null, 2, Duration.ofSeconds(5), 2, Duration.ofSeconds(5),
        Duration.ofMinutes(1));
    store = await(JdbcBackingStore.open(vertx, settings, dir, registry, Clock.systemUTC(), nanos::get));
    Runnable boom = () -> {
      throw new IllegalStateException("disk on fire");
    };
    for (int i = 0; i < 2; i++) {
      assertThat(failure(store.writeWithHooks("c", entry("k", "v"), boom, () -> { })))
          .hasMessageContaining("disk on fire");
    }
    assertThat(store.status().state()).isEqualTo("OPEN");
    assertThat(store.status().ready()).isFalse();
    Throwable refused = failure(store.load("c", "k"));
    assertThat(refused).hasMessageContaining("circuit breaker is open");
    assertThat(registry.find("cairn.store.errors").tags("op", "load", "kind", "refused").counter().count()).isEqualTo(1);
    assertThat(registry.get("cairn.store.breaker.state").gauge().value()).isEqualTo(2);

    nanos.addAndGet(Duration.ofSeconds(5).toNanos() - 1);
    assertThat(failure(store.ping())).hasMessageContaining("circuit breaker is open");
    nanos.addAndGet(1); // the reset has passed (and the clock has wrapped): the ping is the probe
    await(store.ping());
    assertThat(store.status().state()).isEqualTo("UP");
    assertThat(registry.get("cairn.store.breaker.state").gauge().value()).isEqualTo(0);
    assertThat(await(store.load("c", "k"))).isNull();
  }

  @Test
  void aSingleFailureMakesTheStoreDownButNotOpen() {
    open(Duration.ofSeconds(5), 3, Duration.ofSeconds(5));
    failure(store.writeWithHooks("c", entry("k", "v"), () -> {
      throw new IllegalStateException("glitch");
    }, () -> { }));
    assertThat(store.status().state()).isEqualTo("DOWN");
    assertThat(store.status().detail()).contains("glitch");
    await(store.ping());
    assertThat(store.status().state()).isEqualTo("UP");
  }

  @Test
  void closeReleasesItsMeters() {
    open(Duration.ofSeconds(5), 5, Duration.ofSeconds(5));
    await(store.ping());
    assertThat(registry.find("cairn.store.calls").timers()).isNotEmpty();
    await(store.close());
    store = null;
    assertThat(registry.getMeters()).isEmpty();
  }

  @Test
  void keysComeInUtf8ByteOrderWithinThePrefix() {
    open(Duration.ofSeconds(5), 5, Duration.ofSeconds(5));
    for (String k : List.of("é1", "é2", "e", "f", "\uFFFD", "\uD83D\uDE00", "éa", "ê", "zz")) {
      await(store.write("c", entry(k, "v")));
    }
    assertThat(await(store.keys("c", "", null, 100)))
        .containsExactly("e", "f", "zz", "é1", "é2", "éa", "ê", "\uFFFD", "\uD83D\uDE00");
    assertThat(await(store.keys("c", "é", null, 100))).containsExactly("é1", "é2", "éa");
    assertThat(await(store.keys("c", "é", "é1", 1))).containsExactly("é2");
    assertThat(await(store.keys("other", "", null, 100))).isEmpty();
  }
}
