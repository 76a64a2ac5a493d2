package io.cairn.cache.store;

import java.util.List;

/**
 * What differs between the two databases; the dialect follows from the JDBC URL's prefix.
 *
 * <p>Key order is the order of UTF-8 bytes in both: SQLite compares TEXT with its BINARY
 * collation (memcmp of UTF-8), PostgreSQL with {@code COLLATE "C"} (strcmp of the UTF-8 database
 * encoding; the database must be UTF-8).
 */
enum Dialect {
  SQLITE("jdbc:sqlite:",
      List.of(
          "CREATE TABLE IF NOT EXISTS cairn_entries ("
              + " cache_name TEXT NOT NULL,"
              + " entry_key TEXT NOT NULL,"
              + " value BLOB NOT NULL,"
              + " content_type TEXT NOT NULL,"
              + " version INTEGER NOT NULL,"
              + " expires_at INTEGER,"
              + " part INTEGER,"
              + " PRIMARY KEY (cache_name, entry_key))",
          "CREATE INDEX IF NOT EXISTS cairn_entries_expires_at ON cairn_entries (expires_at)"
              + " WHERE expires_at IS NOT NULL",
          "CREATE TABLE IF NOT EXISTS cairn_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)"),
      "ALTER TABLE cairn_entries ADD COLUMN part INTEGER"),
  POSTGRESQL("jdbc:postgresql:",
      List.of(
          "CREATE TABLE IF NOT EXISTS cairn_entries ("
              + " cache_name TEXT COLLATE \"C\" NOT NULL,"
              + " entry_key TEXT COLLATE \"C\" NOT NULL,"
              + " value BYTEA NOT NULL,"
              + " content_type TEXT NOT NULL,"
              + " version BIGINT NOT NULL,"
              + " expires_at BIGINT,"
              + " part INTEGER,"
              + " PRIMARY KEY (cache_name, entry_key))",
          "CREATE INDEX IF NOT EXISTS cairn_entries_expires_at ON cairn_entries (expires_at)"
              + " WHERE expires_at IS NOT NULL",
          "CREATE TABLE IF NOT EXISTS cairn_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)"),
      "ALTER TABLE cairn_entries ADD COLUMN IF NOT EXISTS part INTEGER");

  static final String UPSERT =
      "INSERT INTO cairn_entries (cache_name, entry_key, value, content_type, version, expires_at, part)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?)"
          + " ON CONFLICT (cache_name, entry_key) DO UPDATE SET"
          + " value = excluded.value, content_type = excluded.content_type,"
          + " version = excluded.version, expires_at = excluded.expires_at, part = excluded.part";

  /** {@link #UPSERT} that replaces a row only with a newer version (a replica's write). */
  static final String UPSERT_IF_NEWER = UPSERT + " WHERE cairn_entries.version < excluded.version";

  static final String DELETE_IF_OLDER =
      "DELETE FROM cairn_entries WHERE cache_name = ? AND entry_key = ? AND version < ?";

  static final String PART_INDEX =
      "CREATE INDEX IF NOT EXISTS cairn_entries_part ON cairn_entries (part, cache_name, entry_key)";

  static final String META_GET = "SELECT value FROM cairn_meta WHERE name = ?";

  static final String META_PUT =
      "INSERT INTO cairn_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value";

  static final String UNPARTITIONED = "SELECT cache_name, entry_key FROM cairn_entries WHERE part IS NULL LIMIT ?";

  static final String SET_PART = "UPDATE cairn_entries SET part = ? WHERE cache_name = ? AND entry_key = ?";

  static final String FORGET_PARTS = "UPDATE cairn_entries SET part = NULL";

  static final String DELETE_PARTITION = "DELETE FROM cairn_entries WHERE part = ?";

  /** A partition's unexpired rows of every cache, by cache then key, after a (cache, key) cursor or from the start. */
  static String scanQuery(boolean afterCursor) {
    return "SELECT cache_name, entry_key, value, content_type, version, expires_at FROM cairn_entries"
        + " WHERE part = ?" + (afterCursor ? " AND (cache_name > ? OR (cache_name = ? AND entry_key > ?))" : "")
        + " AND (expires_at IS NULL OR expires_at > ?) ORDER BY cache_name, entry_key LIMIT ?";
  }

  static final String LOAD =
      "SELECT value, content_type, version, expires_at FROM cairn_entries"
          + " WHERE cache_name = ? AND entry_key = ? AND (expires_at IS NULL OR expires_at > ?)";

  static final String DELETE = "DELETE FROM cairn_entries WHERE cache_name = ? AND entry_key = ?";

  static final String DELETE_CACHE = "DELETE FROM cairn_entries WHERE cache_name = ?";

  /** One batch of the sweep; both databases take a row value with IN. */
  static final String SWEEP =
      "DELETE FROM cairn_entries WHERE (cache_name, entry_key) IN ("
          + " SELECT cache_name, entry_key FROM cairn_entries"
          + " WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ?)";

  static final String PING = "SELECT 1";

  private final String urlPrefix;
  private final List<String> schema;
  private final String addPartColumn;

  Dialect(String urlPrefix, List<String> schema, String addPartColumn) {
    this.urlPrefix = urlPrefix;
    this.schema = schema;
    this.addPartColumn = addPartColumn;
  }

  List<String> schema() {
    return schema;
  }

  /** Adds the {@code part} column to a table made by a version before partitions. */
  String addPartColumn() {
    return addPartColumn;
  }

  /**
   * The keys query: the cache's unexpired keys at or above the prefix, below the prefix's upper
   * bound when it has one, after {@code afterKey} when given, in key order.
   */
  static String keysQuery(boolean upperBound, boolean afterKey) {
    return "SELECT entry_key FROM cairn_entries WHERE cache_name = ? AND entry_key >= ?"
        + (upperBound ? " AND entry_key < ?" : "")
        + (afterKey ? " AND entry_key > ?" : "")
        + " AND (expires_at IS NULL OR expires_at > ?)"
        + " ORDER BY entry_key LIMIT ?";
  }

  /** The dialect of a JDBC URL; anything but SQLite and PostgreSQL is a configuration error. */
  static Dialect of(String url) {
    for (Dialect d : values()) {
      if (url != null && url.startsWith(d.urlPrefix)) {
        return d;
      }
    }
    String shown = url == null ? "null" : url.replaceFirst("^(jdbc:[^:]*:).*$", "$1...");
    throw new IllegalArgumentException(
        "store.url: must start with jdbc:sqlite: or jdbc:postgresql:, got " + shown);
  }
}
