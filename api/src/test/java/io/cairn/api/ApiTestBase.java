package io.cairn.api;

import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.PATCH;
import static io.vertx.core.http.HttpMethod.POST;
import static io.vertx.core.http.HttpMethod.PUT;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.cairn.api.ApiHarness.Reply;
import io.cairn.api.problem.Problems;
import io.cairn.cache.CacheService;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * The /v1 API over real HTTP with the real router, every response checked against openapi.yaml
 * by vertx-openapi's response validator ({@link ApiHarness}). Subclasses give the cache service
 * and the store of the caches the tests create.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ApiTestBase {
  static final ApiSettings SETTINGS = new ApiSettings(1024, 64 * 1024, 16 * 1024);
  private static final AtomicInteger NAMES = new AtomicInteger();

  ApiHarness api;
  Vertx vertx;

  /** The service under the API; closed after the tests. */
  abstract CacheService service(Vertx vertx) throws Exception;

  /** The {@code store} of the caches these tests create: {@code none} or {@code jdbc}. */
  abstract String store();

  private CacheService service;

  @BeforeAll
  void start(Vertx vertx) throws Exception {
    this.vertx = vertx;
    this.service = service(vertx);
    api = ApiHarness.start(vertx, new FaultyCacheService(service), SETTINGS);
  }

  @AfterAll
  void stop() {
    if (api != null) {
      api.stop();
    }
    if (service != null) {
      ApiHarness.await(service.close());
    }
  }

  // ---- helpers ----

  String newCache() {
    String name = "c" + NAMES.incrementAndGet() + "-" + store();
    Reply r = api.send(PUT, "/v1/caches/" + name, json(new JsonObject().put("store", store())), "application/json");
    assertThat(r.status()).isEqualTo(201);
    return name;
  }

  static Buffer json(JsonObject o) {
    return o.toBuffer();
  }

  static String enc(String key) {
    return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static String entry(String cache, String key) {
    return "/v1/caches/" + cache + "/entries/" + enc(key);
  }

  Reply put(String cache, String key, String value, String contentType) {
    return api.send(PUT, entry(cache, key), Buffer.buffer(value), contentType);
  }

  Reply put(String cache, String key, String value, String header, String headerValue) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap().add(HttpHeaders.CONTENT_TYPE, "text/plain").add(header, headerValue);
    return api.send(PUT, entry(cache, key), h, Buffer.buffer(value));
  }

  Reply get(String cache, String key) {
    return api.send(GET, entry(cache, key));
  }

  Reply withHeader(HttpMethod method, String uri, String header, String value) {
    return api.send(method, uri, MultiMap.caseInsensitiveMultiMap().add(header, value), null);
  }

  /** The entry is still there with this value and version. */
  void assertEntry(String cache, String key, String value, String etag) {
    Reply r = get(cache, key);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body().toString()).isEqualTo(value);
    assertThat(r.header("ETag")).isEqualTo(etag);
  }

  void assertProblem(Reply r, int status, String type) {
    assertThat(r.status()).as(r.body().toString()).isEqualTo(status);
    assertThat(r.problem()).isEqualTo(type);
    JsonObject p = r.json();
    assertThat(p.getInteger("status")).isEqualTo(status);
    assertThat(p.getString("requestId")).isEqualTo(r.header("X-Request-Id"));
  }

  static JsonObject firstError(Reply r) {
    return r.json().getJsonArray("errors").getJsonObject(0);
  }

  // ---- the contract's own description ----

  @Test
  void servesTheContractAsYamlAndAsTheSameDocumentInJson() throws Exception {
    byte[] file;
    try (InputStream in = getClass().getClassLoader().getResourceAsStream("io/cairn/api/openapi.yaml")) {
      file = in.readAllBytes();
    }
    Reply yaml = api.send(GET, "/v1/openapi.yaml");
    assertThat(yaml.status()).isEqualTo(200);
    assertThat(yaml.header("Content-Type")).isEqualTo("application/yaml");
    assertThat(yaml.body().getBytes()).isEqualTo(file);

    Reply json = api.send(GET, "/v1/openapi.json");
    assertThat(json.status()).isEqualTo(200);
    assertThat(json.header("Content-Type")).isEqualTo("application/json");
    assertThat(new ObjectMapper().readTree(json.body().getBytes())).isEqualTo(new YAMLMapper().readTree(file));
  }

  // ---- caches ----

  @Test
  void createsShowsListsReconfiguresAndRemovesACache() {
    String name = "crud-" + store();
    Reply created = api.send(PUT, "/v1/caches/" + name,
        json(new JsonObject().put("maxEntries", 50).put("defaultTtlMillis", 60_000).put("store", store())),
        "application/json");
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.header("Location")).isEqualTo("/v1/caches/" + name);
    JsonObject cache = created.json();
    assertThat(cache.getString("name")).isEqualTo(name);
    assertThat(cache.getJsonObject("config")).isEqualTo(new JsonObject()
        .put("maxEntries", 50).put("defaultTtlMillis", 60_000).put("store", store()).put("backups", 1));
    Instant createdAt = Instant.parse(cache.getString("createdAt"));
    assertThat(createdAt).isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1));

    Reply shown = api.send(GET, "/v1/caches/" + name);
    assertThat(shown.status()).isEqualTo(200);
    assertThat(shown.json().getJsonObject("config").getLong("maxEntries")).isEqualTo(50);

    Reply changed = api.send(PUT, "/v1/caches/" + name,
        json(new JsonObject().put("maxBytes", 1_000_000).put("store", store())), "Application/JSON; charset=UTF-8");
    assertThat(changed.status()).isEqualTo(200);
    assertThat(changed.header("Location")).isNull();
    assertThat(changed.json().getJsonObject("config"))
        .isEqualTo(new JsonObject().put("maxBytes", 1_000_000).put("store", store()).put("backups", 1));

    Reply list = api.send(GET, "/v1/caches");
    assertThat(list.status()).isEqualTo(200);
    List<String> names = new ArrayList<>();
    list.json().getJsonArray("caches").forEach(c -> names.add(((JsonObject) c).getString("name")));
    assertThat(names).contains(name).isSorted();

    assertThat(api.send(DELETE, "/v1/caches/" + name).status()).isEqualTo(204);
    assertProblem(api.send(GET, "/v1/caches/" + name), 404, "cache-not-found");
    assertProblem(api.send(DELETE, "/v1/caches/" + name), 404, "cache-not-found");
  }

  @Test
  void aCacheWithoutBoundsHoldsTenThousandEntriesAndItsStoreCannotChange() {
    String name = "defaults-" + store();
    Reply created = api.send(PUT, "/v1/caches/" + name, json(new JsonObject().put("store", store())), "application/json");
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.json().getJsonObject("config"))
        .isEqualTo(new JsonObject().put("maxEntries", 10_000).put("store", store()).put("backups", 1));
    String other = store().equals("none") ? "jdbc" : "none";
    Reply conflict = api.send(PUT, "/v1/caches/" + name, json(new JsonObject().put("store", other)), "application/json");
    assertProblem(conflict, 409, "cache-conflict");
    assertThat(api.send(GET, "/v1/caches/" + name).json().getJsonObject("config").getString("store")).isEqualTo(store());
  }

  @Test
  void refusesBadCacheConfigurationsAndKeepsTheCacheAsItWas() {
    String name = newCache();
    JsonObject before = api.send(GET, "/v1/caches/" + name).json().getJsonObject("config");
    String uri = "/v1/caches/" + name;

    Reply malformed = api.send(PUT, uri, Buffer.buffer("{\"maxEntries\": 5,"), "application/json");
    assertProblem(malformed, 400, "invalid-request");
    assertThat(firstError(malformed).getString("location")).isEqualTo("body");

    Reply wrongType = api.send(PUT, uri, json(new JsonObject().put("maxEntries", "ten")), "application/json");
    assertProblem(wrongType, 400, "invalid-request");
    assertThat(wrongType.json().getJsonArray("errors")).allSatisfy(e -> {
      assertThat(((JsonObject) e).getString("location")).isEqualTo("body");
      assertThat(((JsonObject) e).getString("name")).isEqualTo("/maxEntries");
    });

    Reply unknown = api.send(PUT, uri, json(new JsonObject().put("maxEntries", 5).put("colour", "red")), "application/json");
    assertProblem(unknown, 400, "invalid-request");
    assertThat(unknown.json().getJsonArray("errors")).singleElement()
        .satisfies(e -> assertThat(((JsonObject) e).getString("name")).isEqualTo("/colour"));

    Reply both = api.send(PUT, uri, json(new JsonObject().put("maxEntries", 5).put("maxBytes", 5)), "application/json");
    assertProblem(both, 400, "invalid-request");

    Reply badStore = api.send(PUT, uri, json(new JsonObject().put("store", "redis")), "application/json");
    assertProblem(badStore, 400, "invalid-request");

    Reply zero = api.send(PUT, uri, json(new JsonObject().put("maxEntries", 0)), "application/json");
    assertProblem(zero, 400, "invalid-request");

    Reply fraction = api.send(PUT, uri, Buffer.buffer("{\"maxEntries\": 1.5}"), "application/json");
    assertProblem(fraction, 400, "invalid-request");

    Reply notJson = api.send(PUT, uri, Buffer.buffer("maxEntries=5"), "text/plain");
    assertProblem(notJson, 415, "unsupported-media-type");

    Reply noBody = api.send(PUT, uri, (Buffer) null, null);
    assertProblem(noBody, 400, "invalid-request");

    String big = "{\"maxEntries\": 5, \"store\": \"" + store() + "\"" + " ".repeat((int) SETTINGS.maxJsonBodyBytes()) + "}";
    Reply tooBig = api.send(PUT, uri, Buffer.buffer(big), "application/json");
    assertProblem(tooBig, 413, "payload-too-large");

    Reply badName = api.send(PUT, "/v1/caches/-bad", json(new JsonObject()), "application/json");
    assertProblem(badName, 400, "invalid-request");
    assertThat(firstError(badName).getString("location")).isEqualTo("path");
    assertThat(firstError(badName).getString("name")).isEqualTo("cache");

    Reply longName = api.send(GET, "/v1/caches/" + "x".repeat(129));
    assertProblem(longName, 400, "invalid-request");

    assertThat(api.send(GET, "/v1/caches/" + name).json().getJsonObject("config")).isEqualTo(before);
    assertProblem(api.send(GET, "/v1/caches/-bad"), 400, "invalid-request");
  }

  // ---- entries ----

  @Test
  void putsAndGetsValuesByteForByteWithTheirMediaTypeAndVersion() {
    String cache = newCache();
    Reply created = put(cache, "greeting", "hello", "text/plain; charset=utf-8");
    assertThat(created.status()).isEqualTo(201);
    JsonObject meta = created.json();
    assertThat(meta.getString("cache")).isEqualTo(cache);
    assertThat(meta.getString("key")).isEqualTo("greeting");
    assertThat(meta.getString("contentType")).isEqualTo("text/plain; charset=utf-8");
    assertThat(meta.getLong("size")).isEqualTo(5);
    assertThat(meta.containsKey("expiresAt")).isFalse();
    assertThat(created.header("ETag")).isEqualTo("\"" + meta.getLong("version") + "\"");

    Reply read = get(cache, "greeting");
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.body().toString()).isEqualTo("hello");
    assertThat(read.header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
    assertThat(read.header("ETag")).isEqualTo(created.header("ETag"));

    Reply replaced = put(cache, "greeting", "hi", "text/plain");
    assertThat(replaced.status()).isEqualTo(200);
    assertThat(replaced.json().getLong("version")).isGreaterThan(meta.getLong("version"));
    assertEntry(cache, "greeting", "hi", replaced.header("ETag"));

    byte[] bytes = new byte[256];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) i;
    }
    String key = "dir/sub dir/ключ/😀?#%";
    Reply binary = api.send(PUT, entry(cache, key), MultiMap.caseInsensitiveMultiMap(), Buffer.buffer(bytes));
    assertThat(binary.status()).isEqualTo(201);
    assertThat(binary.json().getString("key")).isEqualTo(key);
    assertThat(binary.json().getString("contentType")).isEqualTo("application/octet-stream");
    Reply back = get(cache, key);
    assertThat(back.body().getBytes()).isEqualTo(bytes);
    assertThat(back.header("Content-Type")).isEqualTo("application/octet-stream");

    Reply ttl = api.send(PUT, entry(cache, "short") + "?ttlMillis=60000", Buffer.buffer("x"), "text/plain");
    assertThat(ttl.status()).isEqualTo(201);
    assertThat(Instant.parse(ttl.json().getString("expiresAt")))
        .isBetween(Instant.now().plusSeconds(50), Instant.now().plusSeconds(61));
  }

  @Test
  void conditionalRequestsCompareVersions() {
    String cache = newCache();
    String v1 = put(cache, "k", "one", "text/plain").header("ETag");
    String number = v1.substring(1, v1.length() - 1);

    assertThat(withHeader(GET, entry(cache, "k"), "If-None-Match", v1).status()).isEqualTo(304);
    Reply notModified = withHeader(GET, entry(cache, "k"), "If-None-Match", "\"999999\", W/" + v1);
    assertThat(notModified.status()).isEqualTo(304);
    assertThat(notModified.header("ETag")).isEqualTo(v1);
    assertThat(notModified.body().length()).isZero();
    assertThat(withHeader(GET, entry(cache, "k"), "If-None-Match", "*").status()).isEqualTo(304);
    assertThat(withHeader(GET, entry(cache, "k"), "If-None-Match", "\"999999\"").status()).isEqualTo(200);

    assertProblem(put(cache, "k", "two", "If-Match", "\"999999\""), 412, "precondition-failed");
    assertProblem(put(cache, "k", "two", "If-Match", "W/" + v1), 412, "precondition-failed");
    assertProblem(put(cache, "k", "two", "If-Match", "\"0" + number + "\""), 412, "precondition-failed");
    assertProblem(put(cache, "k", "two", "If-None-Match", "*"), 412, "precondition-failed");
    assertEntry(cache, "k", "one", v1);

    Reply two = put(cache, "k", "two", "If-Match", "\"999999\", " + v1);
    assertThat(two.status()).isEqualTo(200);
    String v2 = two.header("ETag");
    assertProblem(put(cache, "k", "three", "If-Match", v1), 412, "precondition-failed");
    assertThat(put(cache, "k", "three", "If-Match", "*").status()).isEqualTo(200);
    String v3 = get(cache, "k").header("ETag");
    assertThat(v3).isNotEqualTo(v2);

    assertProblem(put(cache, "absent", "x", "If-Match", "*"), 412, "precondition-failed");
    assertProblem(get(cache, "absent"), 404, "entry-not-found");
    assertThat(put(cache, "absent", "x", "If-None-Match", "*").status()).isEqualTo(201);

    assertProblem(withHeader(DELETE, entry(cache, "k"), "If-Match", v2), 412, "precondition-failed");
    assertEntry(cache, "k", "three", v3);
    assertThat(withHeader(DELETE, entry(cache, "k"), "If-Match", v3).status()).isEqualTo(204);
    assertProblem(get(cache, "k"), 404, "entry-not-found");
    assertProblem(api.send(DELETE, entry(cache, "k")), 404, "entry-not-found");

    Reply again = put(cache, "k", "four", "text/plain");
    assertThat(again.status()).isEqualTo(201);
    assertThat(again.json().getLong("version")).isGreaterThan(Long.parseLong(v3.replace("\"", "")));
  }

  @Test
  void refusesBadEntryRequestsAndKeepsTheStoredValue() {
    String cache = newCache();
    String etag = put(cache, "kept", "value", "text/plain").header("ETag");

    for (String ttl : List.of("abc", "-1", "0", "1.5", "1e3", "315360000001", "99999999999999999999", "")) {
      Reply bad = api.send(PUT, entry(cache, "kept") + "?ttlMillis=" + enc(ttl), Buffer.buffer("new"), "text/plain");
      assertProblem(bad, 400, "invalid-request");
      assertThat(firstError(bad).getString("location")).isEqualTo("query");
      assertThat(firstError(bad).getString("name")).isEqualTo("ttlMillis");
    }
    Reply malformedIfMatch = put(cache, "kept", "new", "If-Match", "abc");
    assertProblem(malformedIfMatch, 400, "invalid-request");
    assertThat(firstError(malformedIfMatch).getString("location")).isEqualTo("header");
    assertThat(firstError(malformedIfMatch).getString("name")).isEqualTo("If-Match");
    assertProblem(put(cache, "kept", "new", "If-Match", "\"1"), 400, "invalid-request");
    assertProblem(put(cache, "kept", "new", "If-None-Match", etag), 400, "invalid-request");
    assertProblem(withHeader(GET, entry(cache, "kept"), "If-None-Match", "kept"), 400, "invalid-request");
    assertProblem(withHeader(DELETE, entry(cache, "kept"), "If-Match", "W/"), 400, "invalid-request");

    String ascii1025 = "k".repeat(1025);
    String multiByte = "é".repeat(513); // 513 characters, 1026 bytes
    for (String key : List.of(ascii1025, multiByte)) {
      Reply badPut = put(cache, key, "x", "text/plain");
      assertProblem(badPut, 400, "invalid-key");
      assertThat(firstError(badPut).getString("name")).isEqualTo("key");
      assertProblem(get(cache, key), 400, "invalid-key");
      assertProblem(api.send(DELETE, entry(cache, key)), 400, "invalid-key");
    }
    assertThat(put(cache, "é".repeat(512), "x", "text/plain").status()).isEqualTo(201);

    assertProblem(api.send(PUT, entry(cache, "kept"), Buffer.buffer(), "text/plain"), 400, "invalid-request");
    assertProblem(put("no-such-cache", "kept", "x", "text/plain"), 404, "cache-not-found");
    assertProblem(get("no-such-cache", "kept"), 404, "cache-not-found");
    assertProblem(put("-bad-name", "kept", "x", "text/plain"), 400, "invalid-request");

    assertEntry(cache, "kept", "value", etag);
  }

  @Test
  void refusesAnOversizeValueFromItsContentLengthBeforeReadingIt() {
    String cache = newCache();
    String etag = put(cache, "kept", "value", "text/plain").header("ETag");
    AtomicBoolean continued = new AtomicBoolean();
    long size = SETTINGS.maxValueBytes() + 1;
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(api.port));
    Reply reply = ApiHarness.await(client.request(PUT, entry(cache, "kept")).compose(req -> {
      Promise<Reply> done = Promise.promise();
      req.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(size))
          .putHeader(HttpHeaders.CONTENT_TYPE, "application/octet-stream")
          .putHeader(HttpHeaders.EXPECT, "100-continue")
          .continueHandler(v -> continued.set(true));
      req.response().compose(api::read).onComplete(done);
      req.sendHead();
      return done.future();
    }));
    ApiHarness.await(client.close());
    api.validate(PUT, entry(cache, "kept"), reply);
    assertProblem(reply, 413, "value-too-large");
    assertThat(continued).as("the server must not ask for the body").isFalse();
    // the client may never send the body now, so the connection cannot carry another request
    assertThat(reply.header("Connection")).isEqualToIgnoringCase("close");
    assertEntry(cache, "kept", "value", etag);

    // a value within the limit is asked for with 100 Continue, then written
    AtomicBoolean askedFor = new AtomicBoolean();
    HttpClient second = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(api.port));
    Reply written = ApiHarness.await(second.request(PUT, entry(cache, "kept")).compose(req -> {
      Promise<Reply> done = Promise.promise();
      req.putHeader(HttpHeaders.CONTENT_LENGTH, "3")
          .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
          .putHeader(HttpHeaders.EXPECT, "100-continue")
          .continueHandler(v -> {
            askedFor.set(true);
            req.end(Buffer.buffer("new"));
          });
      req.response().compose(api::read).onComplete(done);
      req.sendHead();
      return done.future();
    }));
    ApiHarness.await(second.close());
    api.validate(PUT, entry(cache, "kept"), written);
    assertThat(written.status()).isEqualTo(200);
    assertThat(askedFor).isTrue();
    assertEntry(cache, "kept", "new", written.header("ETag"));
  }

  @Test
  void refusesAValueThatGrowsPastTheLimitWhileItStreams() {
    String cache = newCache();
    String etag = put(cache, "kept", "value", "text/plain").header("ETag");
    Buffer chunk = Buffer.buffer(new byte[8 * 1024]);
    int chunks = (int) (SETTINGS.maxValueBytes() / chunk.length()) + 2;
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(api.port));
    Reply reply = ApiHarness.await(client.request(PUT, entry(cache, "kept")).compose(req -> {
      req.setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, "application/octet-stream");
      Chunks.writeAll(req, chunk, chunks);
      return req.response().compose(api::read);
    }));
    ApiHarness.await(client.close());
    api.validate(PUT, entry(cache, "kept"), reply);
    assertProblem(reply, 413, "value-too-large");
    assertEntry(cache, "kept", "value", etag);
  }

  /** Writes {@code n} chunks one after the other and ends the request. */
  static final class Chunks {
    static void writeAll(HttpClientRequest req, Buffer chunk, int n) {
      if (n == 0) {
        req.end();
        return;
      }
      req.write(chunk).onComplete(ar -> {
        if (ar.succeeded()) {
          writeAll(req, chunk, n - 1);
        }
      });
    }
  }

  @Test
  void readsManyEntriesAtOnceInTheOrderAsked() {
    String cache = newCache();
    put(cache, "a", "alpha", "text/plain");
    String bVersion = put(cache, "b", "beta", "application/x-beta").header("ETag");
    Reply bulk = api.send(POST, "/v1/caches/" + cache + "/bulk-get",
        json(new JsonObject().put("keys", new JsonArray().add("b").add("missing").add("a"))), "application/json");
    assertThat(bulk.status()).isEqualTo(200);
    JsonArray items = bulk.json().getJsonArray("entries");
    assertThat(items).hasSize(3);
    JsonObject b = items.getJsonObject(0);
    assertThat(b.getString("key")).isEqualTo("b");
    assertThat(b.getBoolean("found")).isTrue();
    assertThat(new String(Base64.getDecoder().decode(b.getString("value")), StandardCharsets.UTF_8)).isEqualTo("beta");
    assertThat(b.getString("contentType")).isEqualTo("application/x-beta");
    assertThat("\"" + b.getLong("version") + "\"").isEqualTo(bVersion);
    assertThat(items.getJsonObject(1)).isEqualTo(new JsonObject().put("key", "missing").put("found", false));
    assertThat(items.getJsonObject(2).getString("key")).isEqualTo("a");

    String uri = "/v1/caches/" + cache + "/bulk-get";
    assertProblem(api.send(POST, uri, json(new JsonObject().put("keys", new JsonArray())), "application/json"),
        400, "invalid-request");
    assertProblem(api.send(POST, uri, json(new JsonObject().put("keys", new JsonArray().add("k".repeat(1025)))),
        "application/json"), 400, "invalid-request");
    Reply multiByte = api.send(POST, uri, json(new JsonObject().put("keys", new JsonArray().add("a").add("é".repeat(513)))),
        "application/json");
    assertProblem(multiByte, 400, "invalid-key");
    assertThat(firstError(multiByte).getString("name")).isEqualTo("/keys/1");
    assertProblem(api.send(POST, uri, Buffer.buffer("[\"a\"]"), "application/json"), 400, "invalid-request");
    assertProblem(api.send(POST, uri, Buffer.buffer("keys=a"), "application/x-www-form-urlencoded"),
        415, "unsupported-media-type");
    assertProblem(api.send(POST, "/v1/caches/no-such-cache/bulk-get",
        json(new JsonObject().put("keys", new JsonArray().add("a"))), "application/json"), 404, "cache-not-found");
    assertEntry(cache, "b", "beta", bVersion);
  }

  @Test
  void listsKeysByPrefixAPageAtATime() {
    String cache = newCache();
    List<String> expected = List.of("p/a", "p/b", "p/c", "p/d", "p/é", "p/😀");
    for (String key : List.of("p/😀", "p/c", "q/x", "p/a", "p/é", "o", "p/d", "p/b")) {
      put(cache, key, "v", "text/plain");
    }
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      String uri = "/v1/caches/" + cache + "/keys?prefix=" + enc("p/") + "&limit=4"
          + (cursor == null ? "" : "&cursor=" + cursor);
      Reply page = api.send(GET, uri);
      assertThat(page.status()).isEqualTo(200);
      page.json().getJsonArray("keys").forEach(k -> seen.add((String) k));
      cursor = page.json().getString("nextCursor");
      pages++;
    } while (cursor != null && pages < 10);
    assertThat(seen).isEqualTo(expected);
    assertThat(pages).isEqualTo(2);

    Reply all = api.send(GET, "/v1/caches/" + cache + "/keys");
    assertThat(all.json().getJsonArray("keys")).hasSize(8);
    assertThat(all.json().containsKey("nextCursor")).isFalse();

    String keys = "/v1/caches/" + cache + "/keys";
    Reply badLimit = api.send(GET, keys + "?limit=0");
    assertProblem(badLimit, 400, "invalid-request");
    assertThat(firstError(badLimit).getString("name")).isEqualTo("limit");
    assertProblem(api.send(GET, keys + "?limit=abc"), 400, "invalid-request");
    assertProblem(api.send(GET, keys + "?limit=1001"), 400, "invalid-request");
    assertProblem(api.send(GET, keys + "?cursor=not*base64"), 400, "invalid-request");
    Reply badCursor = api.send(GET, keys + "?cursor=_w");
    assertProblem(badCursor, 400, "invalid-request");
    assertThat(firstError(badCursor).getString("name")).isEqualTo("cursor");
    assertProblem(api.send(GET, "/v1/caches/no-such-cache/keys"), 404, "cache-not-found");
  }

  // ---- the router's own answers, request ids, failures, metrics ----

  @Test
  void unknownPathsAndMethodsAreProblems() {
    assertProblem(api.send(GET, "/v1/nothing-here"), 404, "not-found");
    assertProblem(api.send(GET, "/"), 404, "not-found");
    assertProblem(api.send(GET, "/v1/caches/c/entries/k/more"), 404, "not-found");
    assertProblem(api.send(POST, "/v1/caches"), 405, "method-not-allowed");
    assertProblem(api.send(PATCH, "/v1/caches/some"), 405, "method-not-allowed");
  }

  @Test
  void pathsTheRouterWouldMisreadAreRefused() {
    String cache = newCache();
    JsonObject config = api.send(GET, "/v1/caches/" + cache).json().getJsonObject("config");
    // URL normalization would turn these into PUT /v1/caches/{cache} and reconfigure the cache
    for (String dots : List.of("..", "%2E%2E", ".%2e", ".")) {
      Reply r = api.send(PUT, "/v1/caches/" + cache + "/entries/" + dots,
          json(new JsonObject().put("maxEntries", 1).put("store", store())), "application/json");
      assertProblem(r, 400, "invalid-request");
      assertThat(firstError(r).getString("location")).isEqualTo("path");
    }
    assertThat(api.send(GET, "/v1/caches/" + cache).json().getJsonObject("config")).isEqualTo(config);
    assertThat(put(cache, "...", "three dots are a key", "text/plain").status()).isEqualTo(201);
    assertThat(get(cache, "...").body().toString()).isEqualTo("three dots are a key");

    Reply badEscape = api.send(GET, "/v1/caches/" + cache + "/entries/%zz");
    assertProblem(badEscape, 400, "invalid-request");
    assertThat(firstError(badEscape).getString("location")).isEqualTo("path");
  }

  @Test
  void everyResponseCarriesTheClientsRequestIdOrANewOne() {
    Reply own = withHeader(GET, "/v1/caches", "X-Request-Id", "client.id_1-A");
    assertThat(own.header("X-Request-Id")).isEqualTo("client.id_1-A");
    Reply problem = withHeader(GET, "/v1/nothing", "X-Request-Id", "trace-42");
    assertThat(problem.header("X-Request-Id")).isEqualTo("trace-42");
    assertThat(problem.json().getString("requestId")).isEqualTo("trace-42");
    for (String bad : List.of("has space", "x".repeat(65), "semi;colon", "")) {
      Reply replaced = withHeader(GET, "/v1/caches", "X-Request-Id", bad);
      assertThat(replaced.header("X-Request-Id")).isNotEqualTo(bad).matches("[A-Za-z0-9._-]{1,64}");
    }
    String a = api.send(GET, "/v1/caches").header("X-Request-Id");
    String b = api.send(GET, "/v1/caches").header("X-Request-Id");
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void anUnexpectedFailureIsA500WithTheRequestIdAndOneErrorLogLine() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    for (String cache : List.of(FaultyCacheService.BUG, FaultyCacheService.THROWS)) {
      ListAppender<ILoggingEvent> appender = new ListAppender<>();
      appender.start();
      root.addAppender(appender);
      String id = "bug-hunt-" + cache;
      try {
        Reply reply = withHeader(GET, "/v1/caches/" + cache, "X-Request-Id", id);
        assertProblem(reply, 500, "internal-error");
        assertThat(reply.json().getString("requestId")).isEqualTo(id);
        assertThat(reply.body().toString()).doesNotContain("IllegalStateException", "secret stack", "at io.");
        // the server logs when it has answered; the client may see the answer first
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> appender.list.stream()
            .anyMatch(e -> e.getLevel() == Level.ERROR));
        assertThat(put(newCache(), "after", "v", "text/plain").status()).isEqualTo(201);
        List<ILoggingEvent> errors = appender.list.stream().filter(e -> e.getLevel() == Level.ERROR).toList();
        assertThat(errors).as("ERROR lines").hasSize(1);
        ILoggingEvent line = errors.get(0);
        assertThat(line.getLoggerName()).isEqualTo(Problems.class.getName());
        assertThat(line.getKeyValuePairs()).anySatisfy(kv -> {
          assertThat(kv.key).isEqualTo("requestId");
          assertThat(kv.value).isEqualTo(id);
        });
        assertThat(line.getThrowableProxy().getMessage()).contains("secret stack");
      } finally {
        root.detachAppender(appender);
      }
    }
  }

  @Test
  void aStoreFailureIs503WithRetryAfter() {
    Reply reply = put(FaultyCacheService.DOWN, "k", "v", "text/plain");
    assertProblem(reply, 503, "store-unavailable");
    assertThat(Integer.parseInt(reply.header("Retry-After"))).isPositive();
  }

  @Test
  void timesEveryRequestByOperationMethodAndStatus() {
    String cache = newCache();
    put(cache, "m", "v", "text/plain");
    get(cache, "m");
    api.send(GET, "/v1/caches/-bad");
    api.send(GET, "/v1/nowhere");
    // the timer is recorded when the server has finished the response, which the client may see first
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(timer("getEntry", "GET", "200").count()).isPositive();
      assertThat(timer("putEntry", "PUT", "201").count()).isPositive();
      assertThat(timer("getCache", "GET", "400").count()).isPositive();
      assertThat(timer("unmatched", "GET", "404").count()).isPositive();
    });
  }

  private Timer timer(String operation, String method, String status) {
    Timer timer = api.registry.find("cairn.http.requests")
        .tags("operation", operation, "method", method, "status", status).timer();
    assertThat(timer).as("timer %s %s %s", operation, method, status).isNotNull();
    return timer;
  }
}
