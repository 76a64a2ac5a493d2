package io.cairn.cache.local;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.Ticker;
import io.cairn.cache.CacheSpec.Capacity;
import io.cairn.cache.CacheStats;
import io.cairn.cache.Entry;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The memory tier of one cache: a Caffeine {@link AsyncCache} of entries, bounded by a number of
 * entries or by weighed bytes, with per-entry expiry and statistics. This package is the only one
 * that imports Caffeine. (Public only so that the service package can use it; it is internal to
 * the cache module.)
 *
 * <p><b>Reads.</b> {@link #get} answers a hit with an already completed Future, without touching
 * the loader or a worker thread. A miss calls the loader once per key however many callers wait
 * for it (Caffeine keeps the in-flight future in the map); a load that finds nothing leaves no
 * mapping behind, so an absent key is never cached.
 *
 * <p><b>Writes.</b> {@link #install} and {@link #invalidate} are called by the owner of the write
 * path once the backing store has the truth. A load in flight while a key is installed or
 * invalidated never overwrites the newer mapping: Caffeine installs a loaded value only if its
 * future is still the key's mapping.
 *
 * <p><b>Weight.</b> Caches bounded in bytes weigh an entry as its key's UTF-8 bytes, plus its
 * value's bytes, plus {@link #ENTRY_OVERHEAD_BYTES}.
 */
public final class LocalCache {
  /**
   * The heap an entry costs besides its key and value bytes, as estimated for a 64-bit JVM with
   * compressed pointers: Caffeine's node with its expiry and weight fields (about 72 bytes), the
   * completed future (24), the {@link Entry} record (32), the key String and its array headers
   * (40), the value array header (16), the content type's reference and share of a String (about
   * 48), and the hash table slot (rounded up). A fixed figure keeps the bound predictable.
   */
  public static final int ENTRY_OVERHEAD_BYTES = 256;

  private static final int WEIGHT_SAMPLE = 1024;

  private final String name;
  private final Clock wallClock;
  private final Executor executor;
  private final Ticker ticker;
  private final CacheCounters counters = new CacheCounters();
  private final List<Meter> meters = new ArrayList<>();
  private final MeterRegistry registry;
  private volatile AsyncCache<String, Entry> cache;
  private volatile Capacity capacity;

  private LocalCache(String name, Capacity capacity, Clock wallClock, Executor executor, Ticker ticker,
      MeterRegistry registry) {
    this.name = Objects.requireNonNull(name, "name");
    this.capacity = Objects.requireNonNull(capacity, "capacity");
    this.wallClock = Objects.requireNonNull(wallClock, "wallClock");
    this.executor = Objects.requireNonNull(executor, "executor");
    this.ticker = ticker;
    this.registry = registry;
    this.cache = build(capacity);
  }

  /**
   * A new memory tier whose meters ({@code cairn.cache.*}, tagged {@code cache}) are registered
   * in {@code registry} until {@link #close()}.
   *
   * @param wallClock the clock {@link Entry#expiresAt()} is measured against
   */
  public static LocalCache create(String name, Capacity capacity, Clock wallClock, MeterRegistry registry) {
    LocalCache local = new LocalCache(name, capacity, wallClock, Runnable::run, null, registry);
    local.registerMeters();
    return local;
  }

  /** For tests: maintenance on the calling thread and a fake ticker, no meters. */
  static LocalCache createForTest(String name, Capacity capacity, Clock wallClock, Executor executor,
      Ticker ticker) {
    return new LocalCache(name, capacity, wallClock, executor, ticker, null);
  }

  private AsyncCache<String, Entry> build(Capacity bound) {
    Caffeine<String, Entry> builder = Caffeine.newBuilder()
        .expireAfter(new EntryExpiry(wallClock))
        .recordStats(() -> counters);
    // Caffeine's own maintenance and notifications run on the calling thread (an event loop): the
    // work is small and never blocks (no listener does I/O). Its default, the common pool, is
    // the wrong place on a small machine: with fewer than 3 cores its parallelism is 1, and
    // CompletableFuture then starts a new thread for every task, one per replaced entry.
    builder.executor(executor);
    if (ticker != null) {
      builder.ticker(ticker);
    }
    if (bound.unit() == Capacity.Unit.BYTES) {
      builder = builder.maximumWeight(bound.maximum()).weigher(EntryWeigher.INSTANCE);
    } else {
      builder.maximumSize(bound.maximum());
    }
    return builder.buildAsync();
  }

  /**
   * The entry of {@code key}, loading it on a miss. A hit completes at once; otherwise the result
   * completes on the caller's Vert.x context (none outside Vert.x). A loader failure fails this
   * Future with the loader's own exception and leaves no mapping.
   *
   * @param loader reads the key from the backing store; a null result means absent
   */
  public Future<Entry> get(String key, Function<String, Future<Entry>> loader) {
    CompletableFuture<Entry> future = cache.get(key, (k, unusedExecutor) -> load(k, loader));
    return toVertx(future);
  }

  /** The entry in memory, or null; counts as a hit or a miss. Never loads. */
  public Entry getIfPresent(String key) {
    CompletableFuture<Entry> future = cache.getIfPresent(key);
    return future == null ? null : doneValue(future);
  }

  /**
   * The key's mapping as it is, without counting a hit or a miss: a completed Future for an entry
   * in memory, the Future of the load in flight, or null when memory has nothing.
   */
  public Future<Entry> peek(String key) {
    CompletableFuture<Entry> future = cache.asMap().get(key);
    return future == null ? null : toVertx(future);
  }

  /** The entry in memory now, or null (also while it loads); counts neither a hit nor a miss. */
  public Entry peekValue(String key) {
    CompletableFuture<Entry> future = cache.asMap().get(key);
    return future == null ? null : doneValue(future);
  }

  /** Makes {@code entry} the key's mapping; the backing store must already hold it. */
  public void install(Entry entry) {
    cache.put(entry.key(), CompletableFuture.completedFuture(entry));
  }

  /** Drops the key's mapping, including a load in flight (whose result is then not installed). */
  public void invalidate(String key) {
    cache.synchronous().invalidate(key);
  }

  /** Drops every mapping. */
  public void invalidateAll() {
    cache.synchronous().invalidateAll();
  }

  /** Whether {@link #resize} to {@code next} builds a new Caffeine (the unit changes). */
  public boolean needsRebuild(Capacity next) {
    return next.unit() != capacity.unit();
  }

  /**
   * Changes the bound. In the same unit the live cache takes the new maximum (evicting down to a
   * smaller one). A change of unit builds a new Caffeine and copies every entry (each keeps its
   * expiry, recomputed from {@link Entry#expiresAt()}); the caller must make sure that no
   * {@link #install} or {@link #invalidate} runs meanwhile. Loads in flight finish for their
   * waiters but are not carried over. Statistics carry on.
   */
  public void resize(Capacity next) {
    if (!needsRebuild(next)) {
      policyEviction().setMaximum(next.maximum());
      capacity = next;
      return;
    }
    AsyncCache<String, Entry> old = cache;
    AsyncCache<String, Entry> rebuilt = build(next);
    for (Map.Entry<String, CompletableFuture<Entry>> mapping : old.asMap().entrySet()) {
      CompletableFuture<Entry> future = mapping.getValue();
      if (future.isDone() && !future.isCompletedExceptionally() && future.getNow(null) != null) {
        rebuilt.put(mapping.getKey(), future);
      }
    }
    cache = rebuilt;
    capacity = next;
    old.synchronous().invalidateAll();
  }

  /** The capacity in force. */
  public Capacity capacity() {
    return capacity;
  }

  /**
   * Calls {@code action} with each key that has a mapping in memory now (or a load under way), in
   * no particular order, without copying the key set: weakly consistent, as Caffeine's iterators
   * are. Any thread; for the scans of whole partitions, which belong on a worker thread.
   */
  public void forEachKey(Consumer<String> action) {
    for (String key : cache.asMap().keySet()) {
      action.accept(key);
    }
  }

  /** A snapshot of the keys whose entries are in memory now, in no particular order. */
  public List<String> keys() {
    List<String> keys = new ArrayList<>();
    for (Map.Entry<String, CompletableFuture<Entry>> mapping : cache.asMap().entrySet()) {
      CompletableFuture<Entry> future = mapping.getValue();
      if (future.isDone() && !future.isCompletedExceptionally() && future.getNow(null) != null) {
        keys.add(mapping.getKey());
      }
    }
    return keys;
  }

  /** Estimated number of entries in memory. */
  public long estimatedSize() {
    return cache.synchronous().estimatedSize();
  }

  /**
   * Estimated bytes in memory, as weighed for byte-bounded caches. Exact (Caffeine's weighted
   * size) for a byte-bounded cache; for an entry-bounded cache, the mean weight of up to 1024
   * entries times the estimated size, so that the cost stays constant.
   */
  public long weightedBytes() {
    Policy.Eviction<String, Entry> eviction = policyEviction();
    if (eviction.isWeighted()) {
      return eviction.weightedSize().orElse(0);
    }
    long sampled = 0;
    long weight = 0;
    Iterator<Map.Entry<String, CompletableFuture<Entry>>> it = cache.asMap().entrySet().iterator();
    while (sampled < WEIGHT_SAMPLE && it.hasNext()) {
      Map.Entry<String, CompletableFuture<Entry>> mapping = it.next();
      Entry entry = doneValue(mapping.getValue());
      if (entry != null) {
        sampled++;
        weight += EntryWeigher.weightOf(mapping.getKey(), entry.value().length);
      }
    }
    if (sampled == 0) {
      return 0;
    }
    long size = estimatedSize();
    return sampled >= size ? weight : Math.round((double) weight / sampled * size);
  }

  /** Runs pending maintenance (evictions, expirations) now. */
  public void cleanUp() {
    cache.synchronous().cleanUp();
  }

  /** Counters since this cache was created on this node. */
  public CacheStats stats() {
    return new CacheStats(counters.hits(), counters.misses(), counters.loads(),
        counters.loadFailures(), counters.evictions(), estimatedSize(), weightedBytes());
  }

  /** Drops every entry and removes this cache's meters. */
  public void close() {
    if (registry != null) {
      synchronized (meters) {
        meters.forEach(registry::remove);
        meters.clear();
      }
    }
    cache.synchronous().invalidateAll();
  }

  private void registerMeters() {
    if (registry == null) {
      return;
    }
    synchronized (meters) {
      meters.add(FunctionCounter.builder("cairn.cache.gets", counters, CacheCounters::hits)
          .tags("cache", name, "result", "hit").description("Reads answered from memory")
          .register(registry));
      meters.add(FunctionCounter.builder("cairn.cache.gets", counters, CacheCounters::misses)
          .tags("cache", name, "result", "miss").description("Reads that missed memory")
          .register(registry));
      meters.add(FunctionCounter.builder("cairn.cache.loads", counters, CacheCounters::loadsFound)
          .tags("cache", name, "result", "found").description("Loads from the backing store")
          .register(registry));
      meters.add(FunctionCounter.builder("cairn.cache.loads", counters, CacheCounters::loadsAbsent)
          .tags("cache", name, "result", "absent").description("Loads from the backing store")
          .register(registry));
      meters.add(FunctionCounter.builder("cairn.cache.loads", counters, CacheCounters::loadFailures)
          .tags("cache", name, "result", "failure").description("Loads from the backing store")
          .register(registry));
      meters.add(FunctionCounter.builder("cairn.cache.evictions", counters, CacheCounters::evictions)
          .tags("cache", name).description("Entries evicted for size or expiry")
          .register(registry));
      meters.add(Gauge.builder("cairn.cache.entries", this, LocalCache::estimatedSize)
          .tags("cache", name).description("Estimated entries in memory").register(registry));
      meters.add(Gauge.builder("cairn.cache.weighted.bytes", this, LocalCache::weightedBytes)
          .tags("cache", name).baseUnit("bytes").description("Estimated bytes in memory")
          .register(registry));
    }
  }

  private Policy.Eviction<String, Entry> policyEviction() {
    return cache.synchronous().policy().eviction()
        .orElseThrow(() -> new IllegalStateException("cache " + name + " has no size bound"));
  }

  private CompletableFuture<Entry> load(String key, Function<String, Future<Entry>> loader) {
    CompletableFuture<Entry> result = new CompletableFuture<>();
    Future<Entry> loaded;
    try {
      loaded = loader.apply(key);
    } catch (RuntimeException e) {
      loaded = Future.failedFuture(e);
    }
    loaded.onComplete(ar -> {
      if (ar.failed()) {
        result.completeExceptionally(new LoadFailed(ar.cause()));
      } else {
        if (ar.result() == null) {
          counters.recordAbsentLoad();
        }
        result.complete(ar.result());
      }
    });
    return result;
  }

  private static Future<Entry> toVertx(CompletableFuture<Entry> future) {
    if (future.isDone()) {
      try {
        return Future.succeededFuture(future.join());
      } catch (CompletionException | CancellationException e) {
        return Future.failedFuture(unwrap(e));
      }
    }
    Context context = Vertx.currentContext();
    Future<Entry> pending = context == null
        ? Future.fromCompletionStage(future)
        : Future.fromCompletionStage(future, context);
    return pending.recover(t -> Future.failedFuture(unwrap(t)));
  }

  private static Entry doneValue(CompletableFuture<Entry> future) {
    return future.isDone() && !future.isCompletedExceptionally() ? future.getNow(null) : null;
  }

  private static Throwable unwrap(Throwable t) {
    Throwable cause = t;
    while ((cause instanceof CompletionException || cause instanceof LoadFailed) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /**
   * Carries a loader's failure through Caffeine. It is a CancellationException because Caffeine
   * logs every other exceptional load at WARNING through System.Logger, once per failed load; the
   * store already logs its degradation once, and a breaker that is open would otherwise produce a
   * line per miss.
   */
  private static final class LoadFailed extends CancellationException {
    private static final long serialVersionUID = 1L;

    LoadFailed(Throwable cause) {
      super(cause.getMessage());
      initCause(cause);
    }
  }
}
