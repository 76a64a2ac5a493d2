package io.cairn.node.health;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /health/live} and {@code GET /health/ready}, as plain JSON.
 *
 * <p>These are operations endpoints for probes (Kubernetes liveness and readiness), outside the
 * versioned {@code /v1} API of openapi.yaml: they are not part of the contract, carry no
 * problem+json errors and do not change with API versions.
 */
public final class HealthRoutes {
  private HealthRoutes() {}

  /**
   * Adds the routes to {@code router} with {@code order}, ahead of every route of the API so that
   * no API-wide handler (body limits, request ids, metrics) runs for a probe.
   */
  public static void addTo(Router router, Health health, int order) {
    router.get("/health/live").order(order).handler(ctx -> respond(ctx, 200, "{\"status\":\"UP\"}"));
    router.get("/health/ready").order(order + 1).handler(ctx -> {
      Health.Report report = health.readiness();
      respond(ctx, report.up() ? 200 : 503, report.toJson().encode());
    });
  }

  private static void respond(RoutingContext ctx, int status, String json) {
    ctx.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(json);
  }
}
