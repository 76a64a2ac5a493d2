package io.cairn.api;

import io.cairn.cache.CacheService;
import io.cairn.cache.CacheServices;
import io.cairn.cache.CacheSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The API tests over the real cache service, on a temp dir, with caches written through to the embedded SQLite store ({@code store: jdbc}). */
class SqliteStoreApiTest extends ApiTestBase {
  @TempDir
  static Path dataDir;

  @Override
  CacheService service(Vertx vertx) {
    return ApiHarness.await(CacheServices.start(vertx,
        new CacheSettings(dataDir, CacheSettings.DEFAULT_MAX_KEY_BYTES, CacheSettings.DEFAULT_MAX_VALUE_BYTES,
            CacheSettings.StoreSettings.defaults()),
        new SimpleMeterRegistry()));
  }

  @Override
  String store() {
    return "jdbc";
  }

  @org.junit.jupiter.api.Test
  void theCachesWriteThroughToTheEmbeddedSqliteFile() {
    String cache = newCache();
    put(cache, "durable", "on disk", "text/plain");
    org.assertj.core.api.Assertions.assertThat(dataDir.resolve("store.db")).isNotEmptyFile();
  }
}
