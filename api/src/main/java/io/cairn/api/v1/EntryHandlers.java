package io.cairn.api.v1;

import io.cairn.api.ApiSettings;
import io.cairn.api.problem.ApiProblem;
import io.cairn.api.problem.ProblemError;
import io.cairn.api.problem.ProblemType;
import io.cairn.api.problem.Problems;
import io.cairn.cache.CacheFailure;
import io.cairn.cache.CacheService;
import io.cairn.cache.Entry;
import io.cairn.cache.Precondition;
import io.cairn.cache.RequestIds;
import io.cairn.coordination.PrimitiveService;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The operations of the {@code entries} tag. getEntry, putEntry and deleteEntry are the hot data
 * plane: the OpenAPI router does not validate them; {@link OperationCheck}s compiled from the same
 * contract do. getEntries and listKeys are validated by the router.
 */
public final class EntryHandlers {
  private static final CharSequence OCTET_STREAM = HttpHeaders.createOptimized("application/octet-stream");
  private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence IF_MATCH = HttpHeaders.createOptimized("If-Match");
  private static final CharSequence IF_NONE_MATCH = HttpHeaders.createOptimized("If-None-Match");
  private static final String CURSOR_ERROR = "is not a cursor this server returned";

  private final CacheService caches;
  private final PrimitiveService primitives;
  private final FencedWrites fences;
  private final ApiSettings settings;
  private final OperationCheck getCheck;
  private final OperationCheck putCheck;
  private final OperationCheck deleteCheck;
  private final int defaultKeyLimit;

  /**
   * @param primitives the coordination group's locks and elections, asked whether a fenced write's
   *     token is current
   * @param fences the greatest fencing token seen per cache and fence, shared by the node's routers
   */
  public EntryHandlers(CacheService caches, PrimitiveService primitives, FencedWrites fences, ApiSettings settings,
      OpenAPIContract contract) {
    this.caches = caches;
    this.primitives = primitives;
    this.fences = fences;
    this.settings = settings;
    this.getCheck = OperationCheck.compile(contract.operation("getEntry"), settings.maxKeyBytes());
    this.putCheck = OperationCheck.compile(contract.operation("putEntry"), settings.maxKeyBytes());
    this.deleteCheck = OperationCheck.compile(contract.operation("deleteEntry"), settings.maxKeyBytes());
    this.defaultKeyLimit = contract.operation("listKeys").getParameters().stream()
        .filter(p -> p.getName().equals("limit"))
        .map(Parameter::getSchema)
        .map(s -> ((Number) s.get("default")).intValue())
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("listKeys has no limit parameter with a default"));
  }

  /** The compiled checks of the hot operations, by operationId. */
  public Map<String, OperationCheck> checks() {
    return Map.of("getEntry", getCheck, "putEntry", putCheck, "deleteEntry", deleteCheck);
  }

  /** {@code GET /v1/caches/{cache}/entries/{key}}. */
  public void getEntry(RoutingContext rc) {
    ApiProblem invalid = getCheck.check(rc);
    if (invalid != null) {
      rc.fail(invalid);
      return;
    }
    String cache = rc.pathParam("cache");
    String key = rc.pathParam("key");
    String ifNoneMatch = OperationCheck.header(rc.request().headers(), "If-None-Match");
    RequestIds.within(Problems.requestId(rc), () -> caches.get(cache, key)).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
        return;
      }
      Entry entry = ar.result();
      if (entry == null) {
        rc.fail(CacheFailure.noSuchEntry(cache, key));
        return;
      }
      HttpServerResponse response = rc.response().putHeader(HttpHeaders.ETAG, EntityTags.of(entry.version()));
      if (ifNoneMatch != null && EntityTags.noneMatchNames(ifNoneMatch, entry.version())) {
        response.setStatusCode(304).end();
        return;
      }
      response.putHeader(HttpHeaders.CONTENT_TYPE, entry.contentType()).end(Buffer.buffer(entry.value()));
    });
  }

  /**
   * {@code PUT /v1/caches/{cache}/entries/{key}}: the raw body, byte for byte; a write with a
   * fence ({@code Cairn-Fence}, {@code Cairn-Fencing-Token}) goes through {@link FencedWrites}.
   */
  public void putEntry(RoutingContext rc) {
    ApiProblem invalid = putCheck.check(rc);
    if (invalid != null) {
      rc.fail(invalid);
      return;
    }
    String cache = rc.pathParam("cache");
    String key = rc.pathParam("key");
    MultiMap headers = rc.request().headers();
    String ttlParam = rc.request().getParam("ttlMillis");
    Duration ttl = ttlParam == null ? null : Duration.ofMillis(ParameterCheck.integerValue(ttlParam));
    Precondition pre = precondition(headers);
    io.cairn.cache.Fence fence;
    try {
      fence = FencedWrites.parse(headers);
    } catch (ApiProblem p) {
      rc.fail(p);
      return;
    }
    String sent = headers.get(HttpHeaders.CONTENT_TYPE);
    String contentType = sent == null || sent.isBlank() ? OCTET_STREAM.toString() : sent;
    String requestId = Problems.requestId(rc);
    Bodies.read(rc, settings.maxValueBytes(), ProblemType.VALUE_TOO_LARGE)
        .compose(body -> RequestIds.within(requestId, () -> {
          String bodyError = putCheck.checkBody(body.length());
          if (bodyError != null) {
            return Future.failedFuture(ApiProblem.invalid(ProblemError.BODY, null, bodyError));
          }
          if (fence == null) {
            return caches.put(cache, key, body.getBytes(), contentType, ttl, pre);
          }
          if (caches.checksFences()) { // at the key's partition's owner
            return caches.put(cache, key, body.getBytes(), contentType, ttl, pre, fence);
          }
          return fences.write(primitives, cache, fence,
              () -> caches.put(cache, key, body.getBytes(), contentType, ttl, pre));
        }))
        .onSuccess(result -> rc.response()
            .setStatusCode(result.created() ? 201 : 200)
            .putHeader(HttpHeaders.ETAG, EntityTags.of(result.entry().version()))
            .putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON)
            .end(Views.metadata(cache, result.entry()).toBuffer()))
        .onFailure(rc::fail);
  }

  /** {@code DELETE /v1/caches/{cache}/entries/{key}}. */
  public void deleteEntry(RoutingContext rc) {
    ApiProblem invalid = deleteCheck.check(rc);
    if (invalid != null) {
      rc.fail(invalid);
      return;
    }
    RequestIds.within(Problems.requestId(rc),
            () -> caches.delete(rc.pathParam("cache"), rc.pathParam("key"), precondition(rc.request().headers())))
        .onSuccess(v -> rc.response().setStatusCode(204).end())
        .onFailure(rc::fail);
  }

  /** {@code POST /v1/caches/{cache}/bulk-get}: validated by the router. */
  public void getEntries(RoutingContext rc) {
    ValidatedRequest request = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    String cache = request.getPathParameters().get("cache").getString();
    JsonArray keyArray = request.getBody().getJsonObject().getJsonArray("keys");
    List<String> keys = new ArrayList<>(keyArray.size());
    List<ProblemError> errors = new ArrayList<>();
    for (int i = 0; i < keyArray.size(); i++) {
      String key = keyArray.getString(i);
      int bytes = OperationCheck.utf8Length(key);
      if (bytes > settings.maxKeyBytes()) {
        errors.add(new ProblemError(ProblemError.BODY, "/keys/" + i,
            "must be at most " + settings.maxKeyBytes() + " bytes in UTF-8, is " + bytes));
      }
      keys.add(key);
    }
    if (!errors.isEmpty()) {
      rc.fail(OperationCheck.problem(errors, true));
      return;
    }
    RequestIds.within(Problems.requestId(rc), () -> caches.getAll(cache, keys))
        .onSuccess(found -> {
          JsonArray entries = new JsonArray();
          for (String key : keys) {
            entries.add(Views.bulkItem(key, found.get(key)));
          }
          json(rc, 200, new JsonObject().put("entries", entries));
        })
        .onFailure(rc::fail);
  }

  /** {@code GET /v1/caches/{cache}/keys}: validated by the router. */
  public void listKeys(RoutingContext rc) {
    ValidatedRequest request = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    String cache = request.getPathParameters().get("cache").getString();
    String prefix = queryString(request, "prefix");
    RequestParameter limitParam = request.getQuery().get("limit");
    int limit = limitParam == null || limitParam.isNull() ? defaultKeyLimit : limitParam.getInteger();
    String cursor = queryString(request, "cursor");
    String afterKey = null;
    if (cursor != null) {
      afterKey = decodeCursor(cursor);
      if (afterKey == null) {
        rc.fail(ApiProblem.invalid(ProblemError.QUERY, "cursor", CURSOR_ERROR));
        return;
      }
    }
    String from = prefix == null ? "" : prefix;
    String after = afterKey;
    RequestIds.within(Problems.requestId(rc), () -> caches.keys(cache, from, after, limit))
        .onSuccess(page -> {
          JsonObject json = new JsonObject().put("keys", new JsonArray(new ArrayList<Object>(page.keys())));
          if (page.lastKey() != null) {
            json.put("nextCursor", encodeCursor(page.lastKey()));
          }
          json(rc, 200, json);
        })
        .onFailure(rc::fail);
  }

  /** The precondition of a write or delete, from headers the checks have found well-formed. */
  private static Precondition precondition(MultiMap headers) {
    String ifMatch = OperationCheck.header(headers, IF_MATCH.toString());
    String ifNoneMatch = OperationCheck.header(headers, IF_NONE_MATCH.toString());
    if (ifMatch == null && ifNoneMatch == null) {
      return Precondition.NONE;
    }
    Set<Long> versions = ifMatch == null ? null : EntityTags.ifMatch(ifMatch);
    return new Precondition(versions, ifNoneMatch != null);
  }

  private static String queryString(ValidatedRequest request, String name) {
    RequestParameter p = request.getQuery().get(name);
    return p == null || p.isNull() ? null : p.getString();
  }

  /** A cursor is the last key of the page, as base64url of its UTF-8 bytes, without padding. */
  static String encodeCursor(String lastKey) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(lastKey.getBytes(StandardCharsets.UTF_8));
  }

  /** The key a cursor names, or null when it is not a cursor this server could have returned. */
  String decodeCursor(String cursor) {
    try {
      byte[] bytes = Base64.getUrlDecoder().decode(cursor);
      if (bytes.length == 0 || bytes.length > settings.maxKeyBytes()) {
        return null;
      }
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (IllegalArgumentException | CharacterCodingException e) {
      return null;
    }
  }

  static void json(RoutingContext rc, int status, JsonObject body) {
    rc.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON).end(body.toBuffer());
  }
}
