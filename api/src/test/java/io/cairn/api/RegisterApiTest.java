package io.cairn.api;

import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;
import static io.vertx.core.http.HttpMethod.PUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.api.ApiHarness.Reply;
import io.cairn.coordination.CoordinationException;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Registers, counters and the Raft status over real HTTP with the real router and the real
 * register state machine behind it (applied in process: the coordination group itself is tested in
 * the coordination and node modules). Every answer is checked against openapi.yaml.
 */
@ExtendWith(VertxExtension.class)
class RegisterApiTest {
  private ApiHarness api;

  @BeforeEach
  void start(Vertx vertx) {
    // JSON bodies up to 256 KiB, so that the value's own limit is what refuses a long value
    api = ApiHarness.start(vertx, new InMemoryCacheService(1024, 1024), new ApiSettings(1024, 64 * 1024, 256 * 1024));
  }

  @AfterEach
  void stop() {
    api.stop();
  }

  private Reply put(String name, String value, String... headers) {
    return send(PUT, "/v1/registers/" + name, new JsonObject().put("value", value).toBuffer(), headers);
  }

  private Reply send(HttpMethod method, String uri, Buffer body, String... headers) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < headers.length; i += 2) {
      h.add(headers[i], headers[i + 1]);
    }
    if (body != null) {
      h.add("Content-Type", "application/json");
    }
    return api.send(method, uri, h, body);
  }

  private static void assertProblem(Reply r, int status, String type) {
    assertThat(r.status()).as(r.body().toString()).isEqualTo(status);
    assertThat(r.problem()).isEqualTo(type);
    assertThat(r.header("Content-Type")).isEqualTo("application/problem+json");
  }

  @Test
  void aRegisterIsWrittenReadAndDeletedWithItsVersionAsETag() {
    assertProblem(api.send(GET, "/v1/registers/config"), 404, "register-not-found");

    Reply written = put("config", "v1");
    assertThat(written.status()).isEqualTo(200);
    long version = written.json().getLong("version");
    assertThat(written.header("ETag")).isEqualTo("\"" + version + "\"");
    assertThat(written.json()).isEqualTo(new JsonObject().put("name", "config").put("value", "v1").put("version", version));

    Reply read = api.send(GET, "/v1/registers/config");
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.json().getString("value")).isEqualTo("v1");
    assertThat(read.header("ETag")).isEqualTo("\"" + version + "\"");

    Reply again = put("config", "v2");
    assertThat(again.json().getLong("version")).isGreaterThan(version);

    assertThat(send(DELETE, "/v1/registers/config", null).status()).isEqualTo(204);
    assertProblem(api.send(GET, "/v1/registers/config"), 404, "register-not-found");
    assertProblem(send(DELETE, "/v1/registers/config", null), 404, "register-not-found");
  }

  @Test
  void ifMatchMakesAWriteACompareAndSet() {
    long v1 = put("lock-owner", "a").json().getLong("version");
    Reply cas = put("lock-owner", "b", "If-Match", "\"" + v1 + "\"");
    assertThat(cas.status()).isEqualTo(200);
    long v2 = cas.json().getLong("version");

    Reply stale = put("lock-owner", "c", "If-Match", "\"" + v1 + "\"");
    assertProblem(stale, 412, "precondition-failed");
    assertThat(stale.json().getString("detail")).contains("\"" + v2 + "\"");
    assertThat(api.send(GET, "/v1/registers/lock-owner").json().getString("value")).isEqualTo("b");

    assertProblem(put("absent", "x", "If-Match", "\"" + v2 + "\""), 412, "precondition-failed");
    assertProblem(api.send(GET, "/v1/registers/absent"), 404, "register-not-found");
    assertProblem(put("lock-owner", "x", "If-Match", "\"99999999999999999999\""), 412,
        "precondition-failed");
  }

  @Test
  void ifNoneMatchStarCreatesOnlyOnce() {
    assertThat(put("once", "first", "If-None-Match", "*").status()).isEqualTo(200);
    assertProblem(put("once", "second", "If-None-Match", "*"), 412, "precondition-failed");
    assertThat(api.send(GET, "/v1/registers/once").json().getString("value")).isEqualTo("first");
  }

  @Test
  void aDeleteWithIfMatchHappensOnlyAtThatVersion() {
    long v1 = put("d", "x").json().getLong("version");
    long v2 = put("d", "y").json().getLong("version");
    assertProblem(send(DELETE, "/v1/registers/d", null, "If-Match", "\"" + v1 + "\""), 412,
        "precondition-failed");
    assertThat(send(DELETE, "/v1/registers/d", null, "If-Match", "\"" + v2 + "\"").status()).isEqualTo(204);
  }

  @Test
  void countersAddAtomicallyAndRefuseAnOverflow() {
    Reply zero = api.send(GET, "/v1/counters/hits");
    assertThat(zero.json()).isEqualTo(new JsonObject().put("name", "hits").put("value", 0).put("version", 0));
    Reply one = send(POST, "/v1/counters/hits", new JsonObject().put("delta", 5).toBuffer());
    assertThat(one.status()).isEqualTo(200);
    assertThat(one.json().getLong("value")).isEqualTo(5);
    assertThat(send(POST, "/v1/counters/hits", new JsonObject().put("delta", -7).toBuffer()).json().getLong("value"))
        .isEqualTo(-2);
    assertThat(send(POST, "/v1/counters/big", new JsonObject().put("delta", Long.MAX_VALUE).toBuffer()).status())
        .isEqualTo(200);
    Reply overflow = send(POST, "/v1/counters/big", new JsonObject().put("delta", 1).toBuffer());
    assertProblem(overflow, 409, "counter-overflow");
    assertThat(api.send(GET, "/v1/counters/big").json().getLong("value")).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void badInputGetsAProblemAndChangesNothing() {
    String invalid = "invalid-request";
    assertProblem(send(PUT, "/v1/registers/r", Buffer.buffer("{\"value\": 7}")), 400, invalid);
    assertProblem(send(PUT, "/v1/registers/r", Buffer.buffer("{}")), 400, invalid);
    assertProblem(send(PUT, "/v1/registers/r", Buffer.buffer("{\"value\":\"x\",\"extra\":1}")), 400, invalid);
    assertProblem(send(PUT, "/v1/registers/r", Buffer.buffer("not json")), 400, invalid);
    assertProblem(send(PUT, "/v1/registers/r", new JsonObject().put("value", "x".repeat(16385)).toBuffer()), 400,
        invalid);
    assertProblem(put("r", "x", "If-Match", "*"), 400, invalid);
    assertProblem(put("r", "x", "If-Match", "W/\"3\""), 400, invalid);
    assertProblem(put("r", "x", "If-Match", "\"1\"", "If-None-Match", "*"), 400, invalid);
    assertProblem(put("-bad", "x"), 400, invalid);
    assertProblem(put("a".repeat(257), "x"), 400, invalid);
    assertProblem(send(PUT, "/v1/registers/r", new JsonObject().put("value", "x".repeat(300_000)).toBuffer()), 413,
        "payload-too-large");
    assertProblem(send(POST, "/v1/counters/c", Buffer.buffer("{\"delta\": 1.5}")), 400, invalid);
    assertProblem(send(POST, "/v1/counters/c", Buffer.buffer("{\"delta\": \"1\"}")), 400, invalid);
    assertProblem(send(POST, "/v1/counters/c", Buffer.buffer("{\"delta\": 9223372036854775808}")), 400, invalid);
    assertProblem(api.send(PUT, "/v1/registers/r", Buffer.buffer("value"), "text/plain"), 415,
        "unsupported-media-type");
    assertProblem(api.send(GET, "/v1/registers/r"), 404, "register-not-found");
    assertThat(api.send(GET, "/v1/counters/c").json().getLong("value")).isZero();
  }

  @Test
  void withoutALeaderTheAnswerIs503WithRetryAfterAndALostAnswerIs504() {
    api.registers.failWith(CoordinationException.Kind.UNAVAILABLE);
    Reply unavailable = put("r", "x");
    assertProblem(unavailable, 503, "coordination-unavailable");
    assertThat(unavailable.header("Retry-After")).isEqualTo("1");
    assertProblem(api.send(GET, "/v1/registers/r"), 503, "coordination-unavailable");
    assertProblem(api.send(GET, "/v1/counters/r"), 503, "coordination-unavailable");

    api.registers.failWith(CoordinationException.Kind.OUTCOME_UNKNOWN);
    Reply unknown = send(POST, "/v1/counters/r", new JsonObject().put("delta", 1).toBuffer());
    assertProblem(unknown, 504, "outcome-unknown");
    assertThat(unknown.header("Retry-After")).isEqualTo("1");
  }

  @Test
  void theRaftStatusDescribesTheGroup() {
    put("r", "x");
    Reply status = api.send(GET, "/v1/cluster/raft");
    assertThat(status.status()).isEqualTo(200);
    assertThat(status.json().getString("role")).isEqualTo("LEADER");
    assertThat(status.json().getString("leader")).isEqualTo("self");
    assertThat(status.json().getJsonArray("voters").getList()).containsExactly("self");
  }
}
