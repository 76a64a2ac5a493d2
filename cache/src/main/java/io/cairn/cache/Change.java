package io.cairn.cache;

import java.util.Objects;

/**
 * One write of one key as the replicas of its partition apply it: the entry now, or its deletion
 * at {@code version}. Replicas apply a change only if it is newer than what they have of the key.
 *
 * @param entry the entry, or null when the key was deleted
 * @param version the entry's version, or the deletion's
 */
public record Change(String cache, String key, Entry entry, long version) {
  public Change {
    Objects.requireNonNull(cache, "cache");
    Objects.requireNonNull(key, "key");
    if (entry != null && entry.version() != version) {
      throw new IllegalArgumentException("an entry at version " + entry.version() + " in a change at " + version);
    }
  }

  public static Change put(String cache, Entry entry) {
    return new Change(cache, entry.key(), entry, entry.version());
  }

  public static Change delete(String cache, String key, long version) {
    return new Change(cache, key, null, version);
  }

  public boolean deleted() {
    return entry == null;
  }
}
