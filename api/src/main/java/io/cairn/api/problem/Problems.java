package io.cairn.api.problem;

import io.cairn.cache.CacheFailure;
import io.cairn.coordination.CoordinationException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorErrorType;
import io.vertx.openapi.validation.ValidatorException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become RFC 9457 {@code application/problem+json} answers: the
 * cache module's {@link CacheFailure} reasons, the API's own {@link ApiProblem}s, the OpenAPI
 * router's validation failures, and the router's 404, 405 and 413. Anything else is a bug: a 500
 * {@code internal-error} whose body names the request id, and one ERROR log line with the same id
 * and the stack trace.
 */
public final class Problems {
  private static final Logger log = LoggerFactory.getLogger(Problems.class);

  /** The routing-context key of the request id (a String), set before any other handler runs. */
  public static final String REQUEST_ID = "cairn.requestId";

  /** The routing-context key set (to true) once {@code 100 Continue} has been sent for the request. */
  public static final String CONTINUE_SENT = "cairn.continueSent";

  public static final String MEDIA_TYPE = "application/problem+json";
  public static final CharSequence X_REQUEST_ID = HttpHeaders.createOptimized("X-Request-Id");
  private static final CharSequence PROBLEM_JSON = HttpHeaders.createOptimized(MEDIA_TYPE);
  private static final CharSequence RETRY_AFTER = HttpHeaders.createOptimized("Retry-After");

  /**
   * Seconds a client should wait after {@code store-unavailable}. The cache module does not say
   * how long its breaker rests, so this is its default rest ({@code store.breaker-reset}).
   */
  static final String RETRY_AFTER_SECONDS = "5";

  /** Seconds a client should wait when the coordination group has no leader: about an election. */
  static final String COORDINATION_RETRY_AFTER_SECONDS = "1";

  /** Vert.x's validator names the parameter only in its message: "... of query parameter limit ...". */
  private static final Pattern PARAMETER = Pattern.compile("\\b(path|query|header|cookie) parameter (\\S+?)\\.?(?:\\s|$)");

  private static final int MAX_ERRORS = 20;

  private Problems() {}

  /** The failure handler of the router (and its 404/405 error handler): answers with a problem. */
  public static Handler<RoutingContext> handler() {
    return Problems::handleFailure;
  }

  private static void handleFailure(RoutingContext rc) {
    send(rc, toProblem(rc, rc.failure(), rc.statusCode()));
  }

  /** The request id of this request, as set by the request tracking handler. */
  public static String requestId(RoutingContext rc) {
    String id = rc.get(REQUEST_ID);
    return id == null ? "-" : id;
  }

  /**
   * Maps a failure to its problem; an unexpected failure is logged here, once, at ERROR.
   *
   * @param statusCode the status the router failed with, for a failure without an exception
   */
  static ApiProblem toProblem(RoutingContext rc, Throwable failure, int statusCode) {
    ApiProblem known = known(failure, statusCode);
    if (known != null) {
      return known;
    }
    if (failure instanceof io.vertx.core.http.HttpClosedException) {
      // The client went away mid-request: nothing to answer and nothing for an operator to do.
      log.atDebug().addKeyValue("requestId", requestId(rc)).log("client closed the connection: {}", failure.toString());
      return new ApiProblem(ProblemType.INVALID_REQUEST, "the client closed the connection before the request was complete");
    }
    log.atError()
        .addKeyValue("requestId", requestId(rc))
        .addKeyValue("method", rc.request().method().name())
        .addKeyValue("path", rc.request().path())
        .setCause(failure)
        .log("unexpected failure of request {}", requestId(rc));
    return new ApiProblem(ProblemType.INTERNAL_ERROR,
        "The server failed unexpectedly; request " + requestId(rc) + " names the log line");
  }

  /** The problem a failure stands for, or null when the failure is not one the API expects. */
  static ApiProblem known(Throwable failure, int statusCode) {
    if (failure instanceof ApiProblem) {
      return (ApiProblem) failure;
    }
    if (failure instanceof CacheFailure) {
      return fromCache((CacheFailure) failure);
    }
    if (failure instanceof CoordinationException c) {
      return new ApiProblem(c.kind() == CoordinationException.Kind.UNAVAILABLE
          ? ProblemType.COORDINATION_UNAVAILABLE : ProblemType.OUTCOME_UNKNOWN, c.getMessage());
    }
    if (failure instanceof ValidatorException) {
      return fromValidation((ValidatorException) failure);
    }
    if (failure instanceof HttpException) {
      HttpException http = (HttpException) failure;
      if (http.getCause() instanceof ValidatorException) {
        return fromValidation((ValidatorException) http.getCause());
      }
      return fromStatus(http.getStatusCode(), http.getPayload());
    }
    if (failure instanceof DecodeException) {
      return ApiProblem.invalid(ProblemError.BODY, null, "The body is not valid JSON: " + failure.getMessage());
    }
    if (failure == null) {
      return fromStatus(statusCode, null);
    }
    return null;
  }

  /** The table of the cache module's failure reasons. */
  public static ApiProblem fromCache(CacheFailure failure) {
    ProblemType type = switch (failure.reason()) {
      case NO_SUCH_CACHE -> ProblemType.CACHE_NOT_FOUND;
      case NO_SUCH_ENTRY -> ProblemType.ENTRY_NOT_FOUND;
      case PRECONDITION_FAILED -> ProblemType.PRECONDITION_FAILED;
      case INVALID_KEY -> ProblemType.INVALID_KEY;
      case INVALID_SPEC -> ProblemType.INVALID_REQUEST;
      case SPEC_CONFLICT -> ProblemType.CACHE_CONFLICT;
      case VALUE_TOO_LARGE -> ProblemType.VALUE_TOO_LARGE;
      case STORE_UNAVAILABLE -> ProblemType.STORE_UNAVAILABLE;
      case MINORITY_PARTITION -> ProblemType.MINORITY_PARTITION;
      case PARTITION_UNAVAILABLE -> ProblemType.PARTITION_UNAVAILABLE;
      case OUTCOME_UNKNOWN -> ProblemType.OUTCOME_UNKNOWN;
      case STALE_FENCING_TOKEN -> ProblemType.STALE_FENCING_TOKEN;
    };
    if (type == ProblemType.STALE_FENCING_TOKEN) {
      return ApiProblem.withMembers(type, failure.getMessage(),
          new io.vertx.core.json.JsonObject().put("highestToken", failure.highestToken()), null);
    }
    List<ProblemError> errors = type == ProblemType.INVALID_REQUEST
        ? List.of(new ProblemError(ProblemError.BODY, null, failure.getMessage()))
        : List.of();
    return new ApiProblem(type, failure.getMessage(), errors);
  }

  private static ApiProblem fromStatus(int status, String payload) {
    switch (status) {
      case 404:
        return new ApiProblem(ProblemType.NOT_FOUND, "No resource has this path");
      case 405:
        return new ApiProblem(ProblemType.METHOD_NOT_ALLOWED, "The path does not take this method");
      case 413:
        return new ApiProblem(ProblemType.PAYLOAD_TOO_LARGE, "The request body is over its limit");
      case 415:
        return new ApiProblem(ProblemType.UNSUPPORTED_MEDIA_TYPE, "The body's media type is not one the operation takes");
      case 400:
        return new ApiProblem(ProblemType.INVALID_REQUEST, payload == null || payload.isBlank() ? "Bad request" : payload);
      default:
        return null;
    }
  }

  /** The OpenAPI router's request validation failure, with what is wrong and where. */
  static ApiProblem fromValidation(ValidatorException e) {
    String message = e.getMessage() == null ? "invalid request" : e.getMessage();
    if (e.type() == ValidatorErrorType.UNSUPPORTED_VALUE_FORMAT && message.contains("body")) {
      return new ApiProblem(ProblemType.UNSUPPORTED_MEDIA_TYPE, message);
    }
    List<ProblemError> errors = new ArrayList<>();
    Matcher m = PARAMETER.matcher(message);
    if (m.find()) {
      String location = "cookie".equals(m.group(1)) ? ProblemError.HEADER : m.group(1);
      String reason = e instanceof SchemaValidationException
          ? reasons((SchemaValidationException) e) : message;
      errors.add(new ProblemError(location, m.group(2), reason));
    } else if (e instanceof SchemaValidationException) {
      for (OutputUnit unit : specific(leaves(((SchemaValidationException) e).getOutputUnit()))) {
        errors.add(new ProblemError(ProblemError.BODY, pointer(unit), unit.getError()));
      }
    }
    if (errors.isEmpty()) {
      errors.add(new ProblemError(ProblemError.BODY, null, message));
    }
    return new ApiProblem(ProblemType.INVALID_REQUEST, message, errors);
  }

  private static String reasons(SchemaValidationException e) {
    Set<String> reasons = new LinkedHashSet<>();
    for (OutputUnit unit : leaves(e.getOutputUnit())) {
      reasons.add(unit.getError());
    }
    return reasons.isEmpty() ? e.getMessage() : String.join("; ", reasons);
  }

  /**
   * The errors that say what is wrong at each place: vertx-json-schema also reports, for a
   * property that fails its own schema, that it "does not match schema" (under
   * {@code properties}) and "does not match additional properties schema"; those are dropped where
   * a more specific error for the same place exists.
   */
  private static List<OutputUnit> specific(List<OutputUnit> units) {
    Set<String> placesWithSpecifics = new java.util.HashSet<>();
    for (OutputUnit unit : units) {
      if (!isSummary(unit)) {
        placesWithSpecifics.add(pointer(unit));
      }
    }
    List<OutputUnit> out = new ArrayList<>();
    for (OutputUnit unit : units) {
      if (!isSummary(unit) || !placesWithSpecifics.contains(pointer(unit))) {
        out.add(unit);
      }
    }
    return out;
  }

  private static boolean isSummary(OutputUnit unit) {
    String keyword = unit.getKeywordLocation();
    return keyword != null && (keyword.endsWith("/properties") || keyword.endsWith("/additionalProperties"));
  }

  private static List<OutputUnit> leaves(OutputUnit root) {
    List<OutputUnit> out = new ArrayList<>();
    if (root != null) {
      collect(root, out);
    }
    return out;
  }

  private static void collect(OutputUnit unit, List<OutputUnit> out) {
    List<OutputUnit> children = unit.getErrors();
    if (children == null || children.isEmpty()) {
      if (unit.getError() != null && out.size() < MAX_ERRORS
          && out.stream().noneMatch(o -> o.getError().equals(unit.getError())
              && o.getInstanceLocation().equals(unit.getInstanceLocation()))) {
        out.add(unit);
      }
      return;
    }
    for (OutputUnit child : children) {
      collect(child, out);
    }
  }

  private static String pointer(OutputUnit unit) {
    String location = unit.getInstanceLocation();
    if (location == null) {
      return "";
    }
    return location.startsWith("#") ? location.substring(1) : location;
  }

  /** Writes the problem as the response, unless a response has already started. */
  public static void send(RoutingContext rc, ApiProblem problem) {
    HttpServerResponse response = rc.response();
    if (response.ended()) {
      return;
    }
    if (response.headWritten()) {
      // Part of a success was sent already: the client can only learn of the failure by the
      // connection closing early.
      log.atDebug().addKeyValue("requestId", requestId(rc))
          .log("closing the connection: {} after the response started", problem.type().uri());
      response.reset();
      return;
    }
    ProblemType type = problem.type();
    JsonObject body = new JsonObject()
        .put("type", type.uri())
        .put("title", type.title())
        .put("status", type.status())
        .put("detail", problem.detail())
        .put("instance", rc.request().path())
        .put("requestId", requestId(rc));
    if (!problem.errors().isEmpty()) {
      JsonArray errors = new JsonArray();
      for (ProblemError error : problem.errors()) {
        JsonObject item = new JsonObject().put("location", error.location());
        if (error.name() != null) {
          item.put("name", error.name());
        }
        errors.add(item.put("message", error.message()));
      }
      body.put("errors", errors);
    }
    problem.members().forEach(member -> body.put(member.getKey(), member.getValue()));
    response.headers()
        .remove(HttpHeaders.ETAG)
        .remove(HttpHeaders.LOCATION)
        .set(HttpHeaders.CONTENT_TYPE, PROBLEM_JSON);
    if (!response.headers().contains(X_REQUEST_ID)) {
      response.headers().set(X_REQUEST_ID, requestId(rc));
    }
    if (problem.retryAfterSeconds() != null) {
      response.headers().set(RETRY_AFTER, problem.retryAfterSeconds());
    } else if (type == ProblemType.STORE_UNAVAILABLE || type == ProblemType.MINORITY_PARTITION
        || type == ProblemType.PARTITION_UNAVAILABLE) {
      response.headers().set(RETRY_AFTER, RETRY_AFTER_SECONDS);
    } else if (type == ProblemType.COORDINATION_UNAVAILABLE || type == ProblemType.OUTCOME_UNKNOWN) {
      response.headers().set(RETRY_AFTER, COORDINATION_RETRY_AFTER_SECONDS);
    }
    boolean close = awaitsContinue(rc);
    if (close) {
      response.headers().set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
    response.setStatusCode(type.status()).end(body.toBuffer()).onComplete(ar -> {
      if (close) {
        rc.request().connection().close();
      }
    });
  }

  /**
   * Whether the client still waits for {@code 100 Continue} before it sends the body: then it may
   * send the body later or never, and the connection cannot be reused safely (RFC 9110 §10.1.1).
   */
  private static boolean awaitsContinue(RoutingContext rc) {
    var request = rc.request();
    return !request.isEnded()
        && request.version() != io.vertx.core.http.HttpVersion.HTTP_2
        && request.version() != io.vertx.core.http.HttpVersion.HTTP_1_0
        && rc.get(CONTINUE_SENT) == null
        && "100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT));
  }
}
