package io.cairn.cache;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node-wide source of entry versions: {@code next = max(last + 1, now in microseconds,
 * floor + 1)}, atomically. Versions are therefore strictly increasing on this node, greater than
 * the version a write replaces ({@code floor}), and greater than every version the node has loaded
 * from its store ({@link #observe}).
 *
 * <p>That is what makes an ETag safe: a key's version never repeats, also after a delete and a new
 * put (the deleted version is no longer known, but every later version is greater than every
 * earlier one on this node) and across a restart, <b>assuming</b> the wall clock is not set back
 * by more than the time the node was down (and that the node did not issue more than a million
 * versions per second for long enough to run ahead of the clock by that much). Versions loaded
 * from the store after a restart are observed, which covers the keys that are read.
 */
final class VersionClock {
  private final Clock wallClock;
  private final AtomicLong last = new AtomicLong();

  VersionClock(Clock wallClock) {
    this.wallClock = wallClock;
  }

  /** A version greater than every one issued or observed, and greater than {@code floor}. */
  long next(long floor) {
    long now = micros(wallClock.instant());
    return last.updateAndGet(l -> Math.max(Math.max(l + 1, now), floor + 1));
  }

  /** Notes a version that exists (loaded from the store), so that later versions exceed it. */
  void observe(long version) {
    last.accumulateAndGet(version, Math::max);
  }

  static long micros(Instant instant) {
    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
  }
}
