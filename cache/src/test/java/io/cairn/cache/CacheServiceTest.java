package io.cairn.cache;

import static io.cairn.cache.testing.Futures.await;
import static io.cairn.cache.testing.Futures.failure;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.cache.CacheService.Defined;
import io.cairn.cache.CacheService.PutResult;
import io.cairn.cache.CacheSettings.StoreSettings;
import io.cairn.cache.CacheSpec.Capacity;
import io.cairn.cache.CacheSpec.StoreKind;
import io.cairn.cache.local.LocalCache;
import io.cairn.cache.testing.Contexts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service on the embedded store: configuration, capacity, memory-only caches, validation. */
class CacheServiceTest {
  private static final Duration AWAIT = Duration.ofSeconds(15);

  @TempDir Path dataDir;
  private Vertx vertx;
  private SimpleMeterRegistry registry;
  private CountingStore counting;
  private CacheService service;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    registry = new SimpleMeterRegistry();
    service = start();
  }

  @AfterEach
  void tearDown() {
    if (service != null) {
      await(service.close());
    }
    await(vertx.close());
  }

  private CacheService start() {
    var settings = new CacheSettings(dataDir, 64, 4096, StoreSettings.defaults());
    return await(CacheServices.start(vertx, settings, registry, s -> counting = new CountingStore(s)));
  }

  private static CacheFailure.Reason reason(Future<?> future) {
    Throwable t = failure(future);
    assertThat(t).isInstanceOf(CacheFailure.class);
    return ((CacheFailure) t).reason();
  }

  private static CacheSpec spec(Capacity capacity, StoreKind store) {
    return new CacheSpec(capacity, null, store);
  }

  private PutResult put(String cache, String key, int size) {
    return await(service.put(cache, key, new byte[size], "application/octet-stream", null, Precondition.NONE));
  }

  private CacheStats stats(String cache) {
    return await(service.describe(cache)).stats();
  }

  @Test
  void defineCreatesThenReconfiguresAndPersistsBeforeItCompletes() throws Exception {
    Defined created = await(service.define("users", CacheSpec.defaults()));
    assertThat(created.created()).isTrue();
    assertThat(created.info().spec()).isEqualTo(CacheSpec.defaults());
    assertThat(Files.readString(dataDir.resolve("caches.json"))).contains("\"users\"").contains("\"maxEntries\" : 10000");

    var bigger = new CacheSpec(Capacity.entries(20_000), Duration.ofSeconds(30), StoreKind.JDBC);
    Defined changed = await(service.define("users", bigger));
    assertThat(changed.created()).isFalse();
    assertThat(changed.info().spec()).isEqualTo(bigger);
    assertThat(changed.info().createdAt()).isEqualTo(created.info().createdAt());
    assertThat(Files.readString(dataDir.resolve("caches.json"))).contains("\"defaultTtlMillis\" : 30000");
    assertThat(await(service.define("users", bigger)).created()).isFalse();

    await(service.define("a-first", CacheSpec.defaults()));
    assertThat(await(service.list()).stream().map(CacheInfo::name)).containsExactly("a-first", "users");
  }

  @Test
  void theStoreOfALiveCacheCannotChange() {
    await(service.define("c", CacheSpec.defaults()));
    assertThat(reason(service.define("c", spec(Capacity.entries(10), StoreKind.NONE))))
        .isEqualTo(CacheFailure.Reason.SPEC_CONFLICT);
    assertThat(await(service.describe("c")).spec().store()).isEqualTo(StoreKind.JDBC);
  }

  @Test
  void invalidNamesAndSpecsAreRefused() {
    for (String name : new String[] {"", ".hidden", "a/b", "a b", "é", "x".repeat(129)}) {
      assertThat(reason(service.define(name, CacheSpec.defaults()))).as(name).isEqualTo(CacheFailure.Reason.INVALID_SPEC);
    }
    assertThat(reason(service.define(null, CacheSpec.defaults()))).isEqualTo(CacheFailure.Reason.INVALID_SPEC);
    assertThat(reason(service.define("ok", null))).isEqualTo(CacheFailure.Reason.INVALID_SPEC);
    assertThat(await(service.define("x".repeat(128), CacheSpec.defaults())).created()).isTrue();
  }

  @Test
  void unknownCachesAndBadInputFailWithTheirReason() {
    await(service.define("c", CacheSpec.defaults()));
    assertThat(reason(service.get("nope", "k"))).isEqualTo(CacheFailure.Reason.NO_SUCH_CACHE);
    assertThat(reason(service.get(null, "k"))).isEqualTo(CacheFailure.Reason.NO_SUCH_CACHE);
    assertThat(reason(service.put("nope", "k", new byte[1], null, null, null))).isEqualTo(CacheFailure.Reason.NO_SUCH_CACHE);
    assertThat(reason(service.remove("nope"))).isEqualTo(CacheFailure.Reason.NO_SUCH_CACHE);
    assertThat(reason(service.get("c", ""))).isEqualTo(CacheFailure.Reason.INVALID_KEY);
    assertThat(reason(service.get("c", "k".repeat(65)))).isEqualTo(CacheFailure.Reason.INVALID_KEY);
    assertThat(reason(service.get("c", "é".repeat(33)))).as("66 bytes").isEqualTo(CacheFailure.Reason.INVALID_KEY);
    assertThat(reason(service.delete("c", "a\u0000b", null))).isEqualTo(CacheFailure.Reason.INVALID_KEY);
    assertThat(reason(service.put("c", "k", new byte[4097], null, null, null))).isEqualTo(CacheFailure.Reason.VALUE_TOO_LARGE);
    assertThat(reason(service.put("c", "k", new byte[1], null, Duration.ZERO, null))).isEqualTo(CacheFailure.Reason.INVALID_SPEC);
    assertThat(reason(service.put("c", "k", new byte[1], null, CacheSpec.MAX_TTL.plusMillis(1), null)))
        .isEqualTo(CacheFailure.Reason.INVALID_SPEC);
    assertThat(reason(service.keys("c", "", null, 0))).isEqualTo(CacheFailure.Reason.INVALID_SPEC);
    assertThat(counting.requestCalls()).as("nothing invalid reaches the store").isZero();

    PutResult max = await(service.put("c", "k".repeat(64), new byte[4096], null, null, null));
    assertThat(max.entry().contentType()).isEqualTo("application/octet-stream");
  }

  @Test
  void preconditionsAreCheckedBeforeExistence() {
    await(service.define("c", CacheSpec.defaults()));
    assertThat(reason(service.put("c", "k", new byte[1], null, null, Precondition.ifMatch(1))))
        .isEqualTo(CacheFailure.Reason.PRECONDITION_FAILED);
    assertThat(reason(service.delete("c", "k", new Precondition(Precondition.ANY, false))))
        .isEqualTo(CacheFailure.Reason.PRECONDITION_FAILED);
    assertThat(reason(service.delete("c", "k", Precondition.NONE))).isEqualTo(CacheFailure.Reason.NO_SUCH_ENTRY);

    long v1 = await(service.put("c", "k", new byte[1], null, null, Precondition.ifNoneMatchStar())).entry().version();
    assertThat(reason(service.put("c", "k", new byte[1], null, null, Precondition.ifNoneMatchStar())))
        .isEqualTo(CacheFailure.Reason.PRECONDITION_FAILED);
    long v2 = await(service.put("c", "k", new byte[2], null, null, Precondition.ifMatch(v1))).entry().version();
    assertThat(reason(service.put("c", "k", new byte[3], null, null, Precondition.ifMatch(v1))))
        .isEqualTo(CacheFailure.Reason.PRECONDITION_FAILED);
    assertThat(reason(service.delete("c", "k", Precondition.ifMatch(v1)))).isEqualTo(CacheFailure.Reason.PRECONDITION_FAILED);
    await(service.delete("c", "k", Precondition.ifMatch(v1, v2)));
    assertThat(await(service.get("c", "k"))).isNull();
  }

  @Test
  void evictsByCountButTheStoreKeepsEverything() {
    await(service.define("c", spec(Capacity.entries(10), StoreKind.JDBC)));
    for (int i = 0; i < 30; i++) {
      put("c", "k" + i, 8);
    }
    await().atMost(AWAIT).until(() -> stats("c").entries() <= 10 && stats("c").evictions() >= 20);
    for (int i = 0; i < 30; i++) {
      assertThat(await(service.get("c", "k" + i))).as("k%d reloads from the store", i).isNotNull();
    }
  }

  @Test
  void evictsByWeighedBytes() {
    long perEntry = 2 + 1000 + LocalCache.ENTRY_OVERHEAD_BYTES;
    await(service.define("c", spec(Capacity.bytes(5 * perEntry), StoreKind.JDBC)));
    for (int i = 0; i < 10; i++) {
      put("c", "k" + i, 1000);
    }
    await().atMost(AWAIT).until(() -> stats("c").entries() <= 5);
    assertThat(stats("c").weightedBytes()).isLessThanOrEqualTo(5 * perEntry).isPositive();
  }

  @Test
  void reconfigureGrowsShrinksAndChangesUnitKeepingEntries() {
    await(service.define("c", spec(Capacity.entries(100), StoreKind.NONE)));
    for (int i = 0; i < 50; i++) {
      put("c", "k" + i, 10);
    }
    await(service.define("c", spec(Capacity.entries(10), StoreKind.NONE)));
    await().atMost(AWAIT).until(() -> stats("c").entries() <= 10);

    await(service.define("c", spec(Capacity.entries(1000), StoreKind.NONE)));
    for (int i = 0; i < 200; i++) {
      put("c", "n" + i, 10);
    }
    assertThat(stats("c").entries()).isGreaterThan(100);

    long before = stats("c").entries();
    List<String> keys = await(service.keys("c", "", null, 1000)).keys();
    await(service.define("c", spec(Capacity.bytes(10_000_000), StoreKind.NONE)));
    assertThat(await(service.describe("c")).spec().capacity()).isEqualTo(Capacity.bytes(10_000_000));
    assertThat(stats("c").entries()).isEqualTo(before);
    for (String k : keys) {
      assertThat(await(service.get("c", k))).as(k).isNotNull();
    }
    assertThat(stats("c").weightedBytes()).isEqualTo(keys.stream()
        .mapToLong(k -> k.length() + 10 + LocalCache.ENTRY_OVERHEAD_BYTES).sum());

    await(service.define("c", spec(Capacity.bytes(2 * (3 + 10 + LocalCache.ENTRY_OVERHEAD_BYTES)), StoreKind.NONE)));
    await().atMost(AWAIT).until(() -> stats("c").entries() <= 2);
  }

  @Test
  void aNewDefaultTtlAppliesToLaterPutsOnly() {
    await(service.define("c", CacheSpec.defaults()));
    PutResult early = put("c", "early", 1);
    await(service.define("c", new CacheSpec(Capacity.entries(10_000), Duration.ofHours(1), StoreKind.JDBC)));
    PutResult late = put("c", "late", 1);
    assertThat(early.entry().expiresAt()).isNull();
    assertThat(await(service.get("c", "early")).expiresAt()).isNull();
    assertThat(late.entry().expiresAt()).isNotNull();
  }

  @Test
  void changingTheUnitLosesNoAcknowledgedWriteOfAMemoryOnlyCache() {
    await(service.define("c", spec(Capacity.entries(1_000_000), StoreKind.NONE)));
    for (int i = 0; i < 10_000; i++) { // so that each copy to a new Caffeine takes a while
      await(service.put("c", "fill" + i, new byte[1], null, null, null));
    }
    // Three writers on their own event loops write their own keys one after the other ...
    var stop = new java.util.concurrent.atomic.AtomicBoolean();
    List<Context> contexts = Contexts.distinct(vertx, 3);
    List<Future<Integer>> writers = new ArrayList<>();
    for (int w = 0; w < 3; w++) {
      String prefix = "w" + w + "-";
      Promise<Integer> done = Promise.promise();
      contexts.get(w).runOnContext(v -> writeUntil(stop, prefix, 0, done));
      writers.add(done.future());
    }
    // ... until the unit has changed back and forth.
    for (int i = 0; i < 6; i++) {
      Capacity next = i % 2 == 0 ? Capacity.bytes(1_000_000_000) : Capacity.entries(1_000_000);
      await(service.define("c", spec(next, StoreKind.NONE)));
    }
    stop.set(true);
    long total = 10_000;
    for (int w = 0; w < 3; w++) {
      int written = await(writers.get(w));
      total += written;
      for (int i = 0; i < written; i++) {
        Entry e = await(service.get("c", "w" + w + "-" + i));
        assertThat(e).as("w%d-%d was acknowledged", w, i).isNotNull();
        assertThat(new String(e.value(), UTF_8)).isEqualTo("w" + w + "-" + i);
      }
    }
    assertThat(stats("c").entries()).isEqualTo(total);
  }

  /** Puts keys prefix0, prefix1, ... one at a time until {@code stop}; completes with the count. */
  private void writeUntil(java.util.concurrent.atomic.AtomicBoolean stop, String prefix, int i, Promise<Integer> done) {
    if (stop.get() || i == 30_000) {
      done.complete(i);
      return;
    }
    String key = prefix + i;
    service.put("c", key, key.getBytes(UTF_8), "text/plain", null, null)
        .onSuccess(r -> Vertx.currentContext().runOnContext(v -> writeUntil(stop, prefix, i + 1, done))) // no deep recursion
        .onFailure(done::fail);
  }

  @Test
  void memoryOnlyCachesNeverTouchTheStore() {
    await(service.define("m", spec(Capacity.entries(100), StoreKind.NONE)));
    assertThat(await(service.get("m", "k"))).isNull();
    PutResult first = await(service.put("m", "k", "v1".getBytes(UTF_8), "text/plain", null, Precondition.ifNoneMatchStar()));
    assertThat(first.created()).isTrue();
    assertThat(reason(service.put("m", "k", new byte[1], null, null, Precondition.ifMatch(first.entry().version() + 1))))
        .isEqualTo(CacheFailure.Reason.PRECONDITION_FAILED);
    PutResult second = await(service.put("m", "k", "v2".getBytes(UTF_8), "text/plain", null,
        Precondition.ifMatch(first.entry().version())));
    assertThat(second.created()).isFalse();
    await(service.put("m", "é", new byte[1], null, null, null));
    await(service.put("m", "a", new byte[1], null, null, null));
    await(service.put("m", "\uD83D\uDE00", new byte[1], null, null, null));
    await(service.put("m", "\uFFFD", new byte[1], null, null, null));
    assertThat(await(service.keys("m", "", null, 10)).keys()).containsExactly("a", "k", "é", "\uFFFD", "\uD83D\uDE00");
    assertThat(await(service.keys("m", "", "k", 2)).keys()).containsExactly("é", "\uFFFD");
    assertThat(await(service.keys("m", "", "k", 2)).lastKey()).isEqualTo("\uFFFD");
    assertThat(await(service.getAll("m", List.of("k", "zz"))).keySet()).containsExactly("k");
    await(service.delete("m", "k", null));
    assertThat(await(service.get("m", "k"))).isNull();
    assertThat(reason(service.delete("m", "k", null))).isEqualTo(CacheFailure.Reason.NO_SUCH_ENTRY);
    await(service.remove("m"));
    assertThat(counting.requestCalls()).isZero();
  }

  @Test
  void metersPerCacheAreRegisteredAndRemoved() {
    await(service.define("c", CacheSpec.defaults()));
    put("c", "k", 1);
    await(service.get("c", "k"));
    await(service.get("c", "absent"));
    assertThat(registry.get("cairn.cache.gets").tags("cache", "c", "result", "hit").functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("cairn.cache.gets").tags("cache", "c", "result", "miss").functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("cairn.cache.entries").tags("cache", "c").gauge().value()).isEqualTo(1);
    assertThat(registry.get("cairn.store.calls").tags("op", "write", "outcome", "success").timer().count()).isEqualTo(1);
    await(service.remove("c"));
    assertThat(registry.find("cairn.cache.gets").meters()).isEmpty();
    await(service.close());
    service = null;
    assertThat(registry.getMeters()).isEmpty();
  }

  @Test
  void anUnsupportedStoreUrlStopsTheStartNamingTheKey() {
    var settings = new CacheSettings(dataDir.resolve("other"), 64, 4096, new StoreSettings(
        "jdbc:h2:mem:x", null, null, 2, Duration.ofSeconds(1), 3, Duration.ofSeconds(1), Duration.ofMinutes(1)));
    assertThat(failure(CacheServices.start(vertx, settings, new SimpleMeterRegistry())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("store.url:");
  }

  @Test
  void aCorruptDefinitionsFileStopsTheStart() throws Exception {
    await(service.close());
    service = null;
    Files.writeString(dataDir.resolve("caches.json"), "{\"format\": 1, \"caches\": [{\"name\": \"../x\"}]}");
    assertThat(failure(CacheServices.start(vertx, new CacheSettings(dataDir, 64, 4096, StoreSettings.defaults()),
        new SimpleMeterRegistry()))).hasMessageContaining("caches.json");
  }

  @Test
  void theDefinitionsFileIsReplacedNotEdited() throws Exception {
    await(service.define("a", CacheSpec.defaults()));
    await(service.define("b", spec(Capacity.bytes(1000), StoreKind.NONE)));
    await(service.remove("a"));
    assertThat(Files.list(dataDir).map(p -> p.getFileName().toString()))
        .doesNotContain("caches.json.tmp");
    await(service.close());
    service = start();
    assertThat(await(service.list()).stream().map(CacheInfo::name)).containsExactly("b");
    assertThat(await(service.describe("b")).spec()).isEqualTo(spec(Capacity.bytes(1000), StoreKind.NONE));
    assertThat(Set.copyOf(await(service.list()))).hasSize(1);
  }
}
