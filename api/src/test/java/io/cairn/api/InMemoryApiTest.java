package io.cairn.api;

import io.cairn.cache.CacheService;
import io.vertx.core.Vertx;

/** The API tests over the test-only in-memory cache service. */
class InMemoryApiTest extends ApiTestBase {
  @Override
  CacheService service(Vertx vertx) {
    return new InMemoryCacheService(1024, 1024 * 1024);
  }

  @Override
  String store() {
    return "none";
  }
}
