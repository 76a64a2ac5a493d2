package io.cairn.cache.local;

import com.github.benmanes.caffeine.cache.Weigher;
import io.cairn.cache.Entry;

/**
 * Weighs an entry for caches bounded in bytes: the key's UTF-8 bytes, plus the value's bytes, plus
 * {@link LocalCache#ENTRY_OVERHEAD_BYTES} for everything else an entry costs on the heap.
 */
final class EntryWeigher implements Weigher<String, Entry> {
  static final EntryWeigher INSTANCE = new EntryWeigher();

  private EntryWeigher() {}

  @Override
  public int weigh(String key, Entry entry) {
    return weightOf(key, entry.value().length);
  }

  /** Saturates at {@code Integer.MAX_VALUE}, Caffeine's largest weight. */
  static int weightOf(String key, int valueBytes) {
    long weight = utf8Length(key) + (long) valueBytes + LocalCache.ENTRY_OVERHEAD_BYTES;
    return (int) Math.min(Integer.MAX_VALUE, weight);
  }

  /** UTF-8 length without encoding; an unpaired surrogate counts as the one byte of its '?'. */
  static long utf8Length(String s) {
    long bytes = 0;
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else if (Character.isSurrogate(c)) {
        bytes += 1;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
