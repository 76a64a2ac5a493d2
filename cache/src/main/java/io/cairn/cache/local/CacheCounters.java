package io.cairn.cache.local;

import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import com.github.benmanes.caffeine.cache.stats.StatsCounter;
import java.util.concurrent.atomic.LongAdder;

/**
 * The statistics of one cache. It outlives the Caffeine instance it is given to: a change of the
 * capacity's unit builds a new Caffeine with the same counters, so the numbers keep counting.
 *
 * <p>Caffeine records a load that finds nothing as a load failure (it removes the mapping); the
 * loader counts those {@linkplain #recordAbsentLoad() itself} so that they can be told apart.
 */
final class CacheCounters implements StatsCounter {
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder loadSuccesses = new LongAdder();
  private final LongAdder loadFailures = new LongAdder();
  private final LongAdder absentLoads = new LongAdder();
  private final LongAdder loadNanos = new LongAdder();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder evictionWeight = new LongAdder();

  @Override
  public void recordHits(int count) {
    hits.add(count);
  }

  @Override
  public void recordMisses(int count) {
    misses.add(count);
  }

  @Override
  public void recordLoadSuccess(long loadTime) {
    loadSuccesses.increment();
    loadNanos.add(loadTime);
  }

  @Override
  public void recordLoadFailure(long loadTime) {
    loadFailures.increment();
    loadNanos.add(loadTime);
  }

  @Override
  public void recordEviction(int weight, RemovalCause cause) {
    evictions.increment();
    evictionWeight.add(weight);
  }

  /** A load that completed without a value; Caffeine also records it as a failure. */
  void recordAbsentLoad() {
    absentLoads.increment();
  }

  long hits() {
    return hits.sum();
  }

  long misses() {
    return misses.sum();
  }

  /** Every completed load: with a value, without one, or failed. */
  long loads() {
    return loadSuccesses.sum() + loadFailures.sum();
  }

  long loadsFound() {
    return loadSuccesses.sum();
  }

  long loadsAbsent() {
    return absentLoads.sum();
  }

  /**
   * Loads that failed. The absent count is bumped just before Caffeine records the same load as a
   * failure, so the difference may be one short for an instant; it never goes below zero.
   */
  long loadFailures() {
    return Math.max(0, loadFailures.sum() - absentLoads.sum());
  }

  long evictions() {
    return evictions.sum();
  }

  @Override
  public CacheStats snapshot() {
    return CacheStats.of(hits.sum(), misses.sum(), loadSuccesses.sum(), loadFailures.sum(),
        loadNanos.sum(), evictions.sum(), evictionWeight.sum());
  }
}
