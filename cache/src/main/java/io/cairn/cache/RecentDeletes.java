package io.cairn.cache;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The versions of a cache's recent deletions, kept for {@link #RETENTION_NANOS}: a replica that
 * deleted a key must not bring it back when a late copy of an older write of it arrives (a resent
 * request that crossed the deletion). Thread-safe.
 */
final class RecentDeletes {
  /** Far longer than any request between nodes waits for its answer. */
  static final long RETENTION_NANOS = 60_000_000_000L;

  private record Deletion(long version, long atNanos) {}

  private final ConcurrentHashMap<String, Deletion> deletions = new ConcurrentHashMap<>();

  void deleted(String key, long version, long nowNanos) {
    deletions.merge(key, new Deletion(version, nowNanos),
        (a, b) -> a.version() >= b.version() ? new Deletion(a.version(), b.atNanos()) : b);
  }

  /** The version of the key's recent deletion, or 0. */
  long version(String key) {
    Deletion d = deletions.get(key);
    return d == null ? 0 : d.version();
  }

  /** Forgets deletions older than the retention, and those of keys {@code forget} names. */
  void prune(long nowNanos, Predicate<String> forget) {
    deletions.entrySet().removeIf(e -> nowNanos - e.getValue().atNanos() > RETENTION_NANOS || forget.test(e.getKey()));
  }

  int size() {
    return deletions.size();
  }
}
