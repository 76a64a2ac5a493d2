package io.cairn.node.kubernetes;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.node.health.Health;
import io.cairn.node.health.HealthRoutes;
import io.cairn.node.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every HTTP path the chart points Kubernetes or Prometheus at (probes, ServiceMonitor) is one the
 * node serves: the node's own health and metrics routes, behind a catch-all that answers 404.
 */
class ChartEndpointsTest {

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, SECONDS);
  }

  @Test
  void probeAndScrapePathsAreServedByTheNode() throws Exception {
    Chart.Rendered r = Chart.template(Chart.NON_DEFAULT);
    List<String> paths = new ArrayList<>();
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      paths.add(r.node().at("/" + probe + "/httpGet/path").asText());
    }
    for (JsonNode endpoint : r.one("ServiceMonitor", Chart.FULLNAME).at("/spec/endpoints")) {
      paths.add(endpoint.path("path").asText());
    }
    assertThat(paths).contains("/health/live", "/health/ready", "/metrics");

    Vertx vertx = Vertx.vertx();
    try (Metrics metrics = Metrics.create("web-cairn-0")) {
      Health health = new Health();
      Router router = Router.router(vertx);
      router.route().order(100).handler(ctx -> ctx.response().setStatusCode(404).end());
      HealthRoutes.addTo(router, health, -100);
      metrics.addTo(router, vertx, -90);
      int port = await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")).actualPort();
      HttpClient client = HttpClient.newHttpClient();
      for (String path : paths) {
        int status = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
        // /health/ready answers 503 while the node is starting: served, not missing.
        assertThat(status).as(path).isIn(200, 503);
      }
    } finally {
      await(vertx.close());
    }
  }
}
