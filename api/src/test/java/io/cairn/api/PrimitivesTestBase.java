package io.cairn.api;

import static io.vertx.core.http.HttpMethod.POST;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.api.ApiHarness.Reply;
import io.cairn.membership.testing.FakeMembership;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sessions, locks, elections and semaphores over real HTTP with the real router and the real
 * primitives state machine behind it ({@link LocalPrimitives}); every answer is checked against
 * openapi.yaml, and so is every event's data.
 */
@ExtendWith(VertxExtension.class)
abstract class PrimitivesTestBase {
  static final Duration HEARTBEAT = Duration.ofMillis(200);
  static final Duration DEADLINE = EventStream.DEADLINE;

  ApiHarness api;
  FaultyCacheService caches;

  @BeforeEach
  void start(Vertx vertx) {
    caches = new FaultyCacheService(new InMemoryCacheService(1024, 1024));
    api = ApiHarness.start(vertx, caches, new FakeMembership("self"),
        ApiTestBase.SETTINGS, HEARTBEAT);
  }

  @AfterEach
  void stop() {
    api.stop();
  }

  static void assertProblem(Reply r, int status, String type) {
    assertThat(r.status()).as(r.body().toString()).isEqualTo(status);
    assertThat(r.problem()).isEqualTo(type);
    assertThat(r.json().getString("requestId")).isEqualTo(r.header("X-Request-Id"));
  }

  Reply send(HttpMethod method, String uri, JsonObject body, String... headers) {
    return send(method, uri, body == null ? null : body.toBuffer(), headers);
  }

  Reply send(HttpMethod method, String uri, Buffer body, String... headers) {
    return api.send(method, uri, headers(body, headers), body);
  }

  /** A request sent without waiting for its answer (a long poll, a slow write). */
  final class Later {
    final Future<Reply> reply;
    private final HttpMethod method;
    private final String uri;

    Later(HttpMethod method, String uri, JsonObject body) {
      this(method, uri, body.toBuffer());
    }

    Later(HttpMethod method, String uri, Buffer body, String... headers) {
      this.method = method;
      this.uri = uri;
      reply = api.client.request(method, uri).compose(req -> {
        req.headers().addAll(headers(body, headers));
        return req.send(body).compose(api::read);
      });
    }

    /** The answer, checked against the contract. */
    Reply await() {
      Reply r = ApiHarness.await(reply);
      api.validate(method, uri, r);
      return r;
    }
  }

  private static MultiMap headers(Buffer body, String... headers) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < headers.length; i += 2) {
      h.add(headers[i], headers[i + 1]);
    }
    if (body != null && !h.contains("Content-Type")) {
      h.add("Content-Type", "application/json");
    }
    return h;
  }

  /** A new session with this TTL; its id. */
  long session(long ttlMillis) {
    Reply r = send(POST, "/v1/sessions", new JsonObject().put("ttlMillis", ttlMillis));
    assertThat(r.status()).as(r.body().toString()).isEqualTo(201);
    return r.json().getLong("id");
  }

  long session() {
    return session(10_000);
  }

  EventStream stream(String uri, String... headers) {
    return new EventStream(api, uri, headers);
  }
}
