package io.cairn.node;

import io.cairn.api.ApiSettings;
import io.cairn.api.CairnApi;
import io.cairn.cache.CacheService;
import io.cairn.coordination.Coordination;
import io.cairn.coordination.PrimitiveService;
import io.cairn.coordination.RegisterService;
import io.cairn.membership.Membership;
import io.cairn.node.health.Health;
import io.cairn.node.health.HealthRoutes;
import io.cairn.node.metrics.ActiveRequests;
import io.cairn.node.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.time.Duration;

/**
 * One HTTP server on its own event loop. The node deploys {@code http.instances} of it; they
 * share one port (Vert.x hands each new connection to the next instance), one CacheService and one
 * Membership.
 */
final class HttpVerticle extends VerticleBase {
  /**
   * The ops routes go ahead of the API's routes, which Vert.x Web orders from 0 up, so that
   * nothing the API adds for /v1 (body handling, request ids, its metrics) runs for a probe.
   */
  static final int OPS_ROUTE_ORDER = -100;

  private final CacheService caches;
  private final Membership membership;
  private final Coordination coordination;
  private final RegisterService registers;
  private final PrimitiveService primitives;
  private final ApiSettings api;
  private final Metrics metrics;
  private final Health health;
  private final ActiveRequests active;
  private final HttpServerOptions options;
  private final Duration grace;
  private HttpServer server;

  HttpVerticle(CacheService caches, Membership membership, Coordination coordination, RegisterService registers,
      PrimitiveService primitives, ApiSettings api, Metrics metrics, Health health, ActiveRequests active,
      HttpServerOptions options, Duration grace) {
    this.caches = caches;
    this.membership = membership;
    this.coordination = coordination;
    this.registers = registers;
    this.primitives = primitives;
    this.api = api;
    this.metrics = metrics;
    this.health = health;
    this.active = active;
    this.options = options;
    this.grace = grace;
  }

  @Override
  public Future<?> start() {
    Future<Router> router;
    try {
      router = CairnApi.router(vertx, caches, membership, registers, primitives, coordination::status, api,
          metrics.registry());
    } catch (RuntimeException | LinkageError e) { // a Future-returning method should not throw; be safe
      router = Future.failedFuture(e);
    }
    return router
        .recover(e -> Future.failedFuture(new StartupFailure("the /v1 API did not start", e)))
        .compose(this::listen);
  }

  private Future<HttpServer> listen(Router router) {
    active.addTo(router, OPS_ROUTE_ORDER - 10);
    HealthRoutes.addTo(router, health, OPS_ROUTE_ORDER);
    metrics.addTo(router, vertx, OPS_ROUTE_ORDER + 10);
    server = vertx.createHttpServer(options).requestHandler(router);
    return server.listen().recover(e -> Future.failedFuture(
        new StartupFailure("cannot listen on " + options.getHost() + ":" + options.getPort(), e)));
  }

  /**
   * Stops accepting connections and lets in-flight requests finish within the grace period;
   * past it, the remaining connections are closed.
   */
  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.shutdown(grace);
  }
}
