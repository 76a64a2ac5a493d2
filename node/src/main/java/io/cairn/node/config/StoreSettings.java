package io.cairn.node.config;

import io.cairn.cache.CacheSettings;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The JDBC backing store of caches whose store is {@code jdbc}.
 *
 * @param url {@code jdbc:sqlite:...} or {@code jdbc:postgresql:...}; null means the embedded
 *     SQLite file {@code store.db} under {@code data.dir}
 * @param user the database user, or null
 * @param password the database password, or null; never logged, never printed
 * @param poolSize connections, and threads of the store's worker pool: more allow more store
 *     calls at once and hold more database connections
 * @param timeout limit of one store call: lower answers 503 sooner when the database stalls,
 *     but fails calls that a loaded database would have finished
 * @param breakerFailures consecutive failures that open the circuit breaker: lower stops
 *     hammering a sick database sooner, but trips on short blips
 * @param breakerReset how long an open breaker refuses calls before it tries one again
 * @param sweepInterval how often rows past their TTL are deleted from the store: lower keeps
 *     the store smaller, at the cost of more background queries
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

  public static final int MAX_POOL_SIZE = 1000;
  public static final int MAX_BREAKER_FAILURES = 1_000_000;

  public StoreSettings {
    Check.that(url == null || url.startsWith("jdbc:sqlite:") || url.startsWith("jdbc:postgresql:"),
        "store.url", "must start with jdbc:sqlite: or jdbc:postgresql: (or be empty for the embedded store)");
    Check.inRange(poolSize, 1, MAX_POOL_SIZE, "store.pool-size");
    Check.that(timeout != null && isPositive(timeout), "store.timeout", mustBePositive(timeout));
    Check.inRange(breakerFailures, 1, MAX_BREAKER_FAILURES, "store.breaker-failures");
    Check.that(breakerReset != null && isPositive(breakerReset), "store.breaker-reset", mustBePositive(breakerReset));
    Check.that(sweepInterval != null && isPositive(sweepInterval), "store.sweep-interval", mustBePositive(sweepInterval));
  }

  /** The cache module's defaults. */
  public static StoreSettings defaults() {
    CacheSettings.StoreSettings d = CacheSettings.StoreSettings.defaults();
    return new StoreSettings(d.url(), d.user(), d.password(), d.poolSize(), d.timeout(),
        d.breakerFailures(), d.breakerReset(), d.sweepInterval());
  }

  /** These settings as the cache module takes them. */
  public CacheSettings.StoreSettings toCache() {
    return new CacheSettings.StoreSettings(url, user, password, poolSize, timeout, breakerFailures,
        breakerReset, sweepInterval);
  }

  /**
   * The store for a person to read: {@code sqlite:/abs/data/store.db} for the embedded store,
   * else the URL without its query string (which may hold credentials).
   */
  public String describe(Path dataDir) {
    if (url == null) {
      return "sqlite:" + dataDir.toAbsolutePath().normalize().resolve("store.db");
    }
    return redact(url);
  }

  static String redact(String url) {
    String u = url;
    int q = u.indexOf('?');
    if (q >= 0) {
      u = u.substring(0, q);
    }
    int semicolon = u.indexOf(';');
    if (semicolon >= 0) {
      u = u.substring(0, semicolon);
    }
    // jdbc:postgresql://user:secret@host/db
    return u.replaceAll("//[^/@]*@", "//");
  }

  private static boolean isPositive(Duration d) {
    return !d.isNegative() && !d.isZero();
  }

  private static String mustBePositive(Duration d) {
    return "must be longer than 0, got " + (d == null ? "nothing" : Values.formatDuration(d));
  }

  /** Like the record's, without the password. */
  @Override
  public String toString() {
    return "StoreSettings[url=" + (url == null ? null : redact(url)) + ", user=" + user
        + ", password=" + (password == null ? null : "******") + ", poolSize=" + poolSize
        + ", timeout=" + timeout + ", breakerFailures=" + breakerFailures
        + ", breakerReset=" + breakerReset + ", sweepInterval=" + sweepInterval + "]";
  }
}
