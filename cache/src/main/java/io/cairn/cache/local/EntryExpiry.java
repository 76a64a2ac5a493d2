package io.cairn.cache.local;

import com.github.benmanes.caffeine.cache.Expiry;
import io.cairn.cache.Entry;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * Per-entry expiry from {@link Entry#expiresAt()}. The wall clock is read only to turn that instant
 * into a remaining duration when the entry is inserted or replaced; from then on Caffeine counts
 * it down on its own monotonic ticker, so a wall-clock step does not move it.
 */
final class EntryExpiry implements Expiry<String, Entry> {
  private final Clock wallClock;

  EntryExpiry(Clock wallClock) {
    this.wallClock = wallClock;
  }

  @Override
  public long expireAfterCreate(String key, Entry entry, long currentTime) {
    return remainingNanos(entry);
  }

  @Override
  public long expireAfterUpdate(String key, Entry entry, long currentTime, long currentDuration) {
    return remainingNanos(entry);
  }

  @Override
  public long expireAfterRead(String key, Entry entry, long currentTime, long currentDuration) {
    return currentDuration;
  }

  long remainingNanos(Entry entry) {
    if (entry.expiresAt() == null) {
      return Long.MAX_VALUE;
    }
    long millis = entry.expiresAt().toEpochMilli() - wallClock.millis();
    return millis <= 0 ? 0 : TimeUnit.MILLISECONDS.toNanos(millis);
  }
}
