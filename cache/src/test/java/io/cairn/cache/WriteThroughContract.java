package io.cairn.cache;

import static io.cairn.cache.testing.Futures.await;
import static io.cairn.cache.testing.Futures.failure;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.cache.CacheService.KeyPage;
import io.cairn.cache.CacheService.PutResult;
import io.cairn.cache.CacheSettings.StoreSettings;
import io.cairn.cache.testing.Contexts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache service writing through to a real database. Subclasses run it against embedded
 * SQLite and against a real PostgreSQL server.
 */
abstract class WriteThroughContract {
  static final Duration AWAIT = Duration.ofSeconds(15);

  @TempDir Path dataDir;
  Vertx vertx;
  SimpleMeterRegistry registry;
  CountingStore counting;
  CacheService service;
  /** A cache of this test's own (PostgreSQL is shared by the tests of a class). */
  String cache;

  /** The store URL and credentials; null URL for the embedded default. */
  abstract StoreSettings storeSettings(Duration sweepInterval);

  /** A direct JDBC connection to the store's database, to look at its rows. */
  abstract Connection rawConnection() throws SQLException;

  @BeforeEach
  void startService() {
    vertx = Vertx.vertx(new VertxOptions()
        .setMaxEventLoopExecuteTime(200).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
    registry = new SimpleMeterRegistry();
    service = start(Duration.ofMinutes(1));
    cache = "c-" + UUID.randomUUID().toString().substring(0, 8);
    await(service.define(cache, CacheSpec.defaults()));
  }

  @AfterEach
  void stopService() {
    if (service != null) {
      await(service.close());
    }
    await(vertx.close());
  }

  CacheService start(Duration sweepInterval) {
    var settings = new CacheSettings(dataDir, 1024, 1024 * 1024, storeSettings(sweepInterval));
    return await(CacheServices.start(vertx, settings, registry, store -> counting = new CountingStore(store)));
  }

  void restart(Duration sweepInterval) {
    await(service.close());
    service = null;
    service = start(sweepInterval);
  }

  PutResult put(String key, String value) {
    return await(service.put(cache, key, value.getBytes(UTF_8), "text/plain", null, Precondition.NONE));
  }

  String value(String key) {
    Entry e = await(service.get(cache, key));
    return e == null ? null : new String(e.value(), UTF_8);
  }

  long rowCount(String cacheName) throws SQLException {
    try (Connection c = rawConnection();
        PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM cairn_entries WHERE cache_name = ?")) {
      ps.setString(1, cacheName);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  static CacheFailure.Reason reason(Future<?> future) {
    Throwable t = failure(future);
    assertThat(t).isInstanceOf(CacheFailure.class);
    return ((CacheFailure) t).reason();
  }

  /** Runs {@code call} on {@code context} and completes with whether its result came back there. */
  static <T> Future<Boolean> completesOn(Context context, Supplier<Future<T>> call) {
    Promise<Boolean> onCaller = Promise.promise();
    context.runOnContext(v -> call.get().onComplete(ar -> {
      if (ar.failed()) {
        onCaller.fail(ar.cause());
      } else {
        onCaller.complete(Vertx.currentContext() == context);
      }
    }));
    return onCaller.future();
  }

  // ---------------------------------------------------------------- tests

  @Test
  void putGetDeleteKeepsValuesByteForByte() {
    byte[] every = new byte[256];
    for (int i = 0; i < every.length; i++) {
      every[i] = (byte) i;
    }
    PutResult created = await(service.put(cache, "k", every, "application/x-thing; v=1", null, Precondition.NONE));
    assertThat(created.created()).isTrue();
    Entry got = await(service.get(cache, "k"));
    assertThat(got.value()).isEqualTo(every);
    assertThat(got.contentType()).isEqualTo("application/x-thing; v=1");
    assertThat(got.version()).isEqualTo(created.entry().version());
    assertThat(got.expiresAt()).isNull();

    PutResult replaced = put("k", "two");
    assertThat(replaced.created()).isFalse();
    assertThat(replaced.entry().version()).isGreaterThan(created.entry().version());
    assertThat(value("k")).isEqualTo("two");

    await(service.delete(cache, "k", Precondition.NONE));
    assertThat(await(service.get(cache, "k"))).isNull();
    assertThat(reason(service.delete(cache, "k", Precondition.NONE))).isEqualTo(CacheFailure.Reason.NO_SUCH_ENTRY);

    PutResult again = put("k", "three");
    assertThat(again.created()).isTrue();
    assertThat(again.entry().version()).as("versions never repeat across delete and put")
        .isGreaterThan(replaced.entry().version());
  }

  @Test
  void definitionsAndEntriesSurviveARestart() throws Exception {
    byte[] bytes = {0, -1, 10, 13, 0x7f, -128};
    Entry written = await(service.put(cache, "clé/1", bytes, "image/x-raw", Duration.ofHours(1), Precondition.NONE)).entry();
    Entry empty = await(service.put(cache, "empty", new byte[0], "text/plain", null, Precondition.NONE)).entry();
    var otherSpec = new CacheSpec(CacheSpec.Capacity.bytes(1 << 20), Duration.ofMinutes(5), CacheSpec.StoreKind.JDBC);
    await(service.define(cache + "-b", otherSpec));
    Instant createdAt = await(service.describe(cache)).createdAt();

    restart(Duration.ofMinutes(1));

    assertThat(await(service.describe(cache)).createdAt()).isEqualTo(createdAt);
    assertThat(await(service.describe(cache + "-b")).spec()).isEqualTo(otherSpec);
    assertThat(counting.calls("load")).isZero();
    Entry reloaded = await(service.get(cache, "clé/1"));
    assertThat(counting.calls("load")).isEqualTo(1);
    assertThat(reloaded.value()).isEqualTo(bytes);
    assertThat(reloaded.contentType()).isEqualTo("image/x-raw");
    assertThat(reloaded.version()).isEqualTo(written.version());
    assertThat(reloaded.expiresAt()).isEqualTo(written.expiresAt());
    assertThat(await(service.get(cache, "empty")).value()).isEmpty();
    assertThat(await(service.get(cache, "empty")).version()).isEqualTo(empty.version());
    assertThat(put("clé/1", "next").entry().version()).isGreaterThan(written.version());
  }

  @Test
  void entriesExpireInMemoryAndInTheStore() throws Exception {
    put("forever", "v");
    Entry shortLived = await(service.put(cache, "short", "v".getBytes(UTF_8), "text/plain",
        Duration.ofMillis(300), Precondition.NONE)).entry();
    assertThat(shortLived.expiresAt()).isNotNull();
    await().atMost(AWAIT).until(() -> value("short") == null);
    // Memory dropped it; the store still has the row but no longer serves it. (Asked of the store
    // itself: whether a read of the service reaches the store depends on whether Caffeine has
    // already cleaned the expired mapping up, which is timing.)
    int loads = counting.calls("load");
    assertThat(await(counting.load(cache, "short"))).isNull();
    assertThat(counting.calls("load")).isEqualTo(loads + 1);
    assertThat(value("short")).isNull();
    assertThat(rowCount(cache)).isEqualTo(2);
    assertThat(await(service.keys(cache, "", null, 10)).keys()).containsExactly("forever");

    // A short sweep interval deletes the expired row.
    restart(Duration.ofMillis(100));
    await().atMost(AWAIT).until(() -> rowCount(cache) == 1);
    assertThat(value("forever")).isEqualTo("v");
  }

  @Test
  void theCachesDefaultTtlAppliesToPutsWithoutOne() {
    var spec = new CacheSpec(CacheSpec.Capacity.entries(100), Duration.ofMinutes(10), CacheSpec.StoreKind.JDBC);
    await(service.define(cache, spec));
    Instant before = Instant.now();
    Entry e = put("k", "v").entry();
    assertThat(e.expiresAt()).isBetween(before.plus(Duration.ofMinutes(10)).minusMillis(1),
        Instant.now().plus(Duration.ofMinutes(10)));
    Entry own = await(service.put(cache, "k2", new byte[1], "x/y", Duration.ofHours(2), Precondition.NONE)).entry();
    assertThat(own.expiresAt()).isAfter(Instant.now().plus(Duration.ofMinutes(100)));
  }

  @Test
  void keysPageThroughInUtf8ByteOrder() {
    List<String> keys = List.of("b", "a", "user:1", "user:10", "user:2", "é", "éclair", "€", "\uD83D\uDE00",
        "\uFFFD", "z", "Z", "0", "e");
    for (String k : keys) {
      put(k, "v");
    }
    List<String> expected = new ArrayList<>(keys);
    expected.sort((x, y) -> Arrays.compareUnsigned(x.getBytes(UTF_8), y.getBytes(UTF_8)));

    List<String> seen = new ArrayList<>();
    String after = null;
    int pages = 0;
    do {
      KeyPage page = await(service.keys(cache, "", after, 3));
      seen.addAll(page.keys());
      after = page.lastKey();
      pages++;
      if (page.keys().size() == 3) {
        assertThat(page.lastKey()).isEqualTo(page.keys().get(2));
      } else {
        assertThat(page.lastKey()).isNull();
      }
    } while (after != null);
    assertThat(seen).containsExactlyElementsOf(expected);
    assertThat(pages).isEqualTo(5);

    KeyPage users = await(service.keys(cache, "user:", null, 3));
    assertThat(users.keys()).containsExactly("user:1", "user:10", "user:2");
    assertThat(users.lastKey()).isEqualTo("user:2");
    KeyPage none = await(service.keys(cache, "user:", users.lastKey(), 3));
    assertThat(none.keys()).isEmpty();
    assertThat(none.lastKey()).isNull();

    assertThat(await(service.keys(cache, "é", null, 10)).keys()).containsExactly("é", "éclair");
    assertThat(await(service.keys(cache, "\uD83D\uDE00", null, 10)).keys()).containsExactly("\uD83D\uDE00");
    assertThat(reason(service.keys(cache, "\uD83D", null, 10))).isEqualTo(CacheFailure.Reason.INVALID_KEY);
  }

  @Test
  void concurrentIfMatchWritersOneWinnerPerVersion() {
    long version = put("k", "start").entry().version();
    List<Context> contexts = Contexts.distinct(vertx, 8);
    for (int round = 0; round < 5; round++) {
      long expected = version;
      List<Future<PutResult>> racers = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        String value = "r" + round + "w" + i;
        Promise<PutResult> p = Promise.promise();
        contexts.get(i % contexts.size()).runOnContext(v ->
            service.put(cache, "k", value.getBytes(UTF_8), "text/plain", null, Precondition.ifMatch(expected))
                .onComplete(p));
        racers.add(p.future());
      }
      await(Future.join(racers).transform(ar -> Future.succeededFuture()));
      List<PutResult> winners = racers.stream().filter(Future::succeeded).map(Future::result).toList();
      assertThat(winners).hasSize(1);
      assertThat(racers.stream().filter(Future::failed).map(f -> ((CacheFailure) f.cause()).reason()))
          .hasSize(15).containsOnly(CacheFailure.Reason.PRECONDITION_FAILED);
      PutResult winner = winners.get(0);
      assertThat(winner.entry().version()).isGreaterThan(version);
      assertThat(value("k")).isEqualTo(new String(winner.entry().value(), UTF_8));
      version = winner.entry().version();
    }

    List<Future<PutResult>> creators = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      Promise<PutResult> p = Promise.promise();
      int n = i;
      contexts.get(i % contexts.size()).runOnContext(v ->
          service.put(cache, "fresh", new byte[] {(byte) n}, "x/y", null, Precondition.ifNoneMatchStar()).onComplete(p));
      creators.add(p.future());
    }
    await(Future.join(creators).transform(ar -> Future.succeededFuture()));
    assertThat(creators.stream().filter(Future::succeeded).count()).isEqualTo(1);
  }

  @Test
  void concurrentMissesOnOneKeyMakeOneStoreLoad() {
    Entry stored = new Entry("hot", "from the store".getBytes(UTF_8), "text/plain", 42, null);
    await(counting.delegate().write(cache, stored)); // behind the service's back: memory does not have it
    Promise<Void> release = counting.holdLoads();
    List<Future<Entry>> readers = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      readers.add(service.get(cache, "hot"));
    }
    assertThat(counting.calls("load")).isEqualTo(1);
    release.complete();
    for (Future<Entry> reader : readers) {
      assertThat(await(reader).value()).isEqualTo(stored.value());
    }
    assertThat(counting.calls("load")).isEqualTo(1);
    // Caffeine records the load just after the waiters wake up.
    await().atMost(AWAIT).until(() -> await(service.describe(cache)).stats().loads() == 1);
    CacheStats stats = await(service.describe(cache)).stats();
    assertThat(stats.misses()).isEqualTo(1);
    assertThat(stats.hits()).isEqualTo(19);
    assertThat(stats.loads()).isEqualTo(1);
  }

  @Test
  void aHitDoesNotTouchTheStoreOrAWorker() {
    put("k", "v");
    int before = counting.requestCalls();
    for (int i = 0; i < 50; i++) {
      Future<Entry> hit = service.get(cache, "k");
      assertThat(hit.isComplete()).as("a hit completes synchronously").isTrue();
      assertThat(hit.result().value()).isEqualTo("v".getBytes(UTF_8));
    }
    assertThat(counting.requestCalls()).isEqualTo(before);
  }

  @Test
  void anAbsentKeyIsNotCached() {
    assertThat(await(service.get(cache, "nothing"))).isNull();
    // Caffeine drops the empty mapping just after the waiter wakes up; then every read asks again.
    await().atMost(AWAIT).until(() -> await(service.describe(cache)).stats().entries() == 0);
    int loads = counting.calls("load");
    assertThat(await(service.get(cache, "nothing"))).isNull();
    assertThat(counting.calls("load")).isEqualTo(loads + 1);
    await().atMost(AWAIT).until(() -> await(service.describe(cache)).stats().entries() == 0);
    assertThat(await(service.describe(cache)).stats().loadFailures()).isZero();
  }

  @Test
  void resultsCompleteOnTheCallersContext() {
    Context context = vertx.getOrCreateContext();
    await(counting.delegate().write(cache, new Entry("cold", new byte[] {1}, "x/y", 1, null)));
    assertThat(await(completesOn(context, () -> service.get(cache, "cold")))).isTrue();
    assertThat(await(completesOn(context, () -> service.put(cache, "k", new byte[] {1}, "x/y", null,
        Precondition.NONE)))).isTrue();
    assertThat(await(completesOn(context, () -> service.getAll(cache, List.of("k", "cold", "absent"))))).isTrue();
    assertThat(await(completesOn(context, () -> service.keys(cache, "", null, 10)))).isTrue();
    assertThat(await(completesOn(context, () -> service.delete(cache, "k", Precondition.NONE)))).isTrue();
    assertThat(await(completesOn(context, () -> service.define(cache + "-x", CacheSpec.defaults())))).isTrue();
    assertThat(await(completesOn(context, () -> service.remove(cache + "-x")))).isTrue();
  }

  @Test
  void aWriteTheStoreRefusesIsNeverSeen() {
    put("k", "committed");
    counting.refuseWrites(true);
    assertThat(reason(service.put(cache, "k", "lost".getBytes(UTF_8), "text/plain", null, Precondition.NONE)))
        .isEqualTo(CacheFailure.Reason.STORE_UNAVAILABLE);
    assertThat(reason(service.delete(cache, "k", Precondition.NONE))).isEqualTo(CacheFailure.Reason.STORE_UNAVAILABLE);
    counting.refuseWrites(false);
    int loads = counting.calls("load");
    assertThat(value("k")).isEqualTo("committed");
    assertThat(counting.calls("load")).as("memory was dropped, the store was asked").isEqualTo(loads + 1);
  }

  @Test
  void getAllAnswersInTheOrderAskedWithoutTheAbsent() {
    put("a", "1");
    put("b", "2");
    await(counting.delegate().write(cache, new Entry("c", "3".getBytes(UTF_8), "text/plain", 1, null)));
    Map<String, Entry> found = await(service.getAll(cache, List.of("c", "missing", "b", "a")));
    assertThat(found.keySet()).containsExactly("c", "b", "a");
    assertThat(new String(found.get("c").value(), UTF_8)).isEqualTo("3");
    assertThat(reason(service.getAll(cache, List.of("a", "")))).isEqualTo(CacheFailure.Reason.INVALID_KEY);
  }

  @Test
  void removingACacheRemovesItsRowsMemoryAndMeters() throws Exception {
    put("a", "1");
    put("b", "2");
    value("a");
    assertThat(registry.find("cairn.cache.gets").tag("cache", cache).meters()).isNotEmpty();
    assertThat(rowCount(cache)).isEqualTo(2);
    await(service.remove(cache));
    assertThat(rowCount(cache)).isZero();
    assertThat(registry.find("cairn.cache.gets").tag("cache", cache).meters()).isEmpty();
    assertThat(registry.find("cairn.cache.entries").tag("cache", cache).meters()).isEmpty();
    assertThat(reason(service.describe(cache))).isEqualTo(CacheFailure.Reason.NO_SUCH_CACHE);
    assertThat(reason(service.get(cache, "a"))).isEqualTo(CacheFailure.Reason.NO_SUCH_CACHE);
    assertThat(reason(service.remove(cache))).isEqualTo(CacheFailure.Reason.NO_SUCH_CACHE);
    assertThat(await(service.define(cache, CacheSpec.defaults())).created()).isTrue();
    assertThat(value("a")).isNull();

    restart(Duration.ofMinutes(1));
    assertThat(await(service.list()).stream().map(CacheInfo::name)).contains(cache);
  }

  @Test
  void theStoreIsUpWhenHealthy() {
    assertThat(service.storeStatus().state()).isEqualTo("UP");
    assertThat(service.storeStatus().ready()).isTrue();
  }
}
