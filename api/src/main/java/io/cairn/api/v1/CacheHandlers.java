package io.cairn.api.v1;

import io.cairn.api.problem.ApiProblem;
import io.cairn.api.problem.ProblemError;
import io.cairn.cache.CacheFailure;
import io.cairn.cache.CacheService;
import io.cairn.cache.CacheSpec;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.ValidatedRequest;
import java.time.Duration;
import java.util.List;

/** The operations of the {@code caches} tag; the OpenAPI router validates every request first. */
public final class CacheHandlers {
  private final CacheService caches;

  public CacheHandlers(CacheService caches) {
    this.caches = caches;
  }

  /** {@code GET /v1/caches}. */
  public void listCaches(RoutingContext rc) {
    caches.list()
        .onSuccess(list -> EntryHandlers.json(rc, 200, Views.cacheList(list)))
        .onFailure(rc::fail);
  }

  /** {@code PUT /v1/caches/{cache}}: creates (201) or reconfigures (200) a cache. */
  public void putCache(RoutingContext rc) {
    ValidatedRequest request = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    String name = cacheName(request);
    CacheSpec spec;
    try {
      spec = spec(request.getBody().getJsonObject());
    } catch (CacheFailure | ApiProblem e) {
      rc.fail(e);
      return;
    }
    caches.define(name, spec)
        .onSuccess(defined -> {
          if (defined.created()) {
            rc.response().putHeader(HttpHeaders.LOCATION, "/v1/caches/" + name);
          }
          EntryHandlers.json(rc, defined.created() ? 201 : 200, Views.cache(defined.info()));
        })
        .onFailure(rc::fail);
  }

  /** {@code GET /v1/caches/{cache}}. */
  public void getCache(RoutingContext rc) {
    caches.describe(cacheName(rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST)))
        .onSuccess(info -> EntryHandlers.json(rc, 200, Views.cache(info)))
        .onFailure(rc::fail);
  }

  /** {@code DELETE /v1/caches/{cache}}. */
  public void deleteCache(RoutingContext rc) {
    caches.remove(cacheName(rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST)))
        .onSuccess(v -> rc.response().setStatusCode(204).end())
        .onFailure(rc::fail);
  }

  private static String cacheName(ValidatedRequest request) {
    return request.getPathParameters().get("cache").getString();
  }

  /**
   * The contract's {@code CacheConfig} as a {@link CacheSpec}: {@code maxEntries} or
   * {@code maxBytes} (never both; neither means the default entry bound), an optional default TTL,
   * the store ({@code jdbc} unless given), and the backups (1 unless given).
   */
  static CacheSpec spec(JsonObject config) {
    Long maxEntries = config.getLong("maxEntries");
    Long maxBytes = config.getLong("maxBytes");
    if (maxEntries != null && maxBytes != null) {
      throw new ApiProblem(io.cairn.api.problem.ProblemType.INVALID_REQUEST,
          "maxEntries and maxBytes exclude each other: give one bound",
          List.of(new ProblemError(ProblemError.BODY, "/maxBytes", "must not be given with maxEntries")));
    }
    CacheSpec.Capacity capacity = maxBytes != null
        ? CacheSpec.Capacity.bytes(maxBytes)
        : CacheSpec.Capacity.entries(maxEntries != null ? maxEntries : CacheSpec.DEFAULT_MAX_ENTRIES);
    Long ttlMillis = config.getLong("defaultTtlMillis");
    Duration ttl = ttlMillis == null ? null : Duration.ofMillis(ttlMillis);
    CacheSpec.StoreKind store = CacheSpec.StoreKind.fromWire(config.getString("store", CacheSpec.StoreKind.JDBC.wireName()));
    Integer backups = config.getInteger("backups");
    return new CacheSpec(capacity, ttl, store, backups == null ? CacheSpec.DEFAULT_BACKUPS : backups);
  }
}
