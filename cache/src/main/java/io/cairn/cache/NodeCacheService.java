package io.cairn.cache;

import io.cairn.cache.CacheSpec.StoreKind;
import io.cairn.cache.local.LocalCache;
import io.cairn.cache.partition.Partitioner;
import io.cairn.cache.store.BackingStore;
import io.cairn.cache.store.PartEntry;
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
  /** Per partition being filled by a sync: the deletions applied since it began, by cache and key. */
  private final ConcurrentHashMap<Integer, ConcurrentHashMap<String, Long>> syncTombstones = new ConcurrentHashMap<>();
  private final Partitioner partitioner;
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
    this.partitioner = new Partitioner(settings.partitions());
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
    return open(vertx, settings, registry, decorator, wallClock, false).map(s -> s);
  }

  /**
   * A node's data in a cluster: the caches are those the cluster map defines ({@link #reconcile}),
   * so {@code caches.json} is neither read nor written.
   */
  static Future<NodeCacheService> startClustered(Vertx vertx, CacheSettings settings, MeterRegistry registry,
      UnaryOperator<BackingStore> decorator) {
    return open(vertx, settings, registry, decorator, Clock.systemUTC(), true);
  }

  private static Future<NodeCacheService> open(Vertx vertx, CacheSettings settings, MeterRegistry registry,
      UnaryOperator<BackingStore> decorator, Clock wallClock, boolean clustered) {
    try {
      validate(settings);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    DefinitionFile file = clustered ? null : new DefinitionFile(settings.dataDir());
    WorkerExecutor fileWorker = vertx.createSharedWorkerExecutor("cairn-definitions", 1);
    return fileWorker.executeBlocking(() -> {
          Files.createDirectories(settings.dataDir());
          return file == null ? List.<CacheDefinition>of() : file.read();
        }, true)
        .compose(defined -> JdbcBackingStore.open(vertx, settings.store(), settings.dataDir(), registry,
            new Partitioner(settings.partitions()))
            .compose(jdbc -> {
              try {
                NodeCacheService service = new NodeCacheService(vertx, settings, decorator.apply(jdbc), file,
                    fileWorker, registry, wallClock, defined);
                if (file != null) {
                  log.info("Cache service started with {} caches from {}", defined.size(), file.path());
                }
                return Future.succeededFuture(service);
              } catch (RuntimeException e) {
                return jdbc.close().transform(ignored -> Future.<NodeCacheService>failedFuture(e));
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

  /**
   * Makes this node's caches those of the cluster map: creates the new ones, reconfigures the
   * changed ones, removes (with their rows in an embedded store) those it no longer defines. One at
   * a time, like {@link #define} and {@link #remove}.
   */
  Future<Void> reconcile(java.util.Collection<io.cairn.cache.cluster.CacheDef> defined) {
    Map<String, io.cairn.cache.cluster.CacheDef> wanted = new LinkedHashMap<>();
    defined.forEach(d -> wanted.put(d.name(), d));
    return guard(() -> admin.withLock(ADMIN_LOCK, () -> {
      Future<Void> chain = Future.succeededFuture();
      for (io.cairn.cache.cluster.CacheDef d : wanted.values()) {
        CacheHandle h = caches.get(d.name());
        if (h == null) {
          CacheHandle created = newHandle(new CacheDefinition(d.name(), d.spec(), Instant.ofEpochMilli(d.createdAtMillis())));
          caches.put(d.name(), created);
          log.info("Cache {} defined by the cluster: {}", d.name(), d.spec());
        } else if (!h.spec.equals(d.spec())) {
          chain = chain.compose(v -> reconfigure(h, d.spec()))
              .onSuccess(v -> log.info("Cache {} reconfigured by the cluster: {}", d.name(), d.spec()));
        }
      }
      for (String name : List.copyOf(caches.keySet())) {
        if (!wanted.containsKey(name)) {
          chain = chain.compose(v -> removeLocked(name).recover(t -> {
            log.warn("Cache {} removed by the cluster, but not here yet: {}", name, t.getMessage());
            return Future.succeededFuture();
          }));
        }
      }
      return chain;
    }));
  }

  /** The partition count the keys are spread over. */
  int partitionCount() {
    return partitioner.partitionCount();
  }

  boolean sharedStore() {
    return settings.sharedStore();
  }

  int maxKeyBytes() {
    return settings.maxKeyBytes();
  }

  /** Whether this node has cache {@code cache} now. */
  boolean knows(String cache) {
    return caches.containsKey(cache);
  }

  /**
   * Up to {@code limit} keys of {@code cache} that {@code owned} accepts (those of the partitions
   * this node owns), starting with {@code prefix}, after {@code afterKey}, in UTF-8 order: from
   * memory for a cache without a store, else from the store (pages of it, until enough are found).
   */
  Future<List<String>> ownedKeys(String cache, String prefix, String afterKey, int limit,
      java.util.function.Predicate<String> owned) {
    CacheHandle h = handle(cache);
    if (h == null) {
      return Future.failedFuture(CacheFailure.noSuchCache(cache));
    }
    String from = prefix == null ? "" : prefix;
    if (h.spec.store() == StoreKind.NONE) {
      return Future.succeededFuture(h.local.keys().stream()
          .filter(k -> k.startsWith(from) && owned.test(k))
          .filter(k -> afterKey == null || Keys.compareUtf8(k, afterKey) > 0)
          .sorted(Keys.UTF8_ORDER)
          .limit(limit)
          .toList());
    }
    Context context = Vertx.currentContext();
    List<String> found = new ArrayList<>();
    return onContext(context, ownedKeysFrom(cache, from, afterKey, limit, owned, found));
  }

  private Future<List<String>> ownedKeysFrom(String cache, String prefix, String after, int limit,
      java.util.function.Predicate<String> owned, List<String> found) {
    int page = Math.max(limit, 256);
    return store.keys(cache, prefix, after, page).compose(keys -> {
      for (String k : keys) {
        if (owned.test(k) && found.size() < limit) {
          found.add(k);
        }
      }
      if (found.size() >= limit || keys.size() < page) {
        return Future.succeededFuture(found);
      }
      return ownedKeysFrom(cache, prefix, keys.get(keys.size() - 1), limit, owned, found);
    });
  }

  private List<CacheDefinition> currentDefinitions() {
    List<CacheDefinition> list = new ArrayList<>();
    caches.values().forEach(h -> list.add(h.definition()));
    return list;
  }

  private Future<Void> persist(List<CacheDefinition> next) {
    if (definitions == null) {
      return Future.succeededFuture(); // in a cluster, the cluster map keeps the definitions
    }
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

  /**
   * A hit completes at once; a miss completes on the caller's context (LocalCache sees to it). A
   * miss loads once the writes of its key in flight are over: the store holds a write before its
   * replicas acknowledged it, and a read must not show it until then.
   */
  private Future<Entry> read(CacheHandle h, String key) {
    if (h.spec.store() == StoreKind.NONE) {
      return Future.succeededFuture(h.local.getIfPresent(key));
    }
    return h.local.get(key, k -> h.locks.withLock(k, () -> load(h.name, k)));
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
    return put(cache, key, value, contentType, ttl, pre, Replicator.NONE);
  }

  /**
   * {@link #put}, whose change goes through {@code replicator} after the store took it and before
   * memory shows it: when the replicator says the change is not acknowledged, memory keeps what it
   * had and the put fails with {@code OUTCOME_UNKNOWN}.
   */
  Future<PutResult> put(String cache, String key, byte[] value, String contentType, Duration ttl,
      Precondition pre, Replicator replicator) {
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
    return onContext(context, guard(() -> serialized(h, key,
        () -> write(h, key, bytes, type, ttl, condition, replicator))));
  }

  private Future<PutResult> write(CacheHandle h, String key, byte[] value, String contentType, Duration ttl,
      Precondition pre, Replicator replicator) {
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
      Future<Void> stored = spec.store() == StoreKind.NONE ? Future.succeededFuture() : store.write(h.name, entry);
      return stored.transform(ar -> {
        if (ar.failed()) {
          h.local.invalidate(key);
          log.debug("Put {}/{} failed: {}", h.name, key, ar.cause().getMessage());
          return Future.failedFuture(storeFailure(ar.cause()));
        }
        return replicated(h, key, replicator.replicate(Change.put(h.name, entry)), () -> h.local.install(entry))
            .map(v -> {
              log.debug("Put {}/{} at version {}", h.name, key, version);
              return result;
            });
      });
    });
  }

  /**
   * Once {@code acknowledged} says yes, {@code show} makes the change visible in memory; otherwise
   * memory forgets the key (the store, if any, may hold the change: what it had is not known) and
   * the write fails with OUTCOME_UNKNOWN.
   */
  private static Future<Void> replicated(CacheHandle h, String key, Future<Boolean> acknowledged, Runnable show) {
    return acknowledged.transform(ar -> {
      if (ar.succeeded() && ar.result()) {
        show.run();
        return Future.succeededFuture();
      }
      h.local.invalidate(key);
      return Future.failedFuture(CacheFailure.outcomeUnknown("the write of '" + key + "' in cache '" + h.name
          + "' reached this node, but it stopped owning the key's partition before every replica confirmed it:"
          + " it may or may not have been applied"));
    });
  }

  @Override
  public Future<Void> delete(String cache, String key, Precondition pre) {
    return delete(cache, key, pre, Replicator.NONE);
  }

  /** {@link #delete}, through {@code replicator} as {@link #put} goes. */
  Future<Void> delete(String cache, String key, Precondition pre, Replicator replicator) {
    CacheHandle h = handle(cache);
    CacheFailure refused = refusal(h, cache, key);
    if (refused != null) {
      return Future.failedFuture(refused);
    }
    Precondition condition = pre == null ? Precondition.NONE : pre;
    Context context = Vertx.currentContext();
    return onContext(context, guard(() -> serialized(h, key, () -> erase(h, key, condition, replicator))));
  }

  private Future<Void> erase(CacheHandle h, String key, Precondition pre, Replicator replicator) {
    return current(h, key).compose(current -> {
      if (!pre.allows(current)) {
        return Future.failedFuture(CacheFailure.preconditionFailed(h.name, key, pre, current));
      }
      if (current == null) {
        return Future.failedFuture(CacheFailure.noSuchEntry(h.name, key));
      }
      // a deletion has a version too, so that replicas order it among the writes of the key
      long version = versions.next(current.version());
      Future<Void> stored = h.spec.store() == StoreKind.NONE ? Future.succeededFuture() : store.delete(h.name, key);
      return stored.transform(ar -> {
        if (ar.failed()) {
          h.local.invalidate(key);
          log.debug("Delete {}/{} failed: {}", h.name, key, ar.cause().getMessage());
          return Future.failedFuture(storeFailure(ar.cause()));
        }
        return replicated(h, key, replicator.replicate(Change.delete(h.name, key, version)), () -> {
          h.local.invalidate(key);
          h.deleted(key, version);
        }).onSuccess(v -> log.debug("Deleted {}/{}", h.name, key));
      });
    });
  }

  /**
   * The entry a write replaces: memory's, else the store's. A load in flight is not waited for: it
   * waits for the writes of its key (see {@link #read}).
   */
  private Future<Entry> current(CacheHandle h, String key) {
    Entry inMemory = h.local.peekValue(key);
    if (inMemory != null || h.spec.store() == StoreKind.NONE) {
      return Future.succeededFuture(inMemory);
    }
    return load(h.name, key);
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

  // ---------------------------------------------------------------- replicas, for the cluster

  /**
   * Applies a change that the owner of the key's partition made, if it is newer than what this
   * node has of the key (in memory, in an embedded store, or as a recent or sync-time deletion).
   * An embedded store takes it first, by version; a shared store already has it (the owner wrote
   * it), so only memory forgets the key; memory shows what the store decided. Fails, so that the
   * owner sends it again, when this node does not know the cache yet.
   */
  Future<Void> apply(int partition, Change c) {
    CacheHandle h = handle(c.cache());
    if (h == null) {
      return Future.failedFuture(CacheFailure.noSuchCache(c.cache()));
    }
    Context context = Vertx.currentContext();
    return onContext(context, guard(() -> serialized(h, c.key(), () -> applyLocked(h, partition, c))));
  }

  private Future<Void> applyLocked(CacheHandle h, int partition, Change c) {
    String key = c.key();
    long known = Math.max(h.deletes.version(key), syncTombstone(partition, h.name, key));
    Entry inMemory = h.local.peekValue(key);
    if (inMemory != null) {
      known = Math.max(known, inMemory.version());
    }
    if (c.version() <= known) {
      return Future.succeededFuture();
    }
    versions.observe(c.version());
    boolean embedded = h.spec.store() == StoreKind.JDBC && !settings.sharedStore();
    if (c.deleted()) {
      Future<Boolean> stored = embedded ? store.deleteIfOlder(h.name, key, c.version()) : Future.succeededFuture(true);
      return stored.map(v -> {
        h.local.invalidate(key);
        h.deleted(key, c.version());
        Map<String, Long> tombstones = syncTombstones.get(partition);
        if (tombstones != null) {
          tombstones.merge(h.name + '\0' + key, c.version(), Math::max);
        }
        return (Void) null;
      }).recover(t -> Future.failedFuture(storeFailure(t)));
    }
    if (h.spec.store() == StoreKind.JDBC && settings.sharedStore()) {
      h.local.invalidate(key); // the owner wrote the shared store: the next read here loads it
      return Future.succeededFuture();
    }
    Future<Boolean> stored = embedded ? store.writeIfNewer(h.name, c.entry()) : Future.succeededFuture(true);
    return stored.map(newer -> {
      if (newer) {
        h.local.install(c.entry());
      } else {
        h.local.invalidate(key); // the store has a newer row: memory must not show an older one
      }
      return (Void) null;
    }).recover(t -> Future.failedFuture(storeFailure(t)));
  }

  private long syncTombstone(int partition, String cache, String key) {
    Map<String, Long> tombstones = syncTombstones.get(partition);
    Long v = tombstones == null ? null : tombstones.get(cache + '\0' + key);
    return v == null ? 0 : v;
  }

  /**
   * Empties this node's copy of {@code partition} (memory, and an embedded store) for a sync that
   * fills it again; until {@link #endSync} it remembers every deletion it applies, so that no
   * chunk read before a deletion brings its key back.
   */
  Future<Void> beginSync(int partition) {
    syncTombstones.put(partition, new ConcurrentHashMap<>());
    return dropPartition(partition, false);
  }

  /** The sync of {@code partition} is over: its deletions need not be remembered past the usual minute. */
  void endSync(int partition) {
    syncTombstones.remove(partition);
  }

  /** Forgets {@code partition}: this node holds it no more. */
  Future<Void> dropPartition(int partition) {
    syncTombstones.remove(partition);
    return dropPartition(partition, true);
  }

  private Future<Void> dropPartition(int partition, boolean forgetDeletes) {
    Context context = Vertx.currentContext();
    // a pass over every key in memory: on a worker thread, never an event loop (a node holding
    // hundreds of thousands of entries drops dozens of partitions when another joins)
    Future<Void> memory = vertx.executeBlocking(() -> {
      for (CacheHandle h : caches.values()) {
        h.local.forEachKey(key -> {
          if (partitioner.partitionOf(key) == partition) {
            h.local.invalidate(key);
          }
        });
        if (forgetDeletes) {
          h.deletes.prune(System.nanoTime(), key -> partitioner.partitionOf(key) == partition);
        }
      }
      return null;
    }, false);
    return onContext(context, settings.sharedStore() ? memory
        : memory.compose(v -> store.deletePartition(partition).mapEmpty()));
  }

  /**
   * Where a sync's reading of a partition stands: first the entries of memory-only caches (the
   * keys as they were at the first chunk, each read as it is when its chunk is read), then the
   * rows of an embedded store, by (cache, key). Entries written after the first chunk reach the
   * pending replica as writes.
   */
  static final class ChunkCursor {
    private List<String[]> memoryKeys;
    private int next;
    private String afterCache;
    private String afterKey;
    private boolean done;

    boolean done() {
      return done;
    }
  }

  /**
   * The next chunk of {@code partition}: up to {@code maxItems} entries and about {@code maxBytes}
   * of values; {@code cursor} moves past them, and says when nothing is left.
   */
  Future<List<Change>> readChunk(int partition, ChunkCursor cursor, int maxItems, long maxBytes) {
    if (cursor.memoryKeys == null) {
      // the partition's keys of memory-only caches: a pass over every key in memory, on a worker thread
      Context context = Vertx.currentContext();
      return onContext(context, vertx.executeBlocking(() -> {
        List<String[]> keys = new ArrayList<>();
        for (CacheHandle h : caches.values()) {
          if (h.spec.store() == StoreKind.NONE) {
            h.local.forEachKey(key -> {
              if (partitioner.partitionOf(key) == partition) {
                keys.add(new String[] {h.name, key});
              }
            });
          }
        }
        return keys;
      }, false).compose(keys -> {
        cursor.memoryKeys = keys;
        return readChunk(partition, cursor, maxItems, maxBytes);
      }));
    }
    List<Change> out = new ArrayList<>();
    long bytes = 0;
    while (cursor.next < cursor.memoryKeys.size() && out.size() < maxItems && bytes < maxBytes) {
      String[] ck = cursor.memoryKeys.get(cursor.next++);
      CacheHandle h = handle(ck[0]);
      Entry e = h == null ? null : h.local.peekValue(ck[1]);
      if (e != null) {
        out.add(Change.put(h.name, e));
        bytes += e.value().length;
      }
    }
    if (cursor.next < cursor.memoryKeys.size() || out.size() >= maxItems || settings.sharedStore()) {
      cursor.done = cursor.next >= cursor.memoryKeys.size() && settings.sharedStore();
      return Future.succeededFuture(out);
    }
    int room = maxItems - out.size();
    Context context = Vertx.currentContext();
    return onContext(context, store.scanPartition(partition, cursor.afterCache, cursor.afterKey, room).map(rows -> {
      for (PartEntry row : rows) {
        cursor.afterCache = row.cache();
        cursor.afterKey = row.entry().key();
        CacheHandle h = handle(row.cache());
        if (h != null && h.spec.store() == StoreKind.JDBC) {
          out.add(Change.put(h.name, row.entry()));
        }
      }
      cursor.done = rows.size() < room;
      return out;
    }));
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
    long now = System.nanoTime();
    caches.values().forEach(h -> h.deletes.prune(now, key -> false));
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
