package io.cairn.api.v1;

import io.cairn.api.problem.ApiProblem;
import io.cairn.api.problem.ProblemError;
import io.cairn.api.problem.ProblemType;
import io.cairn.coordination.machine.PrimitiveResult;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * What the handlers of sessions, locks, elections and semaphores share: reading a request the
 * router has validated, and the answers every primitive command may give besides its own
 * ({@code NoSession} is 404 {@code session-not-found}, {@code Invalid} is 400 with the machine's
 * reason). The router checks every request against openapi.yaml first; the state machine checks
 * the same limits again when it applies.
 */
final class PrimitiveRequests {
  private PrimitiveRequests() {}

  static ValidatedRequest validated(RoutingContext rc) {
    return rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
  }

  /** The {@code name} path parameter. */
  static String name(RoutingContext rc) {
    return validated(rc).getPathParameters().get("name").getString();
  }

  /** The validated JSON body. */
  static JsonObject body(RoutingContext rc) {
    return validated(rc).getBody().getJsonObject();
  }

  /**
   * An integer member of the body, {@code fallback} when absent. The schema has checked its range
   * where it has one; a number that does not fit a signed 64-bit integer is refused here.
   */
  static long longMember(JsonObject body, String member, long fallback) {
    Object value = body.getValue(member);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Integer || value instanceof Long)) {
      throw ApiProblem.invalid(ProblemError.BODY, "/" + member, "must be an integer from -2^63 to 2^63-1");
    }
    return ((Number) value).longValue();
  }

  /** An integer query or path parameter that the router has validated, {@code fallback} when absent. */
  static long longParameter(RequestParameter p, String location, String name, long fallback) {
    if (p == null || p.isNull()) {
      return fallback;
    }
    Object value = p.get();
    if (!(value instanceof Integer || value instanceof Long)) {
      throw ApiProblem.invalid(location, name, "must be an integer from -2^63 to 2^63-1");
    }
    return ((Number) value).longValue();
  }

  /** The body's {@code waitMillis} as a wait (zero when absent). */
  static Duration waitOf(JsonObject body) {
    return Duration.ofMillis(longMember(body, "waitMillis", 0));
  }

  /**
   * Runs {@code body}, which reads the request and calls the service; a problem it throws is the
   * answer, and anything else it throws (a bug) goes to the failure handler as a 500.
   */
  static void guarded(RoutingContext rc, Runnable body) {
    try {
      body.run();
    } catch (RuntimeException e) {
      rc.fail(e);
    }
  }

  /**
   * Hands the service's answer to {@code ok}; a failure (a {@code CoordinationException}), a
   * problem {@code ok} throws, and an answer outside the service's contract (a bug: 500) go to the
   * one failure handler.
   */
  static <T> void answer(RoutingContext rc, Future<T> future, Consumer<T> ok) {
    future.onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
        return;
      }
      try {
        ok.accept(ar.result());
      } catch (RuntimeException e) {
        rc.fail(e);
      }
    });
  }

  /**
   * The problem of an answer that is not the operation's own: {@code NoSession}, {@code Invalid};
   * anything else is a bug (the service answered outside its contract).
   */
  static ApiProblem common(PrimitiveResult result) {
    if (result instanceof PrimitiveResult.NoSession n) {
      return sessionNotFound(n.id());
    }
    if (result instanceof PrimitiveResult.Invalid i) {
      return ApiProblem.invalid(ProblemError.BODY, null, i.reason());
    }
    throw new IllegalStateException("unexpected primitive result " + result);
  }

  static ApiProblem sessionNotFound(long id) {
    return new ApiProblem(ProblemType.SESSION_NOT_FOUND,
        "No live session " + id + ": it expired, was closed, or never existed; whatever it held is gone");
  }
}
