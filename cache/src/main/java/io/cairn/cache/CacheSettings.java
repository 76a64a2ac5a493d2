package io.cairn.cache;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Node-wide settings of the cache service.
 *
 * @param dataDir where cache definitions (and the embedded store) live
 * @param maxKeyBytes longest key, in UTF-8 bytes
 * @param maxValueBytes largest value, in bytes
 * @param store the JDBC backing store
 * @param partitions how many partitions the keys are spread over in a cluster ({@code
 *     cache.partitions}); fixed when the cluster forms
 */
public record CacheSettings(Path dataDir, int maxKeyBytes, long maxValueBytes, StoreSettings store, int partitions) {
  public static final int DEFAULT_MAX_KEY_BYTES = 1024;
  public static final long DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

  public CacheSettings {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(store, "store");
  }

  /** With the default partition count. */
  public CacheSettings(Path dataDir, int maxKeyBytes, long maxValueBytes, StoreSettings store) {
    this(dataDir, maxKeyBytes, maxValueBytes, store, io.cairn.cache.partition.Partitioner.DEFAULT_PARTITION_COUNT);
  }

  /**
   * Whether every node shares the store (PostgreSQL), rather than keeping its own (the embedded
   * SQLite file): a shared store is written once per write, by the owner, and holds every
   * partition.
   */
  public boolean sharedStore() {
    return store.url() != null && store.url().startsWith("jdbc:postgresql:");
  }

  /**
   * The JDBC store behind caches whose store is {@code jdbc}.
   *
   * @param url a {@code jdbc:sqlite:} or {@code jdbc:postgresql:} URL; null means the embedded
   *     SQLite file {@code store.db} under the data dir
   * @param poolSize connections in the pool, and threads of the {@code cairn-store} worker pool
   * @param timeout limit of every store call; past it the call fails with STORE_UNAVAILABLE
   * @param breakerFailures consecutive failures that open the circuit breaker
   * @param breakerReset how long an open breaker refuses calls before it lets one through
   * @param sweepInterval how often rows past their TTL are deleted from the store
   */
  public record StoreSettings(
      String url,
      String user,
      String password,
      int poolSize,
      Duration timeout,
      int breakerFailures,
      Duration breakerReset,
      Duration sweepInterval) {

    /** Everything but the password, which never reaches a log line. */
    @Override
    public String toString() {
      return "StoreSettings[url=" + url + ", user=" + user + ", password=" + (password == null ? "null" : "***")
          + ", poolSize=" + poolSize + ", timeout=" + timeout + ", breakerFailures=" + breakerFailures
          + ", breakerReset=" + breakerReset + ", sweepInterval=" + sweepInterval + "]";
    }

    public static StoreSettings defaults() {
      return new StoreSettings(null, null, null, 4, Duration.ofSeconds(2), 5,
          Duration.ofSeconds(5), Duration.ofMinutes(1));
    }
  }
}
