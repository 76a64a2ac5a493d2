package io.cairn.cache;

import io.cairn.cache.CacheSettings.StoreSettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;

/** Write-through to the embedded default: SQLite in the data directory. */
class SqliteWriteThroughTest extends WriteThroughContract {

  @Override
  StoreSettings storeSettings(Duration sweepInterval) {
    return new StoreSettings(null, null, null, 4, Duration.ofSeconds(5), 5, Duration.ofSeconds(5), sweepInterval);
  }

  @Override
  Connection rawConnection() throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("store.db"));
  }
}
