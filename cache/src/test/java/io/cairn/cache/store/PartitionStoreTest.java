package io.cairn.cache.store;

import static io.cairn.cache.testing.Futures.await;
import static io.cairn.cache.testing.Futures.failure;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cache.CacheSettings.StoreSettings;
import io.cairn.cache.Entry;
import io.cairn.cache.partition.Partitioner;
import io.cairn.cache.testing.PostgresServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The partition-aware part of the store, against the embedded SQLite and a real PostgreSQL: each
 * row knows its key's partition, replicas write by version, and a partition is read in pages and
 * deleted whole.
 */
class PartitionStoreTest {
  static final Partitioner P7 = new Partitioner(7);

  abstract static class Contract {
    Vertx vertx;
    JdbcBackingStore store;

    abstract StoreSettings settings();

    abstract Path dir();

    abstract Connection raw() throws SQLException;

    @BeforeEach
    void open() throws SQLException {
      vertx = Vertx.vertx();
      try (Connection c = raw(); Statement s = c.createStatement()) {
        s.execute("DROP TABLE IF EXISTS cairn_entries");
        s.execute("DROP TABLE IF EXISTS cairn_meta");
      }
      store = openWith(P7);
    }

    JdbcBackingStore openWith(Partitioner partitioner) {
      return await(JdbcBackingStore.open(vertx, settings(), dir(), new SimpleMeterRegistry(), Clock.systemUTC(),
          System::nanoTime, partitioner));
    }

    @AfterEach
    void close() {
      if (store != null) {
        await(store.close());
      }
      await(vertx.close());
    }

    static Entry entry(String key, String value, long version) {
      return new Entry(key, value.getBytes(StandardCharsets.UTF_8), "text/plain", version, null);
    }

    static String value(Entry e) {
      return new String(e.value(), StandardCharsets.UTF_8);
    }

    @Test
    void aReplicasWriteWinsOnlyWithANewerVersion() {
      assertThat(await(store.writeIfNewer("c", entry("k", "v5", 5)))).isTrue();
      assertThat(await(store.writeIfNewer("c", entry("k", "v4", 4)))).isFalse();
      assertThat(await(store.writeIfNewer("c", entry("k", "v5b", 5)))).isFalse();
      assertThat(value(await(store.load("c", "k")))).isEqualTo("v5");
      assertThat(await(store.writeIfNewer("c", entry("k", "v9", 9)))).isTrue();
      assertThat(value(await(store.load("c", "k")))).isEqualTo("v9");
      assertThat(await(store.deleteIfOlder("c", "k", 9))).isFalse();
      assertThat(await(store.deleteIfOlder("c", "k", 3))).isFalse();
      assertThat(await(store.load("c", "k"))).isNotNull();
      assertThat(await(store.deleteIfOlder("c", "k", 10))).isTrue();
      assertThat(await(store.load("c", "k"))).isNull();
      assertThat(await(store.deleteIfOlder("c", "k", 11))).isFalse();
    }

    @Test
    void aPartitionIsReadInPagesOfEveryCacheInKeyOrderOnce() {
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        keys.add("k" + i);
      }
      keys.addAll(List.of("ünïcödé", "日本", "\uD83D\uDE00smile", "a", "z"));
      Set<String> expected = new HashSet<>();
      for (String cache : List.of("b-cache", "a-cache")) {
        for (String k : keys) {
          await(store.write(cache, entry(k, cache + ":" + k, 1)));
          if (P7.partitionOf(k) == 3) {
            expected.add(cache + "/" + k);
          }
        }
      }
      await(store.write("a-cache", new Entry("gone", new byte[0], "x", 1, Instant.now().minusSeconds(5))));
      List<String> seen = new ArrayList<>();
      String afterCache = null;
      String afterKey = null;
      while (true) {
        List<PartEntry> page = await(store.scanPartition(3, afterCache, afterKey, 7));
        for (PartEntry e : page) {
          assertThat(P7.partitionOf(e.entry().key())).isEqualTo(3);
          assertThat(value(e.entry())).isEqualTo(e.cache() + ":" + e.entry().key());
          seen.add(e.cache() + "/" + e.entry().key());
          afterCache = e.cache();
          afterKey = e.entry().key();
        }
        if (page.size() < 7) {
          break;
        }
      }
      assertThat(seen).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
      List<String> sorted = new ArrayList<>(seen);
      sorted.sort((x, y) -> {
        String[] a = x.split("/", 2);
        String[] b = y.split("/", 2);
        int c = a[0].compareTo(b[0]);
        return c != 0 ? c : compareUtf8(a[1], b[1]);
      });
      assertThat(seen).containsExactlyElementsOf(sorted);
    }

    static int compareUtf8(String a, String b) {
      return java.util.Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aPartitionIsDeletedWholeAndAloneWithEveryCache() {
      int inThree = 0;
      for (int i = 0; i < 100; i++) {
        await(store.write("x", entry("k" + i, "v", 1)));
        await(store.write("y", entry("k" + i, "v", 1)));
        inThree += P7.partitionOf("k" + i) == 3 ? 2 : 0;
      }
      assertThat(await(store.deletePartition(3))).isEqualTo(inThree);
      for (int i = 0; i < 100; i++) {
        boolean gone = P7.partitionOf("k" + i) == 3;
        assertThat(await(store.load("x", "k" + i)) == null).isEqualTo(gone);
        assertThat(await(store.load("y", "k" + i)) == null).isEqualTo(gone);
      }
      assertThat(await(store.scanPartition(3, null, null, 10))).isEmpty();
    }

    @Test
    void aChangedPartitionCountGivesEveryRowItsPartitionAgain() {
      for (int i = 0; i < 50; i++) {
        await(store.write("x", entry("k" + i, "v", 1)));
      }
      await(store.close());
      Partitioner p11 = new Partitioner(11);
      store = openWith(p11);
      int found = 0;
      for (int p = 0; p < 11; p++) {
        for (PartEntry e : await(store.scanPartition(p, null, null, 100))) {
          assertThat(p11.partitionOf(e.entry().key())).isEqualTo(p);
          found++;
        }
      }
      assertThat(found).isEqualTo(50);
    }

    @Test
    void badScansAreRefused() {
      assertThat(failure(store.scanPartition(-1, null, null, 5))).isInstanceOf(IllegalArgumentException.class);
      assertThat(failure(store.scanPartition(0, null, null, 0))).isInstanceOf(IllegalArgumentException.class);
      assertThat(failure(store.scanPartition(0, "c", null, 5))).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Nested
  class Sqlite extends Contract {
    @TempDir
    Path dir;

    @Override
    StoreSettings settings() {
      return new StoreSettings(null, null, null, 2, Duration.ofSeconds(5), 5, Duration.ofSeconds(5),
          Duration.ofMinutes(1));
    }

    @Override
    Path dir() {
      return dir;
    }

    @Override
    Connection raw() throws SQLException {
      return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("store.db"));
    }

    @Test
    void aStoreFromBeforePartitionsGivesItsRowsTheirPartitions() throws SQLException {
      await(store.close());
      store = null;
      try (Connection c = raw(); Statement s = c.createStatement()) {
        s.execute("DROP TABLE cairn_entries");
        s.execute("DROP TABLE cairn_meta");
        s.execute("CREATE TABLE cairn_entries (cache_name TEXT NOT NULL, entry_key TEXT NOT NULL, value BLOB NOT NULL,"
            + " content_type TEXT NOT NULL, version INTEGER NOT NULL, expires_at INTEGER,"
            + " PRIMARY KEY (cache_name, entry_key))");
        for (int i = 0; i < 2_500; i++) {
          s.execute("INSERT INTO cairn_entries VALUES ('old', 'k" + i + "', x'00', 'a/b', 1, NULL)");
        }
      }
      store = openWith(P7);
      int found = 0;
      for (int p = 0; p < 7; p++) {
        String afterCache = null;
        String afterKey = null;
        while (true) {
          List<PartEntry> page = await(store.scanPartition(p, afterCache, afterKey, 500));
          for (PartEntry e : page) {
            assertThat(P7.partitionOf(e.entry().key())).isEqualTo(p);
            afterCache = e.cache();
            afterKey = e.entry().key();
            found++;
          }
          if (page.size() < 500) {
            break;
          }
        }
      }
      assertThat(found).isEqualTo(2_500);
    }
  }

  private static PostgresServer postgres;

  @BeforeAll
  static void startPostgres() throws IOException {
    postgres = PostgresServer.launch();
  }

  @AfterAll
  static void stopPostgres() {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Nested
  class Postgres extends Contract {
    @TempDir
    Path dir;

    @Override
    StoreSettings settings() {
      return new StoreSettings(postgres.jdbcUrl(), postgres.user(), null, 2, Duration.ofSeconds(5), 5,
          Duration.ofSeconds(5), Duration.ofMinutes(1));
    }

    @Override
    Path dir() {
      return dir;
    }

    @Override
    Connection raw() throws SQLException {
      return DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), "");
    }
  }
}
