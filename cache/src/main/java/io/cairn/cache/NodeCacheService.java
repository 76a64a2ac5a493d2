package io.cairn.cache;

import io.cairn.cache.CacheSpec.StoreKind;
import io.cairn.cache.local.LocalCache;
import io.cairn.cache.store.BackingStore;
import io.cairn.cache.store.JdbcBackingStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache service of one node: named caches, each a Caffeine memory tier written through to and
 * read through from the node's backing store (or memory only, for {@code store: none}).
 *
 * <p><b>Writes.</b> A put or delete holds its key's asynchronous lock: it reads the current entry
 * (memory, else the store), checks the {@link Precondition}, writes the store durably, and only
 * then installs the entry in memory. So concurrent {@code If-Match} writers of one key see each
 * other's results: exactly one wins per version. If the store fails or times out, the call fails
 * with {@code STORE_UNAVAILABLE}, nothing was committed, and the key is dropped from memory so that
 * the next read asks the store. Preconditions are evaluated before existence, as HTTP does (RFC
 * 9110 §13.2.2): {@code If-Match} on an absent entry is {@code PRECONDITION_FAILED}; a delete
 * without precondition of an absent entry is {@code NO_SUCH_ENTRY}.
 *
 * <p><b>Definitions</b> live in {@code <dataDir>/caches.json}, replaced atomically on the
 * {@code cairn-definitions} worker before {@link #define} or {@link #remove} completes. Those two
 * are serialized with each other. A cache's rows stay in the store as long as it is defined; the
 * store is the truth, so a cache defined again under a name whose rows were left behind (a lost
 * definitions file) reads them back.
 *
 * <p><b>Threads.</b> Thread-safe; results complete on the caller's Vert.x context. A memory hit
 * completes at once without touching the store or a worker thread.
 */
final class NodeCacheService implements CacheService {
  private static final Logger log = LoggerFactory.getLogger(NodeCacheService.class);
  static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";
  private static final String ADMIN_LOCK = "definitions";
  private static final Duration MIN_PING_INTERVAL = Duration.ofMillis(100);
  private static final Duration MAX_PING_INTERVAL = Duration.ofSeconds(2);

  private final Vertx vertx;
  private final CacheSettings settings;
  private final BackingStore store;
  private final DefinitionFile definitions;
  private final WorkerExecutor fileWorker;
  private final MeterRegistry registry;
  private final Clock wallClock;
  private final VersionClock versions;
  private final ConcurrentHashMap<String, CacheHandle> caches = new ConcurrentHashMap<>();
  private final KeyLocks admin = new KeyLocks();
  private final AtomicBoolean pinging = new AtomicBoolean();
  private final AtomicBoolean sweeping = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final long pingTimer;
  private final long sweepTimer;

  private NodeCacheService(Vertx vertx, CacheSettings settings, BackingStore store, DefinitionFile definitions,
      WorkerExecutor fileWorker, MeterRegistry registry, Clock wallClock, List<CacheDefinition> defined) {
    this.vertx = vertx;
    this.settings = settings;
    this.store = store;
    this.definitions = definitions;
    this.fileWorker = fileWorker;
    this.registry = registry;
    this.wallClock = wallClock;
    this.versions = new VersionClock(wallClock);
    for (CacheDefinition d : defined) {
      caches.put(d.name(), newHandle(d));
    }
    this.pingTimer = vertx.setPeriodic(pingInterval(settings).toMillis(), id -> ping());
    this.sweepTimer = vertx.setPeriodic(settings.store().sweepInterval().toMillis(), id -> sweep());
  }

  /**
   * Validates the settings, loads the definitions, opens the store and starts the periodic ping
   * and sweep.
   *
   * @param decorator wraps the store (tests count its calls); the identity in production
   */
  static Future<CacheService> start(Vertx vertx, CacheSettings settings, MeterRegistry registry,
      UnaryOperator<BackingStore> decorator, Clock wallClock) {
    try {
      validate(settings);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    DefinitionFile file = new DefinitionFile(settings.dataDir());
    WorkerExecutor fileWorker = vertx.createSharedWorkerExecutor("cairn-definitions", 1);
    return fileWorker.executeBlocking(() -> {
          Files.createDirectories(settings.dataDir());
          return file.read();
        }, true)
        .compose(defined -> JdbcBackingStore.open(vertx, settings.store(), settings.dataDir(), registry)
            .compose(jdbc -> {
              try {
                CacheService service = new NodeCacheService(vertx, settings, decorator.apply(jdbc), file,
                    fileWorker, registry, wallClock, defined);
                log.info("Cache service started with {} caches from {}", defined.size(), file.path());
                return Future.succeededFuture(service);
              } catch (RuntimeException e) {
                return jdbc.close().transform(ignored -> Future.<CacheService>failedFuture(e));
              }
            }))
        .recover(t -> fileWorker.close().transform(ignored -> Future.failedFuture(t)));
  }

  private static void validate(CacheSettings s) {
    if (s.maxKeyBytes() < 1) {
      throw new IllegalArgumentException("limits.max-key-bytes: must be at least 1, got " + s.maxKeyBytes());
    }
    if (s.maxValueBytes() < 0) {
      throw new IllegalArgumentException(
          "limits.max-value-bytes: must not be negative, got " + s.maxValueBytes());
    }
  }

  /** Half the breaker's reset, between 100 ms and 2 s: a store that comes back is noticed soon. */
  static Duration pingInterval(CacheSettings settings) {
    Duration half = settings.store().breakerReset().dividedBy(2);
    if (half.compareTo(MIN_PING_INTERVAL) < 0) {
      return MIN_PING_INTERVAL;
    }
    return half.compareTo(MAX_PING_INTERVAL) > 0 ? MAX_PING_INTERVAL : half;
  }

  private CacheHandle newHandle(CacheDefinition d) {
    return new CacheHandle(d, LocalCache.create(d.name(), d.spec().capacity(), wallClock, registry));
  }

  // ---------------------------------------------------------------- caches

  @Override
  public Future<List<CacheInfo>> list() {
    List<CacheInfo> infos = new ArrayList<>();
    caches.values().stream()
        .sorted(Comparator.comparing(h -> h.name))
        .forEach(h -> infos.add(h.info()));
    return Future.succeededFuture(infos);
  }

  @Override
  public Future<CacheInfo> describe(String cache) {
    CacheHandle h = handle(cache);
    return h == null ? Future.failedFuture(CacheFailure.noSuchCache(cache)) : Future.succeededFuture(h.info());
  }

  @Override
  public Future<Defined> define(String cache, CacheSpec spec) {
    if (!Keys.isValidCacheName(cache)) {
      return Future.failedFuture(CacheFailure.invalidSpec(
          "cache name must be 1 to 128 characters of [A-Za-z0-9._-] starting with a letter or digit, got '"
              + cache + "'"));
    }
    if (spec == null) {
      return Future.failedFuture(CacheFailure.invalidSpec("a cache needs a configuration"));
    }
    Context context = Vertx.currentContext();
    return onContext(context, guard(() -> admin.withLock(ADMIN_LOCK, () -> defineLocked(cache, spec))));
  }

  private Future<Defined> defineLocked(String cache, CacheSpec spec) {
    CacheHandle existing = caches.get(cache);
    if (existing == null) {
      CacheDefinition definition = new CacheDefinition(cache, spec, wallClock.instant().truncatedTo(ChronoUnit.MILLIS));
      List<CacheDefinition> next = currentDefinitions();
      next.add(definition);
      return persist(next).map(v -> {
        CacheHandle h = newHandle(definition);
        caches.put(cache, h);
        log.info("Cache {} created: {}", cache, spec);
        return new Defined(h.info(), true);
      });
    }
    CacheSpec old = existing.spec;
    if (old.store() != spec.store()) {
      return Future.failedFuture(CacheFailure.specConflict("cache '" + cache + "' has store "
          + old.store().wireName() + "; a live cache's store cannot change to " + spec.store().wireName()));
    }
    if (old.equals(spec)) {
      return Future.succeededFuture(new Defined(existing.info(), false));
    }
    List<CacheDefinition> next = currentDefinitions();
    next.replaceAll(d -> d.name().equals(cache) ? new CacheDefinition(cache, spec, d.createdAt()) : d);
    return persist(next).compose(v -> reconfigure(existing, spec)).map(v -> {
      log.info("Cache {} reconfigured: {} -> {}", cache, old, spec);
      return new Defined(existing.info(), false);
    });
  }

  private Future<Void> reconfigure(CacheHandle h, CacheSpec spec) {
    if (!h.local.needsRebuild(spec.capacity())) {
      h.local.resize(spec.capacity());
      h.spec = spec;
      return Future.succeededFuture();
    }
    // A new Caffeine is built and filled: no write may install or invalidate meanwhile.
    return h.gate.close().map(v -> {
      try {
        h.local.resize(spec.capacity());
        h.spec = spec;
        return null;
      } finally {
        h.gate.open();
      }
    });
  }

  @Override
  public Future<Void> remove(String cache) {
    Context context = Vertx.currentContext();
    return onContext(context, guard(() -> admin.withLock(ADMIN_LOCK, () -> removeLocked(cache))));
  }

  private Future<Void> removeLocked(String cache) {
    CacheHandle h = handle(cache);
    if (h == null) {
      return Future.failedFuture(CacheFailure.noSuchCache(cache));
    }
    List<CacheDefinition> next = currentDefinitions();
    next.removeIf(d -> d.name().equals(cache));
    boolean jdbc = h.spec.store() == StoreKind.JDBC;
    // Rows first, then the definition: a failure leaves the cache defined, never orphan rows.
    return h.gate.close()
        .compose(v -> jdbc ? store.deleteCache(cache) : Future.<Void>succeededFuture())
        .compose(v -> persist(next))
        .transform(ar -> {
          if (ar.succeeded()) {
            h.removed = true;
            caches.remove(cache, h);
            h.local.close();
            h.gate.open();
            log.info("Cache {} removed", cache);
            return Future.<Void>succeededFuture();
          }
          if (jdbc) {
            h.local.invalidateAll(); // memory must not outlive rows that may be gone
          }
          h.gate.open();
          return Future.<Void>failedFuture(ar.cause());
        });
  }

  private List<CacheDefinition> currentDefinitions() {
    List<CacheDefinition> list = new ArrayList<>();
    caches.values().forEach(h -> list.add(h.definition()));
    return list;
  }

  private Future<Void> persist(List<CacheDefinition> next) {
    return fileWorker.<Void>executeBlocking(() -> {
      definitions.write(next);
      return null;
    }, true).recover(t -> Future.failedFuture(
        new IllegalStateException("cannot write " + definitions.path() + ": " + t.getMessage(), t)));
  }

  // ---------------------------------------------------------------- entries

  @Override
  public Future<Entry> get(String cache, String key) {
    CacheHandle h = handle(cache);
    CacheFailure refused = refusal(h, cache, key);
    if (refused != null) {
      return Future.failedFuture(refused);
    }
    return read(h, key);
  }

  /** Why an entry operation on {@code key} of cache {@code h} is refused before it starts, or null. */
  private CacheFailure refusal(CacheHandle h, String cache, String key) {
    if (h == null) {
      return CacheFailure.noSuchCache(cache);
    }
    String problem = Keys.keyProblem(key, settings.maxKeyBytes());
    return problem == null ? null : CacheFailure.invalidKey(problem);
  }

  /** A hit completes at once; a miss completes on the caller's context (LocalCache sees to it). */
  private Future<Entry> read(CacheHandle h, String key) {
    if (h.spec.store() == StoreKind.NONE) {
      return Future.succeededFuture(h.local.getIfPresent(key));
    }
    return h.local.get(key, k -> load(h.name, k));
  }

  private Future<Entry> load(String cache, String key) {
    log.debug("Loading {}/{} from the store", cache, key);
    return store.load(cache, key).map(e -> {
      if (e != null) {
        versions.observe(e.version());
      }
      return e;
    });
  }

  @Override
  public Future<Map<String, Entry>> getAll(String cache, List<String> keys) {
    CacheHandle h = handle(cache);
    if (h == null) {
      return Future.failedFuture(CacheFailure.noSuchCache(cache));
    }
    if (keys == null) {
      return Future.failedFuture(CacheFailure.invalidKey("no keys"));
    }
    for (String key : keys) {
      String problem = Keys.keyProblem(key, settings.maxKeyBytes());
      if (problem != null) {
        return Future.failedFuture(CacheFailure.invalidKey(problem));
      }
    }
    Context context = Vertx.currentContext();
    List<Future<Entry>> reads = new ArrayList<>(keys.size());
    for (String key : keys) {
      reads.add(read(h, key));
    }
    return onContext(context, Future.all(reads).map(all -> {
      Map<String, Entry> found = new LinkedHashMap<>();
      for (int i = 0; i < keys.size(); i++) {
        Entry e = reads.get(i).result();
        if (e != null) {
          found.put(keys.get(i), e);
        }
      }
      return found;
    }));
  }

  @Override
  public Future<PutResult> put(String cache, String key, byte[] value, String contentType, Duration ttl,
      Precondition pre) {
    CacheHandle h = handle(cache);
    CacheFailure refused = refusal(h, cache, key);
    if (refused != null) {
      return Future.failedFuture(refused);
    }
    if (value == null) {
      return Future.failedFuture(new NullPointerException("value"));
    }
    if (value.length > settings.maxValueBytes()) {
      return Future.failedFuture(CacheFailure.valueTooLarge(value.length, settings.maxValueBytes()));
    }
    if (ttl != null && (ttl.isNegative() || ttl.toMillis() < 1 || ttl.compareTo(CacheSpec.MAX_TTL) > 0)) {
      return Future.failedFuture(CacheFailure.invalidSpec(
          "ttlMillis must be between 1 and " + CacheSpec.MAX_TTL.toMillis() + ", got " + ttl.toMillis()));
    }
    Precondition condition = pre == null ? Precondition.NONE : pre;
    String type = contentType == null || contentType.isBlank() ? DEFAULT_CONTENT_TYPE : contentType;
    byte[] bytes = value.clone();
    Context context = Vertx.currentContext();
    return onContext(context, guard(() -> serialized(h, key, () -> write(h, key, bytes, type, ttl, condition))));
  }

  private Future<PutResult> write(CacheHandle h, String key, byte[] value, String contentType, Duration ttl,
      Precondition pre) {
    return current(h, key).compose(current -> {
      if (!pre.allows(current)) {
        return Future.failedFuture(CacheFailure.preconditionFailed(h.name, key, pre, current));
      }
      CacheSpec spec = h.spec;
      Duration effectiveTtl = ttl != null ? ttl : spec.defaultTtl();
      Instant expiresAt = effectiveTtl == null ? null
          : Instant.ofEpochMilli(Math.addExact(wallClock.millis(), effectiveTtl.toMillis()));
      long version = versions.next(current == null ? 0 : current.version());
      Entry entry = new Entry(key, value, contentType, version, expiresAt);
      PutResult result = new PutResult(entry, current == null);
      if (spec.store() == StoreKind.NONE) {
        h.local.install(entry);
        return Future.succeededFuture(result);
      }
      return store.write(h.name, entry).transform(ar -> {
        if (ar.failed()) {
          h.local.invalidate(key);
          log.debug("Put {}/{} failed: {}", h.name, key, ar.cause().getMessage());
          return Future.failedFuture(storeFailure(ar.cause()));
        }
        h.local.install(entry);
        log.debug("Put {}/{} at version {}", h.name, key, version);
        return Future.succeededFuture(result);
      });
    });
  }

  @Override
  public Future<Void> delete(String cache, String key, Precondition pre) {
    CacheHandle h = handle(cache);
    CacheFailure refused = refusal(h, cache, key);
    if (refused != null) {
      return Future.failedFuture(refused);
    }
    Precondition condition = pre == null ? Precondition.NONE : pre;
    Context context = Vertx.currentContext();
    return onContext(context, guard(() -> serialized(h, key, () -> erase(h, key, condition))));
  }

  private Future<Void> erase(CacheHandle h, String key, Precondition pre) {
    return current(h, key).compose(current -> {
      if (!pre.allows(current)) {
        return Future.failedFuture(CacheFailure.preconditionFailed(h.name, key, pre, current));
      }
      if (current == null) {
        return Future.failedFuture(CacheFailure.noSuchEntry(h.name, key));
      }
      if (h.spec.store() == StoreKind.NONE) {
        h.local.invalidate(key);
        return Future.succeededFuture();
      }
      return store.delete(h.name, key).transform(ar -> {
        h.local.invalidate(key);
        if (ar.failed()) {
          log.debug("Delete {}/{} failed: {}", h.name, key, ar.cause().getMessage());
          return Future.failedFuture(storeFailure(ar.cause()));
        }
        log.debug("Deleted {}/{}", h.name, key);
        return Future.succeededFuture();
      });
    });
  }

  /** The entry a write replaces: memory's (or its load in flight), else the store's. */
  private Future<Entry> current(CacheHandle h, String key) {
    boolean memoryOnly = h.spec.store() == StoreKind.NONE;
    Future<Entry> inMemory = h.local.peek(key);
    if (inMemory != null) {
      return memoryOnly ? inMemory : inMemory.recover(t -> load(h.name, key));
    }
    return memoryOnly ? Future.succeededFuture() : load(h.name, key);
  }

  /** Runs a write of one key inside the cache's write gate and the key's lock. */
  private <T> Future<T> serialized(CacheHandle h, String key, Supplier<Future<T>> action) {
    return h.gate.enter().compose(v -> {
      if (h.removed) {
        h.gate.exit();
        return Future.failedFuture(CacheFailure.noSuchCache(h.name));
      }
      Future<T> result;
      try {
        result = h.locks.withLock(key, action);
      } catch (Throwable t) { // whatever happens, the gate must be exited
        h.gate.exit();
        return Future.failedFuture(t);
      }
      return result.andThen(ar -> h.gate.exit());
    });
  }

  @Override
  public Future<KeyPage> keys(String cache, String prefix, String afterKey, int limit) {
    CacheHandle h = handle(cache);
    if (h == null) {
      return Future.failedFuture(CacheFailure.noSuchCache(cache));
    }
    if (limit < 1) {
      return Future.failedFuture(CacheFailure.invalidSpec("limit must be at least 1, got " + limit));
    }
    String from = prefix == null ? "" : prefix;
    if (Keys.utf8Length(from) < 0 || (afterKey != null && Keys.utf8Length(afterKey) < 0)) {
      return Future.failedFuture(CacheFailure.invalidKey(
          "the prefix or cursor holds U+0000 or an unpaired surrogate"));
    }
    if (h.spec.store() == StoreKind.NONE) {
      List<String> page = h.local.keys().stream()
          .filter(k -> k.startsWith(from))
          .filter(k -> afterKey == null || Keys.compareUtf8(k, afterKey) > 0)
          .sorted(Keys.UTF8_ORDER)
          .limit(limit)
          .toList();
      return Future.succeededFuture(page(page, limit));
    }
    Context context = Vertx.currentContext();
    return onContext(context, store.keys(cache, from, afterKey, limit).map(page -> page(page, limit)));
  }

  private static KeyPage page(List<String> keys, int limit) {
    return new KeyPage(keys, keys.size() == limit ? keys.get(keys.size() - 1) : null);
  }

  // ---------------------------------------------------------------- store and lifecycle

  @Override
  public StoreStatus storeStatus() {
    return store.status();
  }

  private void ping() {
    if (closed.get() || !pinging.compareAndSet(false, true)) {
      return;
    }
    store.ping().onComplete(ar -> pinging.set(false));
  }

  private void sweep() {
    if (closed.get() || !sweeping.compareAndSet(false, true)) {
      return;
    }
    store.sweepExpired().onComplete(ar -> {
      sweeping.set(false);
      if (ar.succeeded() && ar.result() > 0) {
        log.debug("Swept {} expired rows from the store", ar.result());
      }
    });
  }

  @Override
  public Future<Void> close() {
    if (!closed.compareAndSet(false, true)) {
      return Future.succeededFuture();
    }
    Context context = Vertx.currentContext();
    vertx.cancelTimer(pingTimer);
    vertx.cancelTimer(sweepTimer);
    caches.values().forEach(h -> h.local.close());
    return onContext(context, store.close().eventually(fileWorker::close)
        .onSuccess(v -> log.info("Cache service closed")));
  }

  // ---------------------------------------------------------------- helpers

  private CacheHandle handle(String cache) {
    return cache == null ? null : caches.get(cache);
  }

  private static Throwable storeFailure(Throwable t) {
    return t instanceof CacheFailure ? t : CacheFailure.storeUnavailable(t.getMessage(), t);
  }

  /** Turns a bug that throws into a failed Future: a method that returns a Future never throws. */
  private static <T> Future<T> guard(Supplier<Future<T>> action) {
    try {
      return action.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * The same result, completed on {@code context} (the caller's). Writes cross threads (a key's
   * lock is handed over by whichever thread released it), so the end of the chain may run
   * elsewhere.
   */
  static <T> Future<T> onContext(Context context, Future<T> future) {
    if (context == null) {
      return future;
    }
    if (future.isComplete() && Vertx.currentContext() == context) {
      return future;
    }
    Promise<T> promise = Promise.promise();
    future.onComplete(ar -> {
      if (Vertx.currentContext() == context) {
        promise.handle(ar);
      } else {
        context.runOnContext(v -> promise.handle(ar));
      }
    });
    return promise.future();
  }
}
