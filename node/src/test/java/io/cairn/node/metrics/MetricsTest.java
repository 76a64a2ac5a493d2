package io.cairn.node.metrics;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MetricsTest {
  private final HttpClient client = HttpClient.newHttpClient();
  private Metrics metrics;
  private ActiveRequests active;
  private final CompletableFuture<RoutingContext> held = new CompletableFuture<>();
  private Vertx vertx;
  private int port;

  @BeforeEach
  void serve() throws Exception {
    metrics = Metrics.create("n-1");
    vertx = Vertx.vertx();
    active = new ActiveRequests(metrics.registry());
    Router router = Router.router(vertx);
    router.get("/slow").handler(held::complete); // answered when the test says so
    router.route().handler(ctx -> ctx.response().setStatusCode(404).end("api catch-all"));
    active.addTo(router, -110);
    metrics.addTo(router, vertx, -100);
    port = await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")).actualPort();
  }

  @AfterEach
  void close() throws Exception {
    await(vertx.close());
    metrics.close();
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, SECONDS);
  }

  private HttpResponse<String> scrape(String accept) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"));
    if (accept != null) {
      b.header("Accept", accept);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void prometheusTextWithJvmAndProcessMetersTaggedWithTheNode() throws Exception {
    metrics.registry().counter("cairn_test_total").increment();
    HttpResponse<String> r = scrape(null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(r.body()).contains(
        "jvm_memory_used_bytes{",
        "jvm_gc_",
        "jvm_threads_live_threads{",
        "jvm_classes_loaded_classes{",
        "system_cpu_count{",
        "process_uptime_seconds{",
        "cairn_test_total{node=\"n-1\"} 1.0");
    assertThat(r.body().lines().filter(l -> !l.startsWith("#")))
        .isNotEmpty()
        .allSatisfy(line -> assertThat(line).contains("node=\"n-1\""));
  }

  @Test
  void openMetricsWhenTheScraperAsksForIt() throws Exception {
    HttpResponse<String> r = scrape("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue(Metrics.OPENMETRICS_TEXT);
    assertThat(r.body()).endsWith("# EOF\n");
  }

  @Test
  void countsRequestsInFlight() throws Exception {
    assertThat(active.count()).isZero();
    CompletableFuture<HttpResponse<String>> slow = client.sendAsync(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/slow")).build(),
        HttpResponse.BodyHandlers.ofString());
    RoutingContext ctx = held.get(10, SECONDS);
    assertThat(active.count()).isEqualTo(1);
    assertThat(scrape(null).body()).contains("cairn_http_requests_active{node=\"n-1\"} 2.0"); // with the scrape
    vertx.runOnContext(v -> ctx.response().end("done"));
    assertThat(slow.get(10, SECONDS).body()).isEqualTo("done");
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> active.count() == 0);
  }
}
