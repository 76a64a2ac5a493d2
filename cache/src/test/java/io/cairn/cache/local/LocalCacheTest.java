package io.cairn.cache.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cache.CacheFailure;
import io.cairn.cache.CacheSpec.Capacity;
import io.cairn.cache.Entry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The memory tier alone: maintenance on the calling thread, a fake ticker, a fixed wall clock. */
class LocalCacheTest {
  private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
  private final AtomicLong ticker = new AtomicLong(Long.MAX_VALUE - TimeUnit.HOURS.toNanos(1));
  private final Clock wall = Clock.fixed(NOW, ZoneOffset.UTC);

  private LocalCache cache(Capacity capacity) {
    return LocalCache.createForTest("t", capacity, wall, Runnable::run, ticker::get);
  }

  private static Entry entry(String key, int size, Instant expiresAt) {
    return new Entry(key, new byte[size], "application/octet-stream", 1, expiresAt);
  }

  @Test
  void concurrentMissesOnOneKeyShareOneLoad() {
    var cache = cache(Capacity.entries(100));
    var loads = new AtomicInteger();
    Promise<Entry> store = Promise.promise();
    List<Future<Entry>> readers = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      readers.add(cache.get("k", k -> {
        loads.incrementAndGet();
        return store.future();
      }));
    }
    assertThat(loads).hasValue(1);
    assertThat(readers).allMatch(f -> !f.isComplete());
    store.complete(entry("k", 3, null));
    assertThat(readers).allSatisfy(f -> assertThat(f.result().value()).hasSize(3));
    assertThat(cache.stats().loads()).isEqualTo(1);
    assertThat(cache.stats().misses()).isEqualTo(1);
    assertThat(cache.stats().hits()).isEqualTo(9);
  }

  @Test
  void aHitIsAnsweredAtOnceWithoutTheLoader() {
    var cache = cache(Capacity.entries(100));
    cache.install(entry("k", 1, null));
    Future<Entry> hit = cache.get("k", k -> {
      throw new AssertionError("a hit must not load");
    });
    assertThat(hit.isComplete()).isTrue();
    assertThat(hit.result().key()).isEqualTo("k");
  }

  @Test
  void anAbsentKeyIsNotCached() {
    var cache = cache(Capacity.entries(100));
    var loads = new AtomicInteger();
    for (int i = 0; i < 3; i++) {
      Future<Entry> miss = cache.get("nope", k -> {
        loads.incrementAndGet();
        return Future.succeededFuture(null);
      });
      assertThat(miss.result()).isNull();
    }
    assertThat(loads).hasValue(3);
    assertThat(cache.peek("nope")).isNull();
    assertThat(cache.estimatedSize()).isZero();
    assertThat(cache.stats().loads()).isEqualTo(3);
    assertThat(cache.stats().loadFailures()).as("absent is not a failure").isZero();
  }

  @Test
  void aFailedLoadReachesEveryWaiterAndIsNotCached() {
    var cache = cache(Capacity.entries(100));
    Promise<Entry> store = Promise.promise();
    Future<Entry> first = cache.get("k", k -> store.future());
    Future<Entry> second = cache.get("k", k -> store.future());
    store.fail(CacheFailure.storeUnavailable("down", null));
    assertThat(first.cause()).isInstanceOf(CacheFailure.class).hasMessage("down");
    assertThat(second.cause()).isInstanceOf(CacheFailure.class).hasMessage("down");
    assertThat(cache.peek("k")).isNull();
    assertThat(cache.stats().loadFailures()).isEqualTo(1);
    assertThat(cache.get("k", k -> Future.succeededFuture(entry("k", 1, null))).result()).isNotNull();
  }

  @Test
  void aLoadThatWasOvertakenByAnInstallDoesNotOverwriteIt() {
    var cache = cache(Capacity.entries(100));
    Promise<Entry> slowLoad = Promise.promise();
    Future<Entry> reader = cache.get("k", k -> slowLoad.future());
    Entry newer = new Entry("k", new byte[] {2}, "x/y", 2, null);
    cache.install(newer);
    slowLoad.complete(new Entry("k", new byte[] {1}, "x/y", 1, null));
    assertThat(reader.result().version()).isEqualTo(1);
    assertThat(cache.getIfPresent("k")).isEqualTo(newer);
  }

  @Test
  void anInvalidatedLoadIsNotInstalled() {
    var cache = cache(Capacity.entries(100));
    Promise<Entry> slowLoad = Promise.promise();
    cache.get("k", k -> slowLoad.future());
    cache.invalidate("k");
    slowLoad.complete(entry("k", 1, null));
    assertThat(cache.peek("k")).isNull();
  }

  @Test
  void entriesExpireOnTheMonotonicTickerFromTheirExpiresAt() {
    var cache = cache(Capacity.entries(100));
    cache.install(entry("ttl", 1, NOW.plusSeconds(10)));
    cache.install(entry("forever", 1, null));
    cache.install(entry("past", 1, NOW.minusMillis(1)));
    assertThat(cache.getIfPresent("past")).isNull();
    ticker.addAndGet(TimeUnit.SECONDS.toNanos(9)); // crosses Long.MAX_VALUE
    assertThat(cache.getIfPresent("ttl")).isNotNull();
    ticker.addAndGet(TimeUnit.SECONDS.toNanos(2));
    assertThat(cache.getIfPresent("ttl")).isNull();
    ticker.addAndGet(TimeUnit.DAYS.toNanos(365));
    assertThat(cache.getIfPresent("forever")).isNotNull();
  }

  @Test
  void evictsByCount() {
    var cache = cache(Capacity.entries(10));
    for (int i = 0; i < 50; i++) {
      cache.install(entry("k" + i, 1, null));
    }
    cache.cleanUp();
    assertThat(cache.estimatedSize()).isEqualTo(10);
    assertThat(cache.stats().evictions()).isEqualTo(40);
  }

  @Test
  void evictsByWeighedBytes() {
    int perEntry = 2 + 100 + LocalCache.ENTRY_OVERHEAD_BYTES; // "kN" + 100 bytes + overhead
    var cache = cache(Capacity.bytes(5L * perEntry));
    for (int i = 0; i < 10; i++) {
      cache.install(entry("k" + i, 100, null));
    }
    cache.cleanUp();
    assertThat(cache.estimatedSize()).isEqualTo(5);
    assertThat(cache.weightedBytes()).isEqualTo(5L * perEntry);
  }

  @Test
  void resizeInTheSameUnitKeepsTheCacheAndEvictsDownToTheNewBound() {
    var cache = cache(Capacity.entries(100));
    for (int i = 0; i < 50; i++) {
      cache.install(entry("k" + i, 1, null));
    }
    assertThat(cache.needsRebuild(Capacity.entries(20))).isFalse();
    cache.resize(Capacity.entries(20));
    cache.cleanUp();
    assertThat(cache.estimatedSize()).isEqualTo(20);
    cache.resize(Capacity.entries(200));
    for (int i = 50; i < 150; i++) {
      cache.install(entry("k" + i, 1, null));
    }
    cache.cleanUp();
    assertThat(cache.estimatedSize()).isEqualTo(120);
  }

  @Test
  void resizeToAnotherUnitCopiesEntriesWithTheirExpiryAndKeepsStatistics() {
    var cache = cache(Capacity.entries(100));
    cache.install(entry("a", 10, NOW.plusSeconds(5)));
    cache.install(entry("b", 10, null));
    cache.getIfPresent("a");
    assertThat(cache.needsRebuild(Capacity.bytes(1_000_000))).isTrue();
    cache.resize(Capacity.bytes(1_000_000));
    assertThat(cache.capacity()).isEqualTo(Capacity.bytes(1_000_000));
    assertThat(cache.keys()).containsExactlyInAnyOrder("a", "b");
    assertThat(cache.weightedBytes()).isEqualTo(2L * (1 + 10 + LocalCache.ENTRY_OVERHEAD_BYTES));
    assertThat(cache.stats().hits()).isEqualTo(1);
    ticker.addAndGet(TimeUnit.SECONDS.toNanos(6));
    assertThat(cache.getIfPresent("a")).isNull();
    assertThat(cache.getIfPresent("b")).isNotNull();
  }

  @Test
  void weightOfAnEntryBoundedCacheIsEstimated() {
    var cache = cache(Capacity.entries(100));
    for (int i = 0; i < 10; i++) {
      cache.install(entry("k" + i, 50, null));
    }
    assertThat(cache.weightedBytes()).isEqualTo(10L * (2 + 50 + LocalCache.ENTRY_OVERHEAD_BYTES));
  }
}
