package io.cairn.node.health;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cache.CacheService.StoreStatus;
import io.cairn.membership.testing.FakeMembership;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HealthRoutesTest {
  private final Health health = new Health();
  private final FakeMembership membership = new FakeMembership("n1");
  private final AtomicReference<StoreStatus> store = new AtomicReference<>(new StoreStatus("UP", null));
  private final java.util.concurrent.atomic.AtomicBoolean serving = new java.util.concurrent.atomic.AtomicBoolean(true);
  private final HttpClient client = HttpClient.newHttpClient();
  private Vertx vertx;
  private int port;

  @BeforeEach
  void serve() throws Exception {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    // What an API router may hold before the node adds its routes: a catch-all.
    router.route().handler(ctx -> ctx.response().setStatusCode(404).end("api catch-all"));
    HealthRoutes.addTo(router, health, -100);
    HttpServer server = vertx.createHttpServer().requestHandler(router);
    port = await(server.listen(0, "127.0.0.1")).actualPort();
  }

  @AfterEach
  void close() throws Exception {
    await(vertx.close());
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, SECONDS);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonObject check(HttpResponse<String> r, String name) {
    JsonObject body = new JsonObject(r.body());
    return body.getJsonArray("checks").stream().map(JsonObject.class::cast)
        .filter(c -> c.getString("name").equals(name)).findFirst().orElseThrow();
  }

  @Test
  void liveAnswersUpWhileTheProcessServesWhateverItsPhase() throws Exception {
    for (Runnable phase : new Runnable[] {() -> {}, health::started, health::stopping}) {
      phase.run();
      HttpResponse<String> r = get("/health/live");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
      assertThat(new JsonObject(r.body())).isEqualTo(new JsonObject().put("status", "UP"));
    }
  }

  @Test
  void readyOnlyOnceStartedWithTheStoreUp() throws Exception {
    HttpResponse<String> starting = get("/health/ready");
    assertThat(starting.statusCode()).isEqualTo(503);
    assertThat(new JsonObject(starting.body()).getString("status")).isEqualTo("DOWN");
    assertThat(check(starting, "lifecycle").getString("status")).isEqualTo("DOWN");
    assertThat(check(starting, "lifecycle").getString("detail")).isEqualTo("starting");
    assertThat(check(starting, "store").getString("status")).isEqualTo("DOWN");

    health.store(store::get);
    health.started();
    assertThat(check(get("/health/ready"), "membership").getString("detail")).isEqualTo("the membership has not started");
    health.membership(membership, "no seeds");
    assertThat(check(get("/health/ready"), "caches").getString("detail"))
        .isEqualTo("the cluster's caches have not started");
    health.caches(serving::get);
    HttpResponse<String> ready = get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(ready.body()).getString("status")).isEqualTo("UP");
    assertThat(check(ready, "lifecycle").getString("status")).isEqualTo("UP");
    assertThat(check(ready, "store").getString("status")).isEqualTo("UP");
    assertThat(check(ready, "membership").getString("detail")).isEqualTo("joined: 1 of 1 members alive");
    assertThat(check(ready, "caches").getString("status")).isEqualTo("UP");
  }

  @Test
  void notReadyWhileItDoesNotServeItsPartOfTheCaches() throws Exception {
    health.store(store::get);
    health.membership(membership, "no seeds");
    health.caches(serving::get);
    health.started();
    serving.set(false);
    HttpResponse<String> r = get("/health/ready");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(check(r, "caches").getString("status")).isEqualTo("DOWN");
    assertThat(check(r, "caches").getString("detail")).contains("ownership lease");
    serving.set(true);
    assertThat(get("/health/ready").statusCode()).isEqualTo(200);
  }

  @Test
  void notReadyUntilTheMembershipHasJoinedAndItSaysWhy() throws Exception {
    health.store(store::get);
    health.started();
    membership.joined(false);
    health.membership(membership, "seeds 10.0.0.1:7071");
    health.caches(serving::get);
    HttpResponse<String> r = get("/health/ready");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(check(r, "membership").getString("status")).isEqualTo("DOWN");
    assertThat(check(r, "membership").getString("detail"))
        .isEqualTo("not joined: no member answered yet (seeds 10.0.0.1:7071)");
    membership.joined(true);
    assertThat(get("/health/ready").statusCode()).isEqualTo(200);
  }

  @Test
  void aFailingStoreNamesItself() throws Exception {
    health.store(store::get);
    health.membership(membership, "no seeds");
    health.caches(serving::get);
    health.started();
    for (String state : new String[] {"OPEN", "DOWN"}) {
      store.set(new StoreStatus(state, "connection refused"));
      HttpResponse<String> r = get("/health/ready");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(check(r, "store").getString("status")).isEqualTo("DOWN");
      assertThat(check(r, "store").getString("detail")).isEqualTo(state + ": connection refused");
      assertThat(check(r, "lifecycle").getString("status")).isEqualTo("UP");
    }
    store.set(new StoreStatus("UP", null));
    assertThat(get("/health/ready").statusCode()).isEqualTo(200);
  }

  @Test
  void aStoreStatusThatThrowsIsDown() throws Exception {
    health.store(() -> { throw new IllegalStateException("closed"); });
    health.started();
    HttpResponse<String> r = get("/health/ready");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(check(r, "store").getString("detail")).contains("closed");
  }

  @Test
  void notReadyFromTheMomentShutdownBegins() throws Exception {
    health.store(store::get);
    health.membership(membership, "no seeds");
    health.caches(serving::get);
    health.started();
    assertThat(get("/health/ready").statusCode()).isEqualTo(200);
    health.stopping();
    HttpResponse<String> r = get("/health/ready");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(check(r, "lifecycle").getString("detail")).isEqualTo("stopping");
    health.started(); // a late "started" does not revive a stopping node
    assertThat(get("/health/ready").statusCode()).isEqualTo(503);
  }

  @Test
  void otherPathsStillReachTheApi() throws Exception {
    assertThat(get("/v1/caches").body()).isEqualTo("api catch-all");
    assertThat(get("/health").body()).isEqualTo("api catch-all");
  }
}
