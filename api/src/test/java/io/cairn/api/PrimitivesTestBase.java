package io.cairn.api;

import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.api.ApiHarness.Reply;
import io.cairn.membership.testing.FakeMembership;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
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
  static final Duration DEADLINE = Duration.ofSeconds(20);

  ApiHarness api;
  private SchemaRepository schemas;

  @BeforeEach
  void start(Vertx vertx) {
    api = ApiHarness.start(vertx, new InMemoryCacheService(1024, 1024), new FakeMembership("self"),
        ApiTestBase.SETTINGS, HEARTBEAT);
    schemas = SchemaRepository.create(new JsonSchemaOptions().setDraft(Draft.DRAFT4).setBaseUri("app:///")
        .setOutputFormat(OutputFormat.Basic));
    schemas.dereference("app:///openapi.json", JsonSchema.of(api.contract.getRawContract()));
  }

  @AfterEach
  void stop() {
    api.stop();
  }

  void assertSchema(String schema, JsonObject json) {
    OutputUnit out = schemas.validator("app:///openapi.json#/components/schemas/" + schema).validate(json);
    assertThat(out.getValid()).as("%s against %s: %s", json, schema, out.getErrors()).isTrue();
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

  /** A request sent without waiting for its answer (a long poll). */
  final class Later {
    final Future<Reply> reply;
    private final HttpMethod method;
    private final String uri;

    Later(HttpMethod method, String uri, JsonObject body) {
      this.method = method;
      this.uri = uri;
      Buffer buffer = body.toBuffer();
      reply = api.client.request(method, uri).compose(req -> {
        req.headers().addAll(headers(buffer));
        return req.send(buffer).compose(api::read);
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

  /** An open event stream: what has arrived so far. */
  final class Stream {
    final StringBuffer text = new StringBuffer();
    final java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
    final HttpClientResponse response;
    final String uri;

    Stream(String uri, String... headers) {
      this.uri = uri;
      // The handlers are set on the connection's event loop, before any chunk can arrive.
      response = ApiHarness.await(api.client.request(GET, uri).compose(req -> {
        for (int i = 0; i < headers.length; i += 2) {
          req.putHeader(headers[i], headers[i + 1]);
        }
        return req.send();
      }).map(r -> {
        r.handler(b -> text.append(b.toString(StandardCharsets.UTF_8)));
        r.endHandler(v -> ended.set(true));
        return r;
      }));
    }

    /** The complete events received so far, comments left out. */
    List<Map<String, String>> events() {
      List<Map<String, String>> out = new ArrayList<>();
      String all = text.toString();
      int end = all.lastIndexOf("\n\n");
      if (end < 0) {
        return out;
      }
      for (String block : all.substring(0, end).split("\n\n")) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : block.split("\n")) {
          if (!line.startsWith(":")) {
            int colon = line.indexOf(':');
            assertThat(colon).as("a line of an event in %s", all).isPositive();
            fields.put(line.substring(0, colon), line.substring(colon + 1).stripLeading());
          }
        }
        if (!fields.isEmpty()) {
          out.add(fields);
        }
      }
      return out;
    }

    Map<String, String> awaitEvent(int index) {
      Awaitility.await().atMost(DEADLINE).until(() -> events().size() > index);
      return events().get(index);
    }

    void validate() {
      api.validate(GET, uri, new Reply(response.statusCode(),
          MultiMap.caseInsensitiveMultiMap().addAll(response.headers()), Buffer.buffer(text.toString())));
    }

    /** The whole answer of a request that was refused (the stream never started). */
    Reply asReply() {
      Awaitility.await().atMost(DEADLINE).untilTrue(ended);
      Reply r = new Reply(response.statusCode(), MultiMap.caseInsensitiveMultiMap().addAll(response.headers()),
          Buffer.buffer(text.toString()));
      api.validate(GET, uri, r);
      return r;
    }

    void close() {
      ApiHarness.await(response.request().connection().close());
    }
  }
}
