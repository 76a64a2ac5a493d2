package io.cairn.cache;

/**
 * Counters of one cache's memory tier since it was created on this node (they restart at zero
 * when the process restarts).
 *
 * @param entries estimated number of entries in memory
 * @param weightedBytes estimated bytes in memory (keys, values and per-entry overhead)
 */
public record CacheStats(
    long hits,
    long misses,
    long loads,
    long loadFailures,
    long evictions,
    long entries,
    long weightedBytes) {

  /** Hits over requests, 1.0 when there were no requests (as Caffeine reports it). */
  public double hitRatio() {
    long requests = hits + misses;
    return requests == 0 ? 1.0 : (double) hits / requests;
  }
}
