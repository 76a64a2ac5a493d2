package io.cairn.cache;

import java.time.Duration;
import java.util.Objects;

/**
 * The configuration of one cache.
 *
 * @param capacity how the memory tier is bounded: a number of entries or a number of bytes
 * @param defaultTtl time to live of an entry put without one; {@code null} means none
 * @param store where entries are written through to and loaded from
 * @param backups how many other nodes hold a copy of each entry, synchronously (0 to {@value
 *     #MAX_BACKUPS}); fewer while the cluster has fewer nodes
 */
public record CacheSpec(Capacity capacity, Duration defaultTtl, StoreKind store, int backups) {

  public static final long DEFAULT_MAX_ENTRIES = 10_000;
  /** The backups a cache gets unless it asks for another count. */
  public static final int DEFAULT_BACKUPS = 1;
  /** The most backups a cache may ask for. */
  public static final int MAX_BACKUPS = 3;
  /** The longest TTL accepted, on a cache or an entry: ten years. */
  public static final Duration MAX_TTL = Duration.ofDays(3650);

  public CacheSpec {
    Objects.requireNonNull(capacity, "capacity");
    Objects.requireNonNull(store, "store");
    if (defaultTtl != null && (defaultTtl.isNegative() || defaultTtl.isZero() || defaultTtl.compareTo(MAX_TTL) > 0)) {
      throw CacheFailure.invalidSpec("defaultTtlMillis must be between 1 and " + MAX_TTL.toMillis());
    }
    if (backups < 0 || backups > MAX_BACKUPS) {
      throw CacheFailure.invalidSpec("backups must be between 0 and " + MAX_BACKUPS + ", got " + backups);
    }
  }

  /** A cache with {@value #DEFAULT_BACKUPS} backup. */
  public CacheSpec(Capacity capacity, Duration defaultTtl, StoreKind store) {
    this(capacity, defaultTtl, store, DEFAULT_BACKUPS);
  }

  /** 10,000 entries, no TTL, written through to the node's JDBC store, one backup. */
  public static CacheSpec defaults() {
    return new CacheSpec(Capacity.entries(DEFAULT_MAX_ENTRIES), null, StoreKind.JDBC, DEFAULT_BACKUPS);
  }

  /** A bound on the memory tier. */
  public record Capacity(Unit unit, long maximum) {
    public enum Unit { ENTRIES, BYTES }

    public Capacity {
      Objects.requireNonNull(unit, "unit");
      if (maximum < 1) {
        throw CacheFailure.invalidSpec(
            (unit == Unit.ENTRIES ? "maxEntries" : "maxBytes") + " must be at least 1");
      }
    }

    public static Capacity entries(long maximum) {
      return new Capacity(Unit.ENTRIES, maximum);
    }

    public static Capacity bytes(long maximum) {
      return new Capacity(Unit.BYTES, maximum);
    }
  }

  /** The backing store of a cache. */
  public enum StoreKind {
    /** Memory only: nothing survives eviction or a restart. */
    NONE,
    /** Write-through and read-through to the node's JDBC store (embedded SQLite or PostgreSQL). */
    JDBC;

    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static StoreKind fromWire(String s) {
      for (StoreKind k : values()) {
        if (k.wireName().equals(s)) {
          return k;
        }
      }
      throw CacheFailure.invalidSpec("store must be one of none, jdbc; got " + s);
    }
  }
}
