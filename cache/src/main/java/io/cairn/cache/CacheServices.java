package io.cairn.cache;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** Starts the cache service of this node. */
public final class CacheServices {
  private CacheServices() {}

  /**
   * Opens the store (creating its schema), loads the persisted cache definitions and starts
   * background work. The returned service is thread-safe: every HTTP verticle shares it.
   */
  public static Future<CacheService> start(Vertx vertx, CacheSettings settings, MeterRegistry registry) {
    return Future.failedFuture(new UnsupportedOperationException("cache service: not built yet"));
  }
}
