package io.cairn.cache.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class PostgresServerTest {

  @Test
  void runsStopsRestartsOnTheSameDataAndCleansUp() throws Exception {
    Path root;
    try (PostgresServer pg = PostgresServer.launch()) {
      try (Connection c = connect(pg); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE t (v TEXT)");
        s.execute("INSERT INTO t VALUES ('kept')");
        try (ResultSet rs = s.executeQuery("SELECT current_setting('server_encoding'), current_user")) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(1)).isEqualTo("UTF8");
          assertThat(rs.getString(2)).isEqualTo("postgres");
        }
      }
      root = pg.directory();
      assertThat(root).isDirectory();

      pg.stop();
      assertThat(pg.isRunning()).isFalse();
      assertThatThrownBy(() -> connect(pg)).isInstanceOf(SQLException.class);

      pg.start();
      try (Connection c = connect(pg); Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT v FROM t")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("kept");
      }
    }
    assertThat(Files.exists(root)).isFalse();
  }

  private static Connection connect(PostgresServer pg) throws SQLException {
    return DriverManager.getConnection(pg.jdbcUrl(), pg.user(), "");
  }
}
