package io.cairn.cache;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Named caches and their entries, on this node.
 *
 * <p>Every method returns a Future and never throws: bad input and every other failure comes back
 * as a failed Future holding a {@link CacheFailure}. Results complete on the caller's Vert.x
 * context. A hit served from memory completes without touching the backing store or a worker
 * thread; store work runs on worker threads only.
 *
 * <p>{@link CacheServices#start} gives the caches of one node alone; {@link ClusterCacheService}
 * the caches of a cluster, partitioned and replicated across it, behind this same interface.
 */
public interface CacheService {

  /** Every cache, sorted by name. */
  Future<List<CacheInfo>> list();

  /** One cache's configuration and statistics; fails with {@code NO_SUCH_CACHE}. */
  Future<CacheInfo> describe(String cache);

  /**
   * Creates a cache or reconfigures an existing one; the definition is persisted before the
   * Future completes, so it survives a restart. Capacity and default TTL can change on a live
   * cache; the store cannot ({@code SPEC_CONFLICT}).
   */
  Future<Defined> define(String cache, CacheSpec spec);

  /** Removes a cache and every entry it holds, in memory and in its store. */
  Future<Void> remove(String cache);

  /** One entry, or {@code null} when absent or expired. A miss loads from the store, once per key. */
  Future<Entry> get(String cache, String key);

  /** Many entries at once; absent keys are missing from the map. Order follows {@code keys}. */
  Future<Map<String, Entry>> getAll(String cache, List<String> keys);

  /**
   * Writes an entry: the store accepts it durably first, then it becomes visible in memory.
   *
   * @param ttl time to live of this entry; {@code null} takes the cache's default TTL
   */
  Future<PutResult> put(
      String cache, String key, byte[] value, String contentType, Duration ttl, Precondition pre);

  /**
   * {@link #put} with a fence: refused with {@code STALE_FENCING_TOKEN} unless the fence's token is
   * current (see {@link FenceTable}), checked where the key's partition is served. A service that
   * does not check fences itself ({@link #checksFences()} false) refuses every fenced write here;
   * its caller checks them.
   */
  default Future<PutResult> put(String cache, String key, byte[] value, String contentType, Duration ttl,
      Precondition pre, Fence fence) {
    if (fence == null) {
      return put(cache, key, value, contentType, ttl, pre);
    }
    return Future.failedFuture(new UnsupportedOperationException("this cache service checks no fences"));
  }

  /**
   * The cluster map as this node routes by it (partitions, holders, members), or null for the
   * caches of a node alone.
   */
  default io.cairn.cache.cluster.ClusterView clusterView() {
    return null;
  }

  /** Whether {@link #put} with a fence checks it here (at the partition's owner). */
  default boolean checksFences() {
    return false;
  }

  /** Deletes an entry; fails with {@code NO_SUCH_ENTRY} when it is absent. */
  Future<Void> delete(String cache, String key, Precondition pre);

  /**
   * Keys starting with {@code prefix}, in ascending order of their UTF-8 bytes, after
   * {@code afterKey} (exclusive; {@code null} starts at the beginning).
   */
  Future<KeyPage> keys(String cache, String prefix, String afterKey, int limit);

  /** Whether the backing store answers, for /health/ready. */
  StoreStatus storeStatus();

  /** Stops background work and closes the store. */
  Future<Void> close();

  /** The result of {@link #define}: the cache as it now is, and whether it is new. */
  record Defined(CacheInfo info, boolean created) {}

  /** The result of {@link #put}: the entry as written, and whether the key was new. */
  record PutResult(Entry entry, boolean created) {}

  /** A page of keys; {@code lastKey} is non-null when more keys may follow it. */
  record KeyPage(List<String> keys, String lastKey) {}

  /** The store's state: UP, DOWN (calls failing), or OPEN (the circuit breaker refuses calls). */
  record StoreStatus(String state, String detail) {
    public boolean ready() {
      return !"OPEN".equals(state) && !"DOWN".equals(state);
    }
  }
}
