package io.cairn.cache;

import io.cairn.cache.local.LocalCache;
import java.time.Instant;

/** One live cache on this node: its definition, its memory tier and its write coordination. */
final class CacheHandle {
  final String name;
  final Instant createdAt;
  final LocalCache local;
  /** Serializes the writes and deletes of each key, so that If-Match is a compare-and-set. */
  final KeyLocks locks = new KeyLocks();
  /** Lets a removal or a change of capacity unit wait for the writes in flight. */
  final WriteGate gate = new WriteGate();
  /** The versions of recent deletions, so that a late copy of an older write does not undo one. */
  final RecentDeletes deletes = new RecentDeletes();
  volatile CacheSpec spec;
  /** Set once the cache is gone; a write that was held back then fails with NO_SUCH_CACHE. */
  volatile boolean removed;

  CacheHandle(CacheDefinition definition, LocalCache local) {
    this.name = definition.name();
    this.createdAt = definition.createdAt();
    this.spec = definition.spec();
    this.local = local;
  }

  void deleted(String key, long version) {
    deletes.deleted(key, version, System.nanoTime());
  }

  CacheDefinition definition() {
    return new CacheDefinition(name, spec, createdAt);
  }

  CacheInfo info() {
    return new CacheInfo(name, spec, createdAt, local.stats());
  }
}
