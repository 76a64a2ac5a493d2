package io.cairn.api.v1;

import io.cairn.api.problem.ApiProblem;
import io.cairn.api.problem.ProblemError;
import io.cairn.api.problem.ProblemType;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The request checks of one hot data-plane operation, compiled once at startup from that
 * operation's parameters in openapi.yaml (see {@link ParameterCheck}), plus the byte limit of
 * entry keys. They replace vertx-openapi's request validation on getEntry, putEntry and
 * deleteEntry, which builds a JSON-schema validator per parameter on every request.
 */
public final class OperationCheck {
  /** The path parameter that names an entry key: a failure of it is {@code invalid-key}. */
  static final String KEY = "key";

  private final String operationId;
  private final ParameterCheck[] parameters;
  private final boolean bodyRequired;
  private final int maxKeyBytes;

  private OperationCheck(String operationId, ParameterCheck[] parameters, boolean bodyRequired, int maxKeyBytes) {
    this.operationId = operationId;
    this.parameters = parameters;
    this.bodyRequired = bodyRequired;
    this.maxKeyBytes = maxKeyBytes;
  }

  /** Compiles the checks of one operation; fails when its schemas use what the checks do not know. */
  public static OperationCheck compile(Operation operation, int maxKeyBytes) {
    List<ParameterCheck> checks = new ArrayList<>();
    for (Parameter parameter : operation.getParameters()) {
      checks.add(ParameterCheck.compile(parameter, operation.getOperationId()));
    }
    boolean bodyRequired = operation.getRequestBody() != null && operation.getRequestBody().isRequired();
    return new OperationCheck(operation.getOperationId(), checks.toArray(new ParameterCheck[0]), bodyRequired,
        maxKeyBytes);
  }

  public String operationId() {
    return operationId;
  }

  /** Checks the parameters of a request as it arrived; null when they are all valid. */
  ApiProblem check(RoutingContext rc) {
    MultiMap headers = rc.request().headers();
    List<ProblemError> errors = null;
    boolean onlyKey = true;
    for (ParameterCheck p : parameters) {
      String raw;
      switch (p.location()) {
        case "path":
          raw = rc.pathParam(p.name());
          break;
        case "query":
          raw = rc.request().getParam(p.name());
          break;
        default:
          raw = header(headers, p.name());
      }
      String error = checkOne(p, raw);
      if (error != null) {
        if (errors == null) {
          errors = new ArrayList<>(2);
        }
        errors.add(new ProblemError(p.location(), p.name(), error));
        onlyKey &= KEY.equals(p.name()) && "path".equals(p.location());
      }
    }
    return errors == null ? null : problem(errors, onlyKey);
  }

  /**
   * Checks parameters given by location and name, as a test hands them to both these checks and
   * Vert.x's validator: {@code values.get("query").get("ttlMillis")}.
   *
   * @return every error; empty when the request is valid
   */
  public List<ProblemError> check(Map<String, Map<String, String>> values, Integer bodyLength) {
    List<ProblemError> errors = new ArrayList<>();
    for (ParameterCheck p : parameters) {
      String raw = values.getOrDefault(p.location(), Map.of()).get(p.name());
      String error = checkOne(p, raw);
      if (error != null) {
        errors.add(new ProblemError(p.location(), p.name(), error));
      }
    }
    String bodyError = checkBody(bodyLength == null ? 0 : bodyLength);
    if (bodyError != null) {
      errors.add(new ProblemError(ProblemError.BODY, null, bodyError));
    }
    return errors;
  }

  /** Whether a body of this many bytes is acceptable; null when it is. */
  String checkBody(long length) {
    return bodyRequired && length == 0 ? "a request body is required" : null;
  }

  private String checkOne(ParameterCheck p, String raw) {
    String error = p.check(raw);
    if (error == null && raw != null && KEY.equals(p.name()) && "path".equals(p.location())) {
      int bytes = utf8Length(raw);
      if (bytes > maxKeyBytes) {
        error = "must be at most " + maxKeyBytes + " bytes in UTF-8, is " + bytes;
      }
    }
    return error;
  }

  /** The problem for these errors: {@code invalid-key} when only the key is wrong, else {@code invalid-request}. */
  static ApiProblem problem(List<ProblemError> errors, boolean badKey) {
    ProblemError first = errors.get(0);
    String detail = (first.name() == null ? first.location() : first.location() + " parameter " + first.name())
        + " " + first.message();
    return new ApiProblem(badKey ? ProblemType.INVALID_KEY : ProblemType.INVALID_REQUEST, detail, errors);
  }

  /** Every value of a header, joined as one list (RFC 9110 §5.3); null when absent. */
  static String header(MultiMap headers, String name) {
    String first = headers.get(name);
    if (first == null) {
      return null;
    }
    List<String> all = headers.getAll(name);
    return all.size() == 1 ? first : String.join(", ", all);
  }

  static int utf8Length(String s) {
    int n = s.length();
    int bytes = n;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        if (c < 0x800) {
          bytes += 1;
        } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          bytes += 2; // four bytes for two chars
          i++;
        } else {
          bytes += 2;
        }
      }
    }
    return bytes;
  }
}
