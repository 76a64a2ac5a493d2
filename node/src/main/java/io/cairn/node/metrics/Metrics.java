package io.cairn.node.metrics;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;

/**
 * The node's one meter registry, in Prometheus format, with the JVM and process meters and the
 * common tag {@code node}. The cache service and the API register their meters in it too.
 */
public final class Metrics implements AutoCloseable {
  /** The Prometheus text format (what PrometheusTextFormatWriter.CONTENT_TYPE says). */
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  /** OpenMetrics (what OpenMetricsTextFormatWriter.CONTENT_TYPE says). */
  static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";

  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gc;

  private Metrics(PrometheusMeterRegistry registry, JvmGcMetrics gc) {
    this.registry = registry;
    this.gc = gc;
  }

  /** A registry whose every meter carries {@code node=<nodeId>}, with JVM and process meters. */
  public static Metrics create(String nodeId) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("node", nodeId);
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    return new Metrics(registry, gc);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * Adds {@code GET /metrics} to {@code router} with {@code order}, ahead of the API's routes.
   * Like /health, it is an operations endpoint outside the versioned /v1 API. It answers in the
   * Prometheus text format, or in OpenMetrics when the scraper asks for it.
   */
  public void addTo(Router router, Vertx vertx, int order) {
    router.get("/metrics").order(order).handler(ctx -> {
      String accept = ctx.request().getHeader(HttpHeaders.ACCEPT);
      String type = accept != null && accept.contains("application/openmetrics-text")
          ? OPENMETRICS_TEXT
          : PROMETHEUS_TEXT;
      // Rendering walks every meter: off the event loop.
      vertx.executeBlocking(() -> registry.scrape(type), false)
          .onSuccess(text -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, type).end(text))
          .onFailure(ctx::fail);
    });
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
