package io.cairn.api.problem;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Objects;

/**
 * A failure the API itself detects (a bad parameter, a body over its limit, ...), carried to the
 * one failure handler that writes problem+json. Cheap to throw: no stack trace.
 */
public final class ApiProblem extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ProblemType type;
  private final transient List<ProblemError> errors;
  private final transient JsonObject members;
  private final String retryAfterSeconds;

  public ApiProblem(ProblemType type, String detail) {
    this(type, detail, List.of());
  }

  public ApiProblem(ProblemType type, String detail, List<ProblemError> errors) {
    this(type, detail, errors, new JsonObject(), null);
  }

  private ApiProblem(ProblemType type, String detail, List<ProblemError> errors, JsonObject members,
      String retryAfterSeconds) {
    super(detail, null, false, false);
    this.type = Objects.requireNonNull(type, "type");
    this.errors = List.copyOf(errors);
    this.members = members;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /**
   * A problem with extension members (RFC 9457 §3.2) that the contract's {@code Problem} schema
   * declares, such as {@code holderSession}, and a {@code Retry-After} in seconds (null: none).
   */
  public static ApiProblem withMembers(ProblemType type, String detail, JsonObject members, Long retryAfterSeconds) {
    return new ApiProblem(type, detail, List.of(), members.copy(),
        retryAfterSeconds == null ? null : Long.toString(retryAfterSeconds));
  }

  /** An {@code invalid-request} naming one wrong parameter, header or body part. */
  public static ApiProblem invalid(String location, String name, String message) {
    return new ApiProblem(ProblemType.INVALID_REQUEST, message, List.of(new ProblemError(location, name, message)));
  }

  public ProblemType type() {
    return type;
  }

  public String detail() {
    return getMessage();
  }

  public List<ProblemError> errors() {
    return errors;
  }

  /** The extension members, written into the problem document after the standard ones. */
  public JsonObject members() {
    return members;
  }

  /** The {@code Retry-After} header in seconds that this problem gives, or null. */
  public String retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
