package io.cairn.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** The response check of the API tests can fail: answers that break the contract are caught. */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResponseCheckTest {
  private ApiHarness api;

  @BeforeAll
  void start(Vertx vertx) {
    api = ApiHarness.start(vertx, new InMemoryCacheService(1024, 1024), ApiTestBase.SETTINGS);
  }

  @AfterAll
  void stop() {
    api.stop();
  }

  private static MultiMap headers(String... pairs) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < pairs.length; i += 2) {
      h.add(pairs[i], pairs[i + 1]);
    }
    return h;
  }

  private static Buffer cache() {
    return new JsonObject().put("name", "c").put("createdAt", "2026-01-02T03:04:05.678Z")
        .put("config", new JsonObject().put("maxEntries", 1).put("store", "none").put("backups", 1))
        .put("stats", new JsonObject().put("hits", 0).put("misses", 0).put("hitRatio", 1.0).put("loads", 0)
            .put("loadFailures", 0).put("evictions", 0).put("entries", 0).put("weightedBytes", 0)).toBuffer();
  }

  private void check(String uri, int status, MultiMap headers, Buffer body) {
    api.validate(HttpMethod.GET, uri, new ApiHarness.Reply(status, headers, body));
  }

  @Test
  void aValidAnswerPasses() {
    check("/v1/caches/c", 200, headers("Content-Type", "application/json", "X-Request-Id", "r1"), cache());
    check("/v1/caches/c/entries/k", 200, headers("Content-Type", "image/png", "X-Request-Id", "r1", "ETag", "\"4\""),
        Buffer.buffer(new byte[] {1, 2}));
  }

  @Test
  void aMissingRequestIdFails() {
    assertThatThrownBy(() -> check("/v1/caches/c", 200, headers("Content-Type", "application/json"), cache()))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void aBodyOffTheSchemaFails() {
    Buffer noStats = cache().toJsonObject().copy().put("stats", new JsonObject()).toBuffer();
    assertThatThrownBy(() -> check("/v1/caches/c", 200,
        headers("Content-Type", "application/json", "X-Request-Id", "r1"), noStats))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void aWeakOrMissingEtagFails() {
    assertThatThrownBy(() -> check("/v1/caches/c/entries/k", 200,
        headers("Content-Type", "image/png", "X-Request-Id", "r1", "ETag", "W/\"4\""), Buffer.buffer("x")))
        .isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> check("/v1/caches/c/entries/k", 200,
        headers("Content-Type", "image/png", "X-Request-Id", "r1"), Buffer.buffer("x")))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void aProblemOfAnUnknownTypeOrMediaTypeFails() {
    Buffer problem = new JsonObject().put("type", "https://cairn.io/problems/teapot").put("title", "t")
        .put("status", 418).toBuffer();
    assertThatThrownBy(() -> check("/v1/caches/c", 418,
        headers("Content-Type", "application/problem+json", "X-Request-Id", "r1"), problem))
        .isInstanceOf(AssertionError.class);
    Buffer good = new JsonObject().put("type", "https://cairn.io/problems/not-found").put("title", "t")
        .put("status", 404).toBuffer();
    check("/v1/nowhere", 404, headers("Content-Type", "application/problem+json", "X-Request-Id", "r1"), good);
    assertThatThrownBy(() -> check("/v1/nowhere", 404,
        headers("Content-Type", "application/json", "X-Request-Id", "r1"), good))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void theRealServerAnswersPassToo() {
    assertThat(api.send(HttpMethod.GET, "/v1/caches").status()).isEqualTo(200);
  }
}
