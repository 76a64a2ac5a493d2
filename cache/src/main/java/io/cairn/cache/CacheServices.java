package io.cairn.cache;

import io.cairn.cache.store.BackingStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.function.UnaryOperator;

/** Starts the cache service of this node. */
public final class CacheServices {
  private CacheServices() {}

  /**
   * Opens the store (creating its schema), loads the persisted cache definitions and starts
   * background work. The returned service is thread-safe: every HTTP verticle shares it.
   *
   * <p>Fails with an {@link IllegalArgumentException} naming the setting when a setting is invalid
   * (for example {@code store.url} that is neither {@code jdbc:sqlite:} nor
   * {@code jdbc:postgresql:}), with {@code STORE_UNAVAILABLE} when the store cannot be reached, and
   * with an {@link java.io.IOException} when {@code caches.json} cannot be read.
   */
  public static Future<CacheService> start(Vertx vertx, CacheSettings settings, MeterRegistry registry) {
    return start(vertx, settings, registry, UnaryOperator.identity());
  }

  /** For tests: the store wrapped by {@code decorator} (to count or fault its calls). */
  static Future<CacheService> start(Vertx vertx, CacheSettings settings, MeterRegistry registry,
      UnaryOperator<BackingStore> decorator) {
    if (vertx == null || settings == null || registry == null || decorator == null) {
      return Future.failedFuture(new NullPointerException("vertx, settings and registry are required"));
    }
    return NodeCacheService.start(vertx, settings, registry, decorator, Clock.systemUTC());
  }
}
