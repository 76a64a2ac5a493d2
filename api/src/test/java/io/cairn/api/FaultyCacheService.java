package io.cairn.api;

import io.cairn.cache.CacheFailure;
import io.cairn.cache.CacheInfo;
import io.cairn.cache.CacheService;
import io.cairn.cache.CacheSpec;
import io.cairn.cache.Entry;
import io.cairn.cache.Precondition;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Wraps a real {@link CacheService} and fails on two cache names: {@value #BUG} with an exception
 * that no module expects (a bug), {@value #DOWN} with {@code STORE_UNAVAILABLE}; and holds every
 * write to {@value #GATED} until the test lets it through ({@link #openGate}), as a slow store would.
 */
final class FaultyCacheService implements CacheService {
  static final String BUG = "faulty-bug";
  static final String DOWN = "faulty-down";
  /** Breaks the interface's promise: throws instead of returning a failed Future. */
  static final String THROWS = "faulty-throws";

  /** Writes wait at a gate until {@link #openGate}. */
  static final String GATED = "faulty-gated";

  private final CacheService delegate;
  private final java.util.Queue<Runnable> gate = new java.util.concurrent.ConcurrentLinkedQueue<>();

  FaultyCacheService(CacheService delegate) {
    this.delegate = delegate;
  }

  private static <T> Future<T> fault(String cache) {
    if (BUG.equals(cache)) {
      return Future.failedFuture(new IllegalStateException("a bug, on purpose, with a secret stack"));
    }
    if (THROWS.equals(cache)) {
      throw new IllegalStateException("thrown, not returned, with a secret stack");
    }
    if (DOWN.equals(cache)) {
      return Future.failedFuture(CacheFailure.storeUnavailable("store timed out", null));
    }
    return null;
  }

  @Override
  public Future<List<CacheInfo>> list() {
    return delegate.list();
  }

  @Override
  public Future<CacheInfo> describe(String cache) {
    Future<CacheInfo> f = fault(cache);
    return f != null ? f : delegate.describe(cache);
  }

  @Override
  public Future<Defined> define(String cache, CacheSpec spec) {
    Future<Defined> f = fault(cache);
    return f != null ? f : delegate.define(cache, spec);
  }

  @Override
  public Future<Void> remove(String cache) {
    Future<Void> f = fault(cache);
    return f != null ? f : delegate.remove(cache);
  }

  @Override
  public Future<Entry> get(String cache, String key) {
    Future<Entry> f = fault(cache);
    return f != null ? f : delegate.get(cache, key);
  }

  @Override
  public Future<Map<String, Entry>> getAll(String cache, List<String> keys) {
    Future<Map<String, Entry>> f = fault(cache);
    return f != null ? f : delegate.getAll(cache, keys);
  }

  /** How many writes wait at the gate. */
  int gated() {
    return gate.size();
  }

  /** Lets the first write that waits at the gate through. */
  void openGate() {
    Runnable first = gate.poll();
    if (first == null) {
      throw new IllegalStateException("no write waits at the gate");
    }
    first.run();
  }

  @Override
  public Future<PutResult> put(String cache, String key, byte[] value, String contentType, Duration ttl,
      Precondition pre) {
    if (GATED.equals(cache)) {
      io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
      io.vertx.core.Promise<Void> open = io.vertx.core.Promise.promise();
      gate.add(() -> context.runOnContext(v -> open.complete()));
      return open.future().compose(v -> delegate.put(cache, key, value, contentType, ttl, pre));
    }
    Future<PutResult> f = fault(cache);
    return f != null ? f : delegate.put(cache, key, value, contentType, ttl, pre);
  }

  @Override
  public Future<Void> delete(String cache, String key, Precondition pre) {
    Future<Void> f = fault(cache);
    return f != null ? f : delegate.delete(cache, key, pre);
  }

  @Override
  public Future<KeyPage> keys(String cache, String prefix, String afterKey, int limit) {
    Future<KeyPage> f = fault(cache);
    return f != null ? f : delegate.keys(cache, prefix, afterKey, limit);
  }

  @Override
  public StoreStatus storeStatus() {
    return delegate.storeStatus();
  }

  @Override
  public Future<Void> close() {
    return delegate.close();
  }
}
