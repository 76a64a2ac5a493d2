package io.cairn.api;

import io.cairn.cache.CacheService;
import io.cairn.cache.CacheServices;
import io.cairn.cache.CacheSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The API tests over the real cache service, on a temp dir, with caches of {@code store: none}. */
class MemoryStoreApiTest extends ApiTestBase {
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
    return "none";
  }
}
