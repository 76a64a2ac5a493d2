package io.cairn.api.v1;

import io.cairn.api.problem.ApiProblem;
import io.cairn.api.problem.ProblemError;
import io.cairn.api.problem.ProblemType;
import io.cairn.coordination.RegisterService;
import io.cairn.coordination.machine.Counter;
import io.cairn.coordination.machine.Register;
import io.cairn.coordination.machine.RegisterCommand.Expect;
import io.cairn.coordination.machine.RegisterResult;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.openapi.validation.ValidatedRequest;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import java.util.Objects;

/**
 * The operations of the {@code registers} and {@code counters} tags. The OpenAPI router validates
 * every request first; the register state machine checks the same limits again when it applies.
 */
public final class RegisterHandlers {
  private final RegisterService registers;

  public RegisterHandlers(RegisterService registers) {
    this.registers = Objects.requireNonNull(registers, "registers");
  }

  /** {@code GET /v1/registers/{name}}. */
  public void getRegister(RoutingContext rc) {
    String name = name(rc);
    registers.get(name).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
      } else if (ar.result().isEmpty()) {
        rc.fail(notFound(name));
      } else {
        register(rc, ar.result().get());
      }
    });
  }

  /** {@code PUT /v1/registers/{name}}: a write, or a compare-and-set with If-Match / If-None-Match. */
  public void putRegister(RoutingContext rc) {
    ValidatedRequest request = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    String name = name(rc);
    String value = request.getBody().getJsonObject().getString("value");
    Expect expect;
    try {
      expect = expectation(rc, true);
    } catch (ApiProblem p) {
      rc.fail(p);
      return;
    }
    registers.put(name, value, expect).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
      } else if (ar.result() instanceof RegisterResult.Written w) {
        register(rc, new Register(name, value, w.version()));
      } else {
        rc.fail(problem(name, ar.result()));
      }
    });
  }

  /** {@code DELETE /v1/registers/{name}}. */
  public void deleteRegister(RoutingContext rc) {
    String name = name(rc);
    Expect expect;
    try {
      expect = expectation(rc, false);
    } catch (ApiProblem p) {
      rc.fail(p);
      return;
    }
    registers.delete(name, expect).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
      } else if (ar.result() instanceof RegisterResult.Deleted) {
        rc.response().setStatusCode(204).end();
      } else {
        rc.fail(problem(name, ar.result()));
      }
    });
  }

  /** {@code GET /v1/counters/{name}}. */
  public void getCounter(RoutingContext rc) {
    registers.counter(name(rc)).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
      } else {
        counter(rc, ar.result());
      }
    });
  }

  /** {@code POST /v1/counters/{name}}: adds {@code delta} atomically. */
  public void addToCounter(RoutingContext rc) {
    ValidatedRequest request = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    String name = name(rc);
    Object delta = request.getBody().getJsonObject().getValue("delta");
    if (!(delta instanceof Integer || delta instanceof Long)) {
      rc.fail(ApiProblem.invalid(ProblemError.BODY, "/delta", "must be an integer from -2^63 to 2^63-1"));
      return;
    }
    registers.add(name, ((Number) delta).longValue()).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
      } else if (ar.result() instanceof RegisterResult.CounterValue c) {
        counter(rc, new Counter(name, c.value(), c.version()));
      } else {
        rc.fail(problem(name, ar.result()));
      }
    });
  }

  private static String name(RoutingContext rc) {
    ValidatedRequest request = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    return request.getPathParameters().get("name").getString();
  }

  /**
   * The condition of a write or delete: {@code If-Match: "<version>"}, or (writes only) {@code
   * If-None-Match: *}; both at once can never hold and are refused.
   */
  private static Expect expectation(RoutingContext rc, boolean write) {
    String ifMatch = rc.request().getHeader(HttpHeaders.IF_MATCH);
    String ifNoneMatch = write ? rc.request().getHeader(HttpHeaders.IF_NONE_MATCH) : null;
    if (ifMatch != null && ifNoneMatch != null) {
      throw ApiProblem.invalid(ProblemError.HEADER, "If-None-Match",
          "If-Match and If-None-Match: * cannot both hold; send one of them");
    }
    if (ifNoneMatch != null) {
      return Expect.ABSENT;
    }
    if (ifMatch == null) {
      return Expect.ANY;
    }
    String digits = ifMatch.substring(1, ifMatch.length() - 1); // the contract's pattern: "digits"
    try {
      long version = Long.parseLong(digits);
      if (version >= 1) {
        return Expect.version(version);
      }
    } catch (NumberFormatException e) {
      // fall through: no register ever has this version
    }
    throw new ApiProblem(ProblemType.PRECONDITION_FAILED, "No register ever has version " + ifMatch);
  }

  private static ApiProblem problem(String name, RegisterResult result) {
    if (result instanceof RegisterResult.NotFound) {
      return notFound(name);
    }
    if (result instanceof RegisterResult.PreconditionFailed p) {
      return new ApiProblem(ProblemType.PRECONDITION_FAILED, p.currentVersion().isPresent()
          ? "Register " + name + " has version \"" + p.currentVersion().getAsLong() + "\""
          : "Register " + name + " does not exist");
    }
    if (result instanceof RegisterResult.Overflow o) {
      return new ApiProblem(ProblemType.COUNTER_OVERFLOW, "Counter " + name + " is " + o.value() + "; adding "
          + o.delta() + " would not fit a signed 64-bit integer");
    }
    if (result instanceof RegisterResult.Invalid i) {
      return ApiProblem.invalid(ProblemError.BODY, null, i.reason());
    }
    throw new IllegalStateException("unexpected register result " + result);
  }

  private static ApiProblem notFound(String name) {
    return new ApiProblem(ProblemType.REGISTER_NOT_FOUND, "No register " + name);
  }

  private static void register(RoutingContext rc, Register r) {
    rc.response().putHeader(HttpHeaders.ETAG, "\"" + r.version() + "\"");
    EntryHandlers.json(rc, 200, new JsonObject().put("name", r.name()).put("value", r.value())
        .put("version", r.version()));
  }

  private static void counter(RoutingContext rc, Counter c) {
    EntryHandlers.json(rc, 200, new JsonObject().put("name", c.name()).put("value", c.value())
        .put("version", c.version()));
  }
}
