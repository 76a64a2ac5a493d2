package io.cairn.cache;

import static io.cairn.cache.CacheCluster.await;
import static io.cairn.cache.CacheCluster.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.cairn.cache.CacheSpec.Capacity;
import io.cairn.cache.CacheSpec.StoreKind;
import io.cairn.cache.cluster.ClusterView;
import io.cairn.cache.cluster.Holders;
import io.cairn.cache.partition.Partitioner;
import io.cairn.membership.transport.Faults;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
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

  /** Waits until every running node serves and the holders match the target. */
  private void settled() {
    eventually(() -> {
      for (int i = 0; i < cluster.size(); i++) {
        if (cluster.running(i)) {
          assertThat(cluster.caches(i).serving()).as(cluster.ids.get(i) + " serves").isTrue();
        }
      }
      int any = 0;
      while (!cluster.running(any)) {
        any++;
      }
      ClusterView v = cluster.caches(any).view();
      assertThat(v.target()).isNotNull();
      for (int p = 0; p < v.partitionCount(); p++) {
        Holders h = v.assignments().holders(p);
        assertThat(h.pending()).as("partition " + p).isEmpty();
        assertThat(h.owner()).as("partition " + p).isEqualTo(v.target().owner(p));
      }
      return null;
    });
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
      Partitioner partitioner = new Partitioner(v.partitionCount());
      String key = null;
      for (int k = 0; key == null; k++) {
        if (cluster.ids.get(0).equals(v.assignments().holders(partitioner.partitionOf("k" + k)).owner())) {
          key = "k" + k;
        }
      }
      String written = key;
      RequestIds.within("put-7f3a", () -> await(cluster.caches(1).put("c", written, bytes("v"), "text/plain", null,
          Precondition.NONE)));
      RequestIds.within("get-7f3a", () -> await(cluster.caches(2).get("c", written)));
      List<String> many = new ArrayList<>();
      for (int k = 0; k < 100; k++) {
        many.add("k" + k);
      }
      RequestIds.within("bulk-7f3a", () -> await(cluster.caches(1).getAll("c", many)));
      eventually(() -> {
        assertThat(forwarded(appender, "put-7f3a")).containsExactly("Put from " + cluster.ids.get(1) + ": ok");
        assertThat(forwarded(appender, "get-7f3a")).containsExactly("Get from " + cluster.ids.get(2) + ": ok");
        // a bulk read asks each other owner once, for all its keys
        assertThat(forwarded(appender, "bulk-7f3a")).containsExactlyInAnyOrder(
            "GetAll from " + cluster.ids.get(1) + ": ok", "GetAll from " + cluster.ids.get(1) + ": ok");
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
}
