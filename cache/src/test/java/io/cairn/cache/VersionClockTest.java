package io.cairn.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VersionClockTest {

  @Test
  void versionsFollowTheWallClockInMicroseconds() {
    var clock = new MutableClock(Instant.parse("2025-01-01T00:00:00.000123Z"));
    var versions = new VersionClock(clock);
    assertThat(versions.next(0)).isEqualTo(1_735_689_600_000_123L);
    clock.set(Instant.parse("2025-01-01T00:00:01Z"));
    assertThat(versions.next(0)).isEqualTo(1_735_689_601_000_000L);
  }

  @Test
  void versionsIncreaseWhenTheClockStandsStillOrGoesBack() {
    var clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    var versions = new VersionClock(clock);
    long first = versions.next(0);
    assertThat(versions.next(0)).isEqualTo(first + 1);
    clock.set(Instant.parse("2024-12-31T23:00:00Z"));
    assertThat(versions.next(0)).isEqualTo(first + 2);
  }

  @Test
  void aVersionExceedsTheOneItReplacesAndEveryObservedOne() {
    var clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    var versions = new VersionClock(clock);
    long future = VersionClock.micros(Instant.parse("2030-01-01T00:00:00Z"));
    assertThat(versions.next(future)).isEqualTo(future + 1);

    var restarted = new VersionClock(clock);
    restarted.observe(future + 10);
    assertThat(restarted.next(0)).isEqualTo(future + 11);
    restarted.observe(5);
    assertThat(restarted.next(0)).isEqualTo(future + 12);
  }

  @Test
  void concurrentCallersNeverGetTheSameVersion() throws Exception {
    var versions = new VersionClock(Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC));
    Set<Long> seen = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> tasks = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        tasks.add(pool.submit(() -> {
          for (int i = 0; i < 10_000; i++) {
            seen.add(versions.next(0));
          }
        }));
      }
      for (Future<?> task : tasks) {
        task.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(seen).hasSize(40_000);
  }

  static final class MutableClock extends Clock {
    private final AtomicReference<Instant> now;

    MutableClock(Instant start) {
      this.now = new AtomicReference<>(start);
    }

    void set(Instant instant) {
      now.set(instant);
    }

    @Override
    public Instant instant() {
      return now.get();
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
