package io.cairn.api;

import io.cairn.cache.CacheService;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

/** Builds the /v1 router from openapi.yaml. */
public final class CairnApi {
  private CairnApi() {}

  /**
   * A router with every operation of openapi.yaml bound by operationId, problem+json errors
   * and per-operation metrics. The node adds its own routes (/health, /metrics) to it.
   */
  public static Future<Router> router(Vertx vertx, CacheService caches, ApiSettings settings, MeterRegistry registry) {
    return Future.failedFuture(new UnsupportedOperationException("api: not built yet"));
  }
}
