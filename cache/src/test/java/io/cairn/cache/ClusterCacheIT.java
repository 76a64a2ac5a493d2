package io.cairn.cache;

import static io.cairn.cache.CacheCluster.await;
import static io.cairn.cache.CacheCluster.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.cairn.cache.CacheSettings.StoreSettings;
import io.cairn.cache.CacheSpec.Capacity;
import io.cairn.cache.CacheSpec.StoreKind;
import io.cairn.cache.cluster.ClusterView;
import io.cairn.cache.partition.Partitioner;
import io.cairn.cache.testing.PostgresServer;
import io.cairn.membership.NodeId;
import io.cairn.membership.transport.Faults;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The caches of a few nodes on real sockets: routing, replication, failover and joins. */
class ClusterCacheIT {
  @TempDir
  Path dir;
  private CacheCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(Entry e) {
    return e == null ? null : new String(e.value(), StandardCharsets.UTF_8);
  }

  private void settled() {
    cluster.awaitSettled();
  }

  @Test
  void writesThroughAnyNodeAreReadThroughEveryNodeAndSurviveTheOwnersCrash() {
    cluster = new CacheCluster(3, dir, new Faults(1), CacheCluster.fastSettings());
    cluster.startAll();
    await(cluster.caches(0).define("c", new CacheSpec(Capacity.entries(100_000), null, StoreKind.NONE, 1)));
    settled();
    Map<String, Long> versions = new HashMap<>();
    for (int k = 0; k < 300; k++) {
      CacheService via = cluster.caches(k % 3);
      CacheService.PutResult r = await(via.put("c", "k" + k, bytes("v" + k), "text/plain", null, Precondition.NONE));
      assertThat(r.created()).isTrue();
      versions.put("k" + k, r.entry().version());
    }
    for (int i = 0; i < 3; i++) {
      for (int k = 0; k < 300; k += 7) {
        Entry e = await(cluster.caches(i).get("c", "k" + k));
        assertThat(text(e)).isEqualTo("v" + k);
        assertThat(e.version()).isEqualTo(versions.get("k" + k));
      }
    }
    // a bulk read through each node: one request per other owner, absent keys left out
    List<String> wanted = new ArrayList<>();
    for (int k = 0; k < 300; k += 3) {
      wanted.add("k" + k);
      wanted.add("absent" + k);
    }
    for (int i = 0; i < 3; i++) {
      Map<String, Entry> all = await(cluster.caches(i).getAll("c", wanted));
      assertThat(all.keySet()).as("through " + cluster.ids.get(i))
          .containsExactlyElementsOf(wanted.stream().filter(k -> k.startsWith("k")).toList());
      all.forEach((k, e) -> {
        assertThat(text(e)).isEqualTo("v" + k.substring(1));
        assertThat(e.version()).isEqualTo(versions.get(k));
      });
    }
    // a bulk read larger than one reply: an owner sends what fits, the rest is read key by key
    List<String> big = new ArrayList<>();
    for (int k = 0; k < 30; k++) {
      byte[] value = new byte[512 * 1024];
      Arrays.fill(value, (byte) k);
      await(cluster.caches(k % 3).put("c", "big" + k, value, "application/octet-stream", null, Precondition.NONE));
      big.add("big" + k);
    }
    Map<String, Entry> bigs = await(cluster.caches(0).getAll("c", big));
    assertThat(bigs.keySet()).containsExactlyElementsOf(big);
    bigs.forEach((k, e) -> assertThat(e.value()).hasSize(512 * 1024)
        .containsOnly((byte) Integer.parseInt(k.substring(3))));
    // a compare-and-set through another node than the one that wrote
    CacheService.PutResult cas = await(cluster.caches(1).put("c", "k0", bytes("new"), "text/plain", null,
        Precondition.ifMatch(versions.get("k0"))));
    assertThat(cas.entry().version()).isGreaterThan(versions.get("k0"));
    versions.put("k0", cas.entry().version());
    Throwable stale = CacheCluster.await(cluster.caches(2).put("c", "k0", bytes("x"), "text/plain", null,
        Precondition.ifMatch(versions.get("k0") - 1)).recover(t -> io.vertx.core.Future.succeededFuture(null))) == null
        ? null : new AssertionError("a stale If-Match won");
    assertThat(stale).isNull();
    await(cluster.caches(2).delete("c", "k1", Precondition.NONE));
    assertThat(await(cluster.caches(0).get("c", "k1"))).isNull();

    cluster.crash(0);
    for (int k = 0; k < 300; k++) {
      int key = k;
      Entry e = eventually(() -> await(cluster.caches(1 + key % 2).get("c", "k" + key)));
      if (key == 1) {
        assertThat(e).isNull();
      } else {
        assertThat(text(e)).isEqualTo(key == 0 ? "new" : "v" + key);
        assertThat(e.version()).isEqualTo(versions.get("k" + key));
      }
    }
  }

  @Test
  void theClientsRequestIdFollowsTheHopIntoTheOwnersLog() {
    Logger logger = (Logger) LoggerFactory.getLogger(ClusterCacheService.class);
    Level level = logger.getLevel();
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    logger.setLevel(Level.DEBUG);
    try {
      cluster = new CacheCluster(3, dir, new Faults(1), CacheCluster.fastSettings());
      cluster.startAll();
      await(cluster.caches(0).define("c", new CacheSpec(Capacity.entries(1000), null, StoreKind.NONE, 1)));
      settled();
      ClusterView v = cluster.caches(0).view();
      String written = "k0";
      int owner = cluster.ids.indexOf(v.assignments().holders(new Partitioner(v.partitionCount()).partitionOf(written))
          .owner());
      NodeId writer = cluster.ids.get((owner + 1) % 3);
      NodeId reader = cluster.ids.get((owner + 2) % 3);
      RequestIds.within("put-7f3a", () -> await(cluster.caches((owner + 1) % 3).put("c", written, bytes("v"),
          "text/plain", null, Precondition.NONE)));
      RequestIds.within("get-7f3a", () -> await(cluster.caches((owner + 2) % 3).get("c", written)));
      List<String> many = new ArrayList<>();
      for (int k = 0; k < 100; k++) {
        many.add("k" + k);
      }
      RequestIds.within("bulk-7f3a", () -> await(cluster.caches((owner + 1) % 3).getAll("c", many)));
      eventually(() -> {
        assertThat(forwarded(appender, "put-7f3a")).containsExactly("Put from " + writer + ": ok");
        assertThat(forwarded(appender, "get-7f3a")).containsExactly("Get from " + reader + ": ok");
        // a bulk read asks each other owner once, for all its keys
        assertThat(forwarded(appender, "bulk-7f3a")).containsExactlyInAnyOrder(
            "GetAll from " + writer + ": ok", "GetAll from " + writer + ": ok");
        return null;
      });
    } finally {
      logger.detachAppender(appender);
      logger.setLevel(level);
    }
  }

  /** The owner's log lines about forwarded operations of the client request {@code requestId}. */
  private static List<String> forwarded(ListAppender<ILoggingEvent> appender, String requestId) {
    List<String> lines = new ArrayList<>();
    for (ILoggingEvent e : List.copyOf(appender.list)) {
      Map<String, Object> kv = new HashMap<>();
      if (e.getKeyValuePairs() != null) {
        e.getKeyValuePairs().forEach(p -> kv.put(p.key, p.value));
      }
      if (requestId.equals(kv.get("requestId"))) {
        lines.add(e.getArgumentArray()[0] + " from " + kv.get("from") + ": " + kv.get("status"));
      }
    }
    return lines;
  }

  @Test
  void aSharedStoreIsWrittenOnceByTheOwnerAndAMissIsLoadedOnceByTheOwner() throws Exception {
    try (PostgresServer postgres = PostgresServer.launch()) {
      try {
        StoreSettings shared = new StoreSettings(postgres.jdbcUrl(), postgres.user(), null, 4, Duration.ofSeconds(5), 5,
            Duration.ofSeconds(5), Duration.ofMinutes(1));
        cluster = new CacheCluster(3, dir, new Faults(1), CacheCluster.fastSettings(), shared);
        cluster.startAll();
        await(cluster.caches(0).define("pg", new CacheSpec(Capacity.entries(1000), null, StoreKind.JDBC, 1)));
        settled();
        double writes = storeCalls(-1, "write");
        for (int k = 0; k < 60; k++) {
          await(cluster.caches(k % 3).put("pg", "k" + k, bytes("v" + k), "text/plain", null, Precondition.NONE));
        }
        // one store write per write, by the owner: the backups keep no rows of their own
        assertThat(storeCalls(-1, "write") - writes).isEqualTo(60);
        int partition = new Partitioner(cluster.caches(0).view().partitionCount()).partitionOf("direct");
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), "");
            Statement st = c.createStatement()) {
          try (ResultSet rs = st.executeQuery("SELECT count(*) FROM cairn_entries WHERE cache_name = 'pg'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(60);
          }
          // a row that no node has in memory
          st.executeUpdate("INSERT INTO cairn_entries (cache_name, entry_key, value, content_type, version, expires_at,"
              + " part) VALUES ('pg', 'direct', convert_to('from the database', 'UTF8'), 'text/plain', 7, NULL, "
              + partition + ")");
        }
        int owner = cluster.ids.indexOf(cluster.caches(0).view().assignments().holders(partition).owner());
        double[] loads = new double[3];
        for (int i = 0; i < 3; i++) {
          loads[i] = storeCalls(i, "load");
        }
        // thirty readers on every node at once: the owner loads the row once, for all of them
        List<Future<Entry>> reads = new ArrayList<>();
        for (int r = 0; r < 30; r++) {
          reads.add(cluster.caches(r % 3).get("pg", "direct"));
        }
        for (Future<Entry> read : reads) {
          Entry e = await(read);
          assertThat(text(e)).isEqualTo("from the database");
          assertThat(e.version()).isEqualTo(7);
        }
        for (int i = 0; i < 3; i++) {
          assertThat(storeCalls(i, "load") - loads[i]).as("loads at " + cluster.ids.get(i))
              .isEqualTo(i == owner ? 1 : 0);
        }
      } finally {
        stop(); // before the database
        cluster = null;
      }
    }
  }

  /** Successful store calls of kind {@code op} at node {@code i} ({@code -1}: all nodes). */
  private double storeCalls(int i, String op) {
    double n = 0;
    for (int j = 0; j < cluster.size(); j++) {
      if ((i < 0 || i == j) && cluster.running(j)) {
        n += cluster.node(j).registry().find("cairn.store.calls").tag("op", op).tag("outcome", "success").timers()
            .stream().mapToLong(t -> t.count()).sum();
      }
    }
    return n;
  }
}
