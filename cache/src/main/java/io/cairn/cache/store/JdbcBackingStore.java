package io.cairn.cache.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.cairn.cache.CacheFailure;
import io.cairn.cache.CacheService.StoreStatus;
import io.cairn.cache.CacheSettings.StoreSettings;
import io.cairn.cache.Entry;
import io.cairn.cache.partition.Partitioner;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backing store on JDBC, pooled by HikariCP: embedded SQLite by default, or PostgreSQL. The
 * dialect follows from the URL's prefix ({@code jdbc:sqlite:} or {@code jdbc:postgresql:}).
 * (Public only so that the service package can use it; it is internal to the cache module.)
 *
 * <p><b>Durability.</b> The embedded default is SQLite at {@code <dataDir>/store.db} in WAL mode
 * with {@code synchronous=FULL}, so every commit fsyncs the WAL before it returns and an
 * acknowledged write survives a power loss. SQLite was chosen over H2 because H2 does not fsync
 * per commit (it writes its store asynchronously, so a crash may lose the last acknowledged
 * writes). Writers queue for SQLite's one write lock in arrival order behind a fair lock of this
 * class (SQLite's own busy handler is unfair); {@code BEGIN IMMEDIATE} takes it at the start of
 * each write transaction, and a {@code busy_timeout} equal to the call timeout covers any other
 * process that holds it.
 * PostgreSQL commits durably with its defaults ({@code fsync}, {@code synchronous_commit} on).
 *
 * <p><b>Schema.</b> One table, {@code cairn_entries (cache_name, entry_key, value, content_type,
 * version, expires_at)}, primary key {@code (cache_name, entry_key)}, created at start if absent.
 * Keys sort by their UTF-8 bytes in both databases (SQLite's BINARY collation, PostgreSQL's
 * {@code COLLATE "C"}; a PostgreSQL database must use the UTF8 encoding). {@code expires_at} is
 * epoch milliseconds (null for never); loads and key listings skip expired rows, and
 * {@link #sweepExpired} deletes them in batches.
 *
 * <p><b>Threads.</b> All JDBC runs on the worker executor {@code cairn-store}, sized to the pool,
 * never on an event loop (the work checks, and fails if it finds itself on one).
 *
 * <p><b>Timeouts, and what a failure means.</b> Every call has a deadline ({@code store.timeout})
 * that covers the wait for a worker thread and a connection. When it passes, the call fails with
 * {@code STORE_UNAVAILABLE}, and a failed write or delete was <em>not committed</em>: the write runs
 * in an explicit transaction, and just before {@code commit()} the worker moves a small state
 * from PENDING to COMMITTING with a compare-and-set, while the timer moves it from PENDING to
 * ABANDONED. The worker rolls back if it finds ABANDONED; the timer leaves the call alone if it
 * finds COMMITTING, and the call then reports the commit's own outcome, however long it takes.
 * So a 503 to a client means "not written", and a success means "durable". The one case no
 * database client can decide is a connection lost during the commit itself: the call fails with
 * "outcome unknown" in its message, and the caller must treat the store as the truth (the cache
 * service drops the key from memory so that the next read asks the store).
 *
 * <p><b>Circuit breaker.</b> {@code store.breaker-failures} consecutive failures open it; while
 * open, calls fail at once without touching the database; after {@code store.breaker-reset} one
 * probe is let through, and its success closes the breaker. The cache service pings the store
 * periodically, so the breaker notices a store that comes back, and {@link #status} stays true,
 * even without user traffic.
 */
public final class JdbcBackingStore implements BackingStore {
  private static final Logger log = LoggerFactory.getLogger(JdbcBackingStore.class);
  private static final int SWEEP_BATCH = 1000;
  private static final int PARTITION_BATCH = 1000;

  private final Vertx vertx;
  private final Dialect dialect;
  private final HikariDataSource dataSource;
  private final WorkerExecutor pool;
  private final long timeoutMillis;
  private final Clock wallClock;
  private final LongSupplier nanoTime;
  private final CircuitBreaker breaker;
  private final StoreMetrics metrics;
  private final Partitioner partitioner;
  /**
   * SQLite has one write lock, and its busy handler is unfair: writers that find it taken sleep in
   * growing steps, so under load some starve past their deadline. Writers take this fair lock
   * first (on a worker thread) and so reach SQLite one at a time, in arrival order. Null for
   * PostgreSQL, which locks rows itself.
   */
  private final ReentrantLock sqliteWriter;
  private volatile String lastError;
  private volatile boolean closed;

  private JdbcBackingStore(Vertx vertx, Dialect dialect, HikariDataSource dataSource, WorkerExecutor pool,
      StoreSettings settings, Clock wallClock, LongSupplier nanoTime, MeterRegistry registry, Partitioner partitioner) {
    this.partitioner = partitioner;
    this.vertx = vertx;
    this.dialect = dialect;
    this.sqliteWriter = dialect == Dialect.SQLITE ? new ReentrantLock(true) : null;
    this.dataSource = dataSource;
    this.pool = pool;
    this.timeoutMillis = settings.timeout().toMillis();
    this.wallClock = wallClock;
    this.nanoTime = nanoTime;
    this.breaker = new CircuitBreaker(settings.breakerFailures(), settings.breakerReset().toNanos());
    this.metrics = new StoreMetrics(registry, this::breakerState);
  }

  /**
   * Validates the settings, connects and creates the schema if it is absent. Fails with an
   * {@link IllegalArgumentException} naming the setting ({@code store.url}, ...) when a setting is
   * invalid, and with {@code STORE_UNAVAILABLE} when the database cannot be reached.
   *
   * @param dataDir where the embedded SQLite file lives when {@code settings.url()} is null
   */
  public static Future<JdbcBackingStore> open(Vertx vertx, StoreSettings settings, Path dataDir,
      MeterRegistry registry, Partitioner partitioner) {
    return open(vertx, settings, dataDir, registry, Clock.systemUTC(), System::nanoTime, partitioner);
  }

  static Future<JdbcBackingStore> open(Vertx vertx, StoreSettings settings, Path dataDir,
      MeterRegistry registry, Clock wallClock, LongSupplier nanoTime) {
    return open(vertx, settings, dataDir, registry, wallClock, nanoTime, Partitioner.withDefaultCount());
  }

  static Future<JdbcBackingStore> open(Vertx vertx, StoreSettings settings, Path dataDir,
      MeterRegistry registry, Clock wallClock, LongSupplier nanoTime, Partitioner partitioner) {
    String url;
    Dialect dialect;
    try {
      validate(settings);
      url = settings.url() != null ? settings.url() : "jdbc:sqlite:" + dataDir.resolve("store.db");
      dialect = Dialect.of(url);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    HikariConfig config = hikariConfig(url, dialect, settings);
    WorkerExecutor pool = vertx.createSharedWorkerExecutor("cairn-store", settings.poolSize());
    return pool.executeBlocking(() -> {
          requireWorkerThread();
          HikariDataSource dataSource = new HikariDataSource(config);
          try {
            createSchema(dataSource, dialect, partitioner);
            return dataSource;
          } catch (SQLException | RuntimeException e) {
            dataSource.close();
            throw e;
          }
        }, false)
        .transform(ar -> {
          if (ar.failed()) {
            return pool.close().<JdbcBackingStore>transform(ignored -> Future.failedFuture(CacheFailure.storeUnavailable(
                "cannot open the " + dialect.name().toLowerCase(java.util.Locale.ROOT) + " store: "
                    + ar.cause().getMessage(), ar.cause())));
          }
          log.info("Backing store open: {} with {} connections", describe(url), settings.poolSize());
          return Future.succeededFuture(new JdbcBackingStore(vertx, dialect, ar.result(), pool,
              settings, wallClock, nanoTime, registry, partitioner));
        });
  }

  private static void validate(StoreSettings s) {
    if (s.poolSize() < 1) {
      throw new IllegalArgumentException("store.pool-size: must be at least 1, got " + s.poolSize());
    }
    requirePositive("store.timeout", s.timeout());
    if (s.timeout().toMillis() < 1) {
      throw new IllegalArgumentException("store.timeout: must be at least 1 ms, got " + s.timeout());
    }
    if (s.breakerFailures() < 1) {
      throw new IllegalArgumentException(
          "store.breaker-failures: must be at least 1, got " + s.breakerFailures());
    }
    requirePositive("store.breaker-reset", s.breakerReset());
    requirePositive("store.sweep-interval", s.sweepInterval());
  }

  private static void requirePositive(String key, Duration d) {
    if (d == null || d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(key + ": must be a positive duration, got " + d);
    }
  }

  private static HikariConfig hikariConfig(String url, Dialect dialect, StoreSettings settings) {
    long timeout = settings.timeout().toMillis();
    HikariConfig config = new HikariConfig();
    config.setPoolName("cairn-store");
    config.setJdbcUrl(url);
    if (settings.user() != null) {
      config.setUsername(settings.user());
    }
    if (settings.password() != null) {
      config.setPassword(settings.password());
    }
    config.setMaximumPoolSize(settings.poolSize());
    config.setMinimumIdle(settings.poolSize());
    // Hikari's floor is 250 ms; the call's own deadline is store.timeout regardless.
    config.setConnectionTimeout(Math.max(250, timeout));
    config.setValidationTimeout(Math.max(250, timeout));
    config.setInitializationFailTimeout(Math.max(1, timeout));
    if (dialect == Dialect.SQLITE) {
      config.addDataSourceProperty("journal_mode", "WAL");
      config.addDataSourceProperty("synchronous", "FULL");
      config.addDataSourceProperty("busy_timeout", Long.toString(timeout));
      config.addDataSourceProperty("transaction_mode", "IMMEDIATE");
    } else {
      long seconds = Math.max(1, TimeUnit.MILLISECONDS.toSeconds(timeout + 999));
      config.addDataSourceProperty("connectTimeout", Long.toString(seconds));
      // Frees a worker stuck on a dead connection (a commit waits past store.timeout, see above).
      config.addDataSourceProperty("socketTimeout", Long.toString(Math.max(10, 5 * seconds)));
      config.addDataSourceProperty("tcpKeepAlive", "true");
      config.addDataSourceProperty("ApplicationName", "cairn");
    }
    return config;
  }

  private static void createSchema(HikariDataSource dataSource, Dialect dialect, Partitioner partitioner)
      throws SQLException {
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      for (String ddl : dialect.schema()) {
        s.execute(ddl);
      }
      if (!hasPartColumn(c, dialect)) {
        s.execute(dialect.addPartColumn());
      }
      s.execute(Dialect.PART_INDEX);
      partition(c, partitioner);
    }
  }

  private static boolean hasPartColumn(Connection c, Dialect dialect) throws SQLException {
    if (dialect == Dialect.POSTGRESQL) {
      return false; // ADD COLUMN IF NOT EXISTS does nothing when it is there
    }
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA table_info(cairn_entries)")) {
      while (rs.next()) {
        if ("part".equals(rs.getString("name"))) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Gives every row its partition under {@code partitioner}'s count: the rows of a store made by a
   * version before partitions, and every row when the count changed since the last open (it is
   * kept in {@code cairn_meta}). In batches of {@value #PARTITION_BATCH}, each in its transaction.
   */
  private static void partition(Connection c, Partitioner partitioner) throws SQLException {
    String count = Integer.toString(partitioner.partitionCount());
    String before = null;
    try (PreparedStatement ps = c.prepareStatement(Dialect.META_GET)) {
      ps.setString(1, "partitions");
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          before = rs.getString(1);
        }
      }
    }
    if (before != null && !before.equals(count)) {
      try (Statement s = c.createStatement()) {
        int rows = s.executeUpdate(Dialect.FORGET_PARTS);
        log.info("The partition count changed from {} to {}: {} rows get their partition again", before, count, rows);
      }
    }
    long done = 0;
    while (true) {
      List<String[]> rows = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(Dialect.UNPARTITIONED)) {
        ps.setInt(1, PARTITION_BATCH);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            rows.add(new String[] {rs.getString(1), rs.getString(2)});
          }
        }
      }
      if (rows.isEmpty()) {
        break;
      }
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement(Dialect.SET_PART)) {
        for (String[] row : rows) {
          ps.setInt(1, partitioner.partitionOf(row[1]));
          ps.setString(2, row[0]);
          ps.setString(3, row[1]);
          ps.addBatch();
        }
        ps.executeBatch();
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
      done += rows.size();
    }
    if (done > 0) {
      log.info("Gave {} rows their partition (of {})", done, count);
    }
    if (!count.equals(before)) {
      try (PreparedStatement ps = c.prepareStatement(Dialect.META_PUT)) {
        ps.setString(1, "partitions");
        ps.setString(2, count);
        ps.executeUpdate();
      }
    }
  }

  private static String describe(String url) {
    int query = url.indexOf('?');
    return query < 0 ? url : url.substring(0, query);
  }

  @Override
  public Future<Entry> load(String cache, String key) {
    return call("load", (c, attempt) -> {
      try (PreparedStatement ps = c.prepareStatement(Dialect.LOAD)) {
        ps.setString(1, cache);
        ps.setString(2, key);
        ps.setLong(3, wallClock.millis());
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return null;
          }
          byte[] value = rs.getBytes(1);
          String contentType = rs.getString(2);
          long version = rs.getLong(3);
          long expiresAt = rs.getLong(4);
          Instant expiry = rs.wasNull() ? null : Instant.ofEpochMilli(expiresAt);
          return new Entry(key, value == null ? new byte[0] : value, contentType, version, expiry);
        }
      }
    });
  }

  @Override
  public Future<Void> write(String cache, Entry entry) {
    return call("write", (c, attempt) -> inTransaction(c, attempt, () -> {
      upsert(c, cache, entry);
      return null;
    }));
  }

  private void upsert(Connection c, String cache, Entry entry) throws SQLException {
    upsert(c, Dialect.UPSERT, cache, entry);
  }

  /** The row of {@code entry}, with its partition; the number of rows inserted or changed. */
  private int upsert(Connection c, String sql, String cache, Entry entry) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, cache);
      ps.setString(2, entry.key());
      ps.setBytes(3, entry.value());
      ps.setString(4, entry.contentType());
      ps.setLong(5, entry.version());
      if (entry.expiresAt() == null) {
        ps.setNull(6, Types.BIGINT);
      } else {
        ps.setLong(6, entry.expiresAt().toEpochMilli());
      }
      ps.setInt(7, partitioner.partitionOf(entry.key()));
      return ps.executeUpdate();
    }
  }

  @Override
  public Future<Boolean> writeIfNewer(String cache, Entry entry) {
    return call("write", (c, attempt) -> inTransaction(c, attempt,
        () -> upsert(c, Dialect.UPSERT_IF_NEWER, cache, entry) > 0));
  }

  @Override
  public Future<Boolean> deleteIfOlder(String cache, String key, long version) {
    return call("delete", (c, attempt) -> inTransaction(c, attempt, () -> {
      try (PreparedStatement ps = c.prepareStatement(Dialect.DELETE_IF_OLDER)) {
        ps.setString(1, cache);
        ps.setString(2, key);
        ps.setLong(3, version);
        return ps.executeUpdate() > 0;
      }
    }));
  }

  @Override
  public Future<List<PartEntry>> scanPartition(int part, String afterCache, String afterKey, int limit) {
    if (part < 0 || limit < 1 || (afterCache == null) != (afterKey == null)) {
      return Future.failedFuture(new IllegalArgumentException("a partition scan needs a partition of at least 0, a"
          + " limit of at least 1 and a cursor of both a cache and a key, or neither; got " + part + ", " + limit
          + ", " + afterCache + ", " + afterKey));
    }
    boolean cursor = afterCache != null;
    String sql = Dialect.scanQuery(cursor);
    return call("scan", (c, attempt) -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        int i = 1;
        ps.setInt(i++, part);
        if (cursor) {
          ps.setString(i++, afterCache);
          ps.setString(i++, afterCache);
          ps.setString(i++, afterKey);
        }
        ps.setLong(i++, wallClock.millis());
        ps.setInt(i, limit);
        List<PartEntry> rows = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            byte[] value = rs.getBytes(3);
            long expiresAt = rs.getLong(6);
            Instant expiry = rs.wasNull() ? null : Instant.ofEpochMilli(expiresAt);
            rows.add(new PartEntry(rs.getString(1), new Entry(rs.getString(2), value == null ? new byte[0] : value,
                rs.getString(4), rs.getLong(5), expiry)));
          }
        }
        return rows;
      }
    });
  }

  @Override
  public Future<Long> deletePartition(int part) {
    return call("delete-partition", (c, attempt) -> inTransaction(c, attempt, () -> {
      try (PreparedStatement ps = c.prepareStatement(Dialect.DELETE_PARTITION)) {
        ps.setInt(1, part);
        return (long) ps.executeUpdate();
      }
    }));
  }

  @Override
  public Future<Void> delete(String cache, String key) {
    return call("delete", (c, attempt) -> inTransaction(c, attempt, () -> {
      try (PreparedStatement ps = c.prepareStatement(Dialect.DELETE)) {
        ps.setString(1, cache);
        ps.setString(2, key);
        ps.executeUpdate();
      }
      return null;
    }));
  }

  @Override
  public Future<Void> deleteCache(String cache) {
    return call("delete-cache", (c, attempt) -> inTransaction(c, attempt, () -> {
      try (PreparedStatement ps = c.prepareStatement(Dialect.DELETE_CACHE)) {
        ps.setString(1, cache);
        int rows = ps.executeUpdate();
        log.debug("Deleted {} rows of cache {}", rows, cache);
      }
      return null;
    }));
  }

  @Override
  public Future<List<String>> keys(String cache, String prefix, String afterKey, int limit) {
    String from = prefix == null ? "" : prefix;
    String upper = PrefixRange.upperBound(from);
    String sql = Dialect.keysQuery(upper != null, afterKey != null);
    return call("keys", (c, attempt) -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        int i = 1;
        ps.setString(i++, cache);
        ps.setString(i++, from);
        if (upper != null) {
          ps.setString(i++, upper);
        }
        if (afterKey != null) {
          ps.setString(i++, afterKey);
        }
        ps.setLong(i++, wallClock.millis());
        ps.setInt(i, limit);
        List<String> keys = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            keys.add(rs.getString(1));
          }
        }
        return keys;
      }
    });
  }

  @Override
  public Future<Long> sweepExpired() {
    return sweepFrom(0);
  }

  private Future<Long> sweepFrom(long sweptSoFar) {
    return call("sweep", (c, attempt) -> inTransaction(c, attempt, () -> {
      try (PreparedStatement ps = c.prepareStatement(Dialect.SWEEP)) {
        ps.setLong(1, wallClock.millis());
        ps.setInt(2, SWEEP_BATCH);
        return ps.executeUpdate();
      }
    })).compose(rows -> {
      metrics.swept(rows);
      long total = sweptSoFar + rows;
      return rows < SWEEP_BATCH ? Future.succeededFuture(total) : sweepFrom(total);
    });
  }

  @Override
  public Future<Void> ping() {
    return call("ping", (c, attempt) -> {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(Dialect.PING)) {
        rs.next();
      }
      return null;
    });
  }

  @Override
  public StoreStatus status() {
    if (closed) {
      return new StoreStatus("DOWN", "the store is closed");
    }
    CircuitBreaker.State state;
    int failures;
    long untilProbe;
    synchronized (breaker) {
      state = breaker.state();
      failures = breaker.consecutiveFailures();
      untilProbe = breaker.nanosUntilProbe(nanoTime.getAsLong());
    }
    String name = dialect.name().toLowerCase(java.util.Locale.ROOT);
    if (state != CircuitBreaker.State.CLOSED) {
      return new StoreStatus("OPEN", name + " circuit breaker " + state.name().toLowerCase(java.util.Locale.ROOT)
          + " after " + failures + " consecutive failures; next probe in "
          + TimeUnit.NANOSECONDS.toMillis(untilProbe) + " ms; last error: " + lastError);
    }
    if (failures > 0) {
      return new StoreStatus("DOWN", name + ": " + failures + " consecutive failures; last error: " + lastError);
    }
    return new StoreStatus("UP", name + " answers");
  }

  @Override
  public Future<Void> close() {
    if (closed) {
      return Future.succeededFuture();
    }
    closed = true;
    return pool.executeBlocking(() -> {
          dataSource.close();
          return null;
        }, false)
        .eventually(pool::close)
        .onComplete(ar -> {
          metrics.close();
          log.info("Backing store closed");
        })
        .mapEmpty();
  }

  /** For tests in this package: the value of a pragma or setting on a pooled connection. */
  Future<String> queryOne(String sql) {
    return call("test", (c, attempt) -> {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
        return rs.next() ? rs.getString(1) : null;
      }
    });
  }

  /**
   * For tests in this package: a write that runs {@code beforeCommit} between its statement and
   * the commit-or-abandon decision, and {@code committing} after it decided to commit.
   */
  Future<Void> writeWithHooks(String cache, Entry entry, Runnable beforeCommit, Runnable committing) {
    return call("write", (c, attempt) -> inTransaction(c, attempt, () -> {
      upsert(c, cache, entry);
      beforeCommit.run();
      return null;
    }, committing));
  }

  private CircuitBreaker.State breakerState() {
    synchronized (breaker) {
      return breaker.state();
    }
  }

  @FunctionalInterface
  private interface Work<T> {
    T run(Connection connection, Attempt attempt) throws SQLException;
  }

  @FunctionalInterface
  private interface Statements<T> {
    T run() throws SQLException;
  }

  /**
   * Runs {@code statements} in a transaction and commits only if the call has not been abandoned
   * by its timer (see the class comment).
   */
  private <T> T inTransaction(Connection c, Attempt attempt, Statements<T> statements)
      throws SQLException {
    return inTransaction(c, attempt, statements, null);
  }

  /** @param committing for tests: runs after the call is marked COMMITTING, before commit() */
  private <T> T inTransaction(Connection c, Attempt attempt, Statements<T> statements, Runnable committing)
      throws SQLException {
    if (sqliteWriter == null) {
      return transaction(c, attempt, statements, committing);
    }
    sqliteWriter.lock();
    try {
      if (!attempt.isPending()) {
        throw new Abandoned(); // its deadline passed while it queued: nothing was written
      }
      return transaction(c, attempt, statements, committing);
    } finally {
      sqliteWriter.unlock();
    }
  }

  private static <T> T transaction(Connection c, Attempt attempt, Statements<T> statements, Runnable committing)
      throws SQLException {
    c.setAutoCommit(false);
    try {
      T result = statements.run();
      if (!attempt.beginCommit()) {
        c.rollback();
        throw new Abandoned();
      }
      if (committing != null) {
        committing.run();
      }
      try {
        c.commit();
      } catch (SQLException e) {
        throw new SQLException("commit failed, outcome unknown: " + e.getMessage(), e.getSQLState(), e);
      }
      return result;
    } catch (SQLException | RuntimeException e) {
      if (!attempt.isCommitting()) {
        rollbackQuietly(c);
      }
      throw e;
    } finally {
      try {
        c.setAutoCommit(true);
      } catch (SQLException e) {
        log.debug("Could not restore auto-commit: {}", e.toString());
      }
    }
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException e) {
      log.debug("Rollback failed: {}", e.toString());
    }
  }

  private <T> Future<T> call(String op, Work<T> work) {
    if (closed) {
      return Future.failedFuture(CacheFailure.storeUnavailable("the store is closed", null));
    }
    long start = nanoTime.getAsLong();
    long permit;
    synchronized (breaker) {
      permit = breaker.tryAcquire(start);
      logTransitions();
    }
    if (permit == CircuitBreaker.REFUSED) {
      metrics.call(op, "refused", 0);
      return Future.failedFuture(CacheFailure.storeUnavailable(
          "the store's circuit breaker is open (" + status().detail() + ")", null));
    }
    Attempt attempt = new Attempt();
    Promise<T> promise = Promise.promise();
    long timer = vertx.setTimer(timeoutMillis, id -> {
      if (attempt.abandon()) {
        promise.tryFail(new Timeout());
      } else if (attempt.isCommitting()) {
        metrics.slowCommit();
        log.warn("Backing store {} is still committing after its {} ms timeout; waiting for the commit's outcome",
            op, timeoutMillis);
      }
    });
    pool.<T>executeBlocking(() -> {
      requireWorkerThread();
      if (!attempt.isPending()) {
        throw new Abandoned();
      }
      try (Connection c = dataSource.getConnection()) {
        return work.run(c, attempt);
      }
    }, false).onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        promise.tryComplete(ar.result());
      } else {
        promise.tryFail(ar.cause());
      }
    });
    return promise.future().transform(ar -> settle(op, permit, start, ar));
  }

  private <T> Future<T> settle(String op, long permit, long start, AsyncResult<T> ar) {
    long now = nanoTime.getAsLong();
    if (ar.succeeded()) {
      synchronized (breaker) {
        breaker.onSuccess(now, permit);
        logTransitions();
      }
      metrics.call(op, "success", now - start);
      return Future.succeededFuture(ar.result());
    }
    Throwable cause = ar.cause();
    boolean timedOut = cause instanceof Timeout;
    String message = timedOut
        ? "store " + op + " timed out after " + timeoutMillis + " ms" + (isWrite(op) ? "; not committed" : "")
        : "store " + op + " failed: " + cause.getMessage();
    metrics.call(op, timedOut ? "timeout" : "failure", now - start);
    int failuresBefore;
    synchronized (breaker) {
      lastError = message;
      failuresBefore = breaker.consecutiveFailures();
      breaker.onFailure(now, permit);
      logTransitions();
    }
    if (failuresBefore == 0) {
      log.warn("Backing store degraded: {}", message);
    } else {
      log.debug("{}", message);
    }
    return Future.failedFuture(CacheFailure.storeUnavailable(message, timedOut ? null : cause));
  }

  private static boolean isWrite(String op) {
    return !"load".equals(op) && !"keys".equals(op) && !"ping".equals(op) && !"scan".equals(op);
  }

  private void logTransitions() {
    for (CircuitBreaker.Transition t : breaker.drainTransitions()) {
      switch (t.to()) {
        case OPEN:
          log.info("Backing store circuit breaker opened after {} consecutive failures (was {}): {}",
              t.consecutiveFailures(), t.from(), lastError);
          break;
        case HALF_OPEN:
          log.info("Backing store circuit breaker half-open: letting one probe through");
          break;
        case CLOSED:
          log.info("Backing store circuit breaker closed: the store answers again");
          break;
        default:
          throw new IllegalStateException("unknown breaker state " + t.to());
      }
    }
  }

  private static void requireWorkerThread() {
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("JDBC must not run on an event loop: " + Thread.currentThread().getName());
    }
  }

  /** The commit-or-abandon race of one call (see the class comment). */
  private static final class Attempt {
    private static final int PENDING = 0;
    private static final int COMMITTING = 1;
    private static final int ABANDONED = 2;
    private final AtomicInteger state = new AtomicInteger(PENDING);

    /** By the timer: true if the call had not started committing, which now never will. */
    boolean abandon() {
      return state.compareAndSet(PENDING, ABANDONED);
    }

    /** By the worker just before commit(): false if the timer abandoned the call. */
    boolean beginCommit() {
      return state.compareAndSet(PENDING, COMMITTING);
    }

    boolean isPending() {
      return state.get() == PENDING;
    }

    boolean isCommitting() {
      return state.get() == COMMITTING;
    }
  }

  /** The call's deadline passed before it committed. */
  private static final class Timeout extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Timeout() {
      super("timed out", null, false, false);
    }
  }

  /** The worker found its call abandoned and rolled back; the caller already has its answer. */
  private static final class Abandoned extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Abandoned() {
      super("abandoned after its timeout; rolled back", null, false, false);
    }
  }
}
