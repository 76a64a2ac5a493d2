package io.cairn.api.problem;

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

  public ApiProblem(ProblemType type, String detail) {
    this(type, detail, List.of());
  }

  public ApiProblem(ProblemType type, String detail, List<ProblemError> errors) {
    super(detail, null, false, false);
    this.type = Objects.requireNonNull(type, "type");
    this.errors = List.copyOf(errors);
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
}
