package io.cairn.cache.store;

import io.cairn.cache.CacheService.StoreStatus;
import io.cairn.cache.Entry;
import io.vertx.core.Future;
import java.util.List;

/**
 * Where the entries of caches with a store live durably: written through on every put and delete,
 * read through on every miss. (Public only so that the service package can use it; it is internal
 * to the cache module.)
 *
 * <p>Every method returns a Future and never throws. A failure is a
 * {@link io.cairn.cache.CacheFailure} with reason {@code STORE_UNAVAILABLE}: the store failed,
 * timed out, or its circuit breaker refuses calls. Results complete on the caller's Vert.x
 * context; blocking work runs on worker threads only.
 *
 * <p>A {@link #write} or {@link #delete} that fails was not committed: a failure never hides a
 * committed change (see the implementation for the one exception, a connection lost during the
 * commit itself).
 */
public interface BackingStore {

  /** The unexpired entry, or null. */
  Future<Entry> load(String cache, String key);

  /** Inserts or replaces the entry, durably. */
  Future<Void> write(String cache, Entry entry);

  /** Deletes the entry if it is there, durably. */
  Future<Void> delete(String cache, String key);

  /** Deletes every entry of a cache. */
  Future<Void> deleteCache(String cache);

  /**
   * Writes the entry unless the store has the key at the same or a newer version (a replica's
   * write: the newer version wins); whether it wrote.
   */
  Future<Boolean> writeIfNewer(String cache, Entry entry);

  /** Deletes the key if the store has it at an older version than {@code version}; whether it deleted. */
  Future<Boolean> deleteIfOlder(String cache, String key, long version);

  /**
   * Up to {@code limit} unexpired entries of partition {@code part}, of every cache, ordered by
   * cache then key (UTF-8 byte order), after the cursor ({@code afterCache}, {@code afterKey}),
   * both null to start. Fails with IllegalArgumentException for a negative partition, a limit
   * below 1, or half a cursor.
   */
  Future<List<PartEntry>> scanPartition(int part, String afterCache, String afterKey, int limit);

  /** Deletes every entry of partition {@code part}, of every cache; how many. */
  Future<Long> deletePartition(int part);

  /**
   * Up to {@code limit} unexpired keys of a cache that start with {@code prefix}, after
   * {@code afterKey} (exclusive, null for none), in ascending order of their UTF-8 bytes.
   */
  Future<List<String>> keys(String cache, String prefix, String afterKey, int limit);

  /** Deletes rows past their expiry; returns how many. */
  Future<Long> sweepExpired();

  /** A cheap round trip, to notice a store that failed or came back without user traffic. */
  Future<Void> ping();

  /** UP, DOWN (recent calls failed) or OPEN (the circuit breaker refuses calls). */
  StoreStatus status();

  /** Releases connections and threads. */
  Future<Void> close();
}
