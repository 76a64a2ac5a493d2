package io.cairn.cache;

import io.cairn.cache.CacheService.StoreStatus;
import io.cairn.cache.store.BackingStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps the real store: counts its calls per operation, can hold loads back until released (to
 * make concurrent misses overlap for sure), and can refuse writes and deletes as a failing store
 * would (nothing reaches the database, so nothing is committed).
 */
final class CountingStore implements BackingStore {
  private final BackingStore delegate;
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private volatile Promise<Void> loadGate;
  private volatile boolean refuseWrites;

  CountingStore(BackingStore delegate) {
    this.delegate = delegate;
  }

  BackingStore delegate() {
    return delegate;
  }

  int calls(String op) {
    AtomicInteger n = calls.get(op);
    return n == null ? 0 : n.get();
  }

  /** Calls other than the periodic ping and sweep. */
  int requestCalls() {
    return calls.entrySet().stream()
        .filter(e -> !e.getKey().equals("ping") && !e.getKey().equals("sweep"))
        .mapToInt(e -> e.getValue().get()).sum();
  }

  /** Loads read the store now but answer only once the returned promise completes. */
  Promise<Void> holdLoads() {
    Promise<Void> gate = Promise.promise();
    loadGate = gate;
    return gate;
  }

  void refuseWrites(boolean refuse) {
    refuseWrites = refuse;
  }

  private void count(String op) {
    calls.computeIfAbsent(op, k -> new AtomicInteger()).incrementAndGet();
  }

  @Override
  public Future<Entry> load(String cache, String key) {
    count("load");
    Future<Entry> loaded = delegate.load(cache, key);
    Promise<Void> gate = loadGate;
    return gate == null ? loaded : loaded.compose(e -> gate.future().map(v -> e));
  }

  @Override
  public Future<Void> write(String cache, Entry entry) {
    count("write");
    return refuseWrites ? Future.failedFuture(CacheFailure.storeUnavailable("injected: write refused", null))
        : delegate.write(cache, entry);
  }

  @Override
  public Future<Void> delete(String cache, String key) {
    count("delete");
    return refuseWrites ? Future.failedFuture(CacheFailure.storeUnavailable("injected: delete refused", null))
        : delegate.delete(cache, key);
  }

  @Override
  public Future<Void> deleteCache(String cache) {
    count("deleteCache");
    return delegate.deleteCache(cache);
  }

  @Override
  public Future<Boolean> writeIfNewer(String cache, Entry entry) {
    count("writeIfNewer");
    return refuseWrites ? Future.failedFuture(CacheFailure.storeUnavailable("injected: write refused", null))
        : delegate.writeIfNewer(cache, entry);
  }

  @Override
  public Future<Boolean> deleteIfOlder(String cache, String key, long version) {
    count("deleteIfOlder");
    return refuseWrites ? Future.failedFuture(CacheFailure.storeUnavailable("injected: delete refused", null))
        : delegate.deleteIfOlder(cache, key, version);
  }

  @Override
  public Future<List<io.cairn.cache.store.PartEntry>> scanPartition(int part, String afterCache, String afterKey,
      int limit) {
    count("scanPartition");
    return delegate.scanPartition(part, afterCache, afterKey, limit);
  }

  @Override
  public Future<Long> deletePartition(int part) {
    count("deletePartition");
    return delegate.deletePartition(part);
  }

  @Override
  public Future<List<String>> keys(String cache, String prefix, String afterKey, int limit) {
    count("keys");
    return delegate.keys(cache, prefix, afterKey, limit);
  }

  @Override
  public Future<Long> sweepExpired() {
    count("sweep");
    return delegate.sweepExpired();
  }

  @Override
  public Future<Void> ping() {
    count("ping");
    return delegate.ping();
  }

  @Override
  public StoreStatus status() {
    return delegate.status();
  }

  @Override
  public Future<Void> close() {
    return delegate.close();
  }
}
