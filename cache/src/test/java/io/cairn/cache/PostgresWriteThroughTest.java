package io.cairn.cache;

import io.cairn.cache.CacheSettings.StoreSettings;
import io.cairn.cache.testing.PostgresServer;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Write-through to a real PostgreSQL server (one for the class; each test has its own cache). */
class PostgresWriteThroughTest extends WriteThroughContract {
  private static PostgresServer postgres;

  @BeforeAll
  static void startPostgres() throws IOException {
    postgres = PostgresServer.launch();
  }

  @AfterAll
  static void stopPostgres() {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Override
  StoreSettings storeSettings(Duration sweepInterval) {
    return new StoreSettings(postgres.jdbcUrl(), postgres.user(), null, 4, Duration.ofSeconds(5), 5,
        Duration.ofSeconds(5), sweepInterval);
  }

  @Override
  Connection rawConnection() throws SQLException {
    return DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), "");
  }
}
