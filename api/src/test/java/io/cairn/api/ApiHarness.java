package io.cairn.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.membership.testing.FakeMembership;
import io.cairn.cache.CacheService;
import io.cairn.membership.Membership;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Response;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP server on an ephemeral port with the real router, a client, and the contract's
 * response validator: every answer {@link #send} returns has been checked against openapi.yaml.
 */
public final class ApiHarness {
  /** Responses that no operation owns (404 no route, 405) are checked against a default response. */
  private static final String ANY_OPERATION = "getOpenApiYaml";

  public final Vertx vertx;
  public final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  public final LocalRegisters registers = new LocalRegisters();
  public final LocalPrimitives primitives;
  public final OpenAPIContract contract;
  private final ResponseValidator validator;
  private final HttpServer server;
  public final HttpClient client;
  public final int port;
  private SchemaRepository schemas;

  private ApiHarness(Vertx vertx, CacheService caches, Membership membership, ApiSettings settings,
      java.time.Duration heartbeat) {
    this.vertx = vertx;
    this.primitives = new LocalPrimitives(vertx);
    this.contract = await(ContractFixture.contract(vertx));
    this.validator = ResponseValidator.create(vertx, contract);
    var router = await(CairnApi.router(vertx, caches, membership, registers, primitives, registers::status, settings, registry,
        heartbeat));
    this.server = await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    this.port = server.actualPort();
    this.client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  /** With a membership of one node, {@code self}. */
  public static ApiHarness start(Vertx vertx, CacheService caches, ApiSettings settings) {
    return start(vertx, caches, new FakeMembership("self"), settings, io.cairn.api.v1.ClusterHandlers.HEARTBEAT);
  }

  public static ApiHarness start(Vertx vertx, CacheService caches, Membership membership, ApiSettings settings,
      java.time.Duration heartbeat) {
    return new ApiHarness(vertx, caches, membership, settings, heartbeat);
  }

  /** Checks a JSON document (an event's data, say) against one of the contract's component schemas. */
  public void assertSchema(String schema, JsonObject json) {
    if (schemas == null) {
      schemas = SchemaRepository.create(new JsonSchemaOptions().setDraft(Draft.DRAFT4).setBaseUri("app:///")
          .setOutputFormat(OutputFormat.Basic));
      schemas.dereference("app:///openapi.json", JsonSchema.of(contract.getRawContract()));
    }
    OutputUnit out = schemas.validator("app:///openapi.json#/components/schemas/" + schema).validate(json);
    assertThat(out.getValid()).as("%s against %s: %s", json, schema, out.getErrors()).isTrue();
  }

  /** Shuts the server down as a node does on SIGTERM: in-flight requests get {@code grace} to finish. */
  public void shutdown(java.time.Duration grace) {
    await(server.shutdown(grace));
  }

  public void stop() {
    await(client.close());
    await(server.close());
  }

  public static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError("failed: " + e.getCause(), e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** What the client received. */
  public record Reply(int status, MultiMap headers, Buffer body) {
    public String header(String name) {
      return headers.get(name);
    }

    public JsonObject json() {
      return body.toJsonObject();
    }

    /** The problem's type slug: {@code invalid-key} for {@code https://cairn.io/problems/invalid-key}. */
    public String problem() {
      assertThat(header("Content-Type")).isEqualTo("application/problem+json");
      return json().getString("type").substring("https://cairn.io/problems/".length());
    }
  }

  public Reply send(HttpMethod method, String uri) {
    return send(method, uri, MultiMap.caseInsensitiveMultiMap(), null);
  }

  public Reply send(HttpMethod method, String uri, Buffer body, String contentType) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (contentType != null) {
      headers.set(HttpHeaders.CONTENT_TYPE, contentType);
    }
    return send(method, uri, headers, body);
  }

  public Reply send(HttpMethod method, String uri, MultiMap headers, Buffer body) {
    Future<Reply> reply = client.request(method, uri).compose(req -> {
      req.headers().addAll(headers);
      return (body == null ? req.send() : req.send(body)).compose(this::read);
    });
    Reply r = await(reply);
    validate(method, uri, r);
    return r;
  }

  public Future<Reply> read(HttpClientResponse response) {
    return response.body().map(b -> new Reply(response.statusCode(), response.headers(), b));
  }

  /** Checks a reply against the contract's response for its operation; fails the test if it does not match. */
  public void validate(HttpMethod method, String uri, Reply reply) {
    String path = uri.contains("?") ? uri.substring(0, uri.indexOf('?')) : uri;
    Operation operation = contract.findOperation(path, method);
    String operationId;
    if (operation == null) {
      assertThat(reply.status()).as("a request that no operation takes").isIn(404, 405);
      operationId = ANY_OPERATION;
      operation = contract.operation(operationId);
    } else {
      operationId = operation.getOperationId();
    }
    Map<String, String> headers = new HashMap<>();
    reply.headers().forEach(e -> headers.putIfAbsent(e.getKey(), e.getValue()));
    String contentType = reply.header("Content-Type");
    Buffer body = reply.body().length() == 0 ? null : reply.body();
    if (body != null) {
      Response declared = operation.getResponse(reply.status()) != null
          ? operation.getResponse(reply.status()) : operation.getDefaultResponse();
      Set<String> types = declared.getContent().keySet();
      // vertx-openapi looks the body's media type up by exact name; a declared range (*/*) admits any.
      if (contentType != null && !types.contains(contentType) && types.contains("*/*")) {
        contentType = "*/*";
      }
    }
    ValidatableResponse response = ValidatableResponse.create(reply.status(), headers, body, body == null ? null : contentType);
    try {
      await(validator.validate(response, operationId));
    } catch (AssertionError e) {
      throw new AssertionError("response of " + method + " " + uri + " (" + operationId + ", " + reply.status()
          + ", " + reply.headers().entries() + ", " + (body == null ? "" : body.toString()) + ") does not match openapi.yaml: "
          + e.getCause(), e);
    }
  }
}
