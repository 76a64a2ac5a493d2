package io.cairn.cache.store;

import io.cairn.cache.Entry;
import java.util.Objects;

/** A row of a partition: the cache it belongs to, and the entry. */
public record PartEntry(String cache, Entry entry) {
  public PartEntry {
    Objects.requireNonNull(cache, "cache");
    Objects.requireNonNull(entry, "entry");
  }
}
