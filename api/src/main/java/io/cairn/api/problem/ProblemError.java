package io.cairn.api.problem;

import java.util.Objects;

/**
 * One thing wrong with a request, as the contract's {@code ProblemError} schema says.
 *
 * @param location one of {@code path}, {@code query}, {@code header}, {@code body}
 * @param name the parameter or header's name, or a JSON pointer into the body; may be null
 * @param message what is wrong, for a person
 */
public record ProblemError(String location, String name, String message) {
  public static final String PATH = "path";
  public static final String QUERY = "query";
  public static final String HEADER = "header";
  public static final String BODY = "body";

  public ProblemError {
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(message, "message");
  }
}
