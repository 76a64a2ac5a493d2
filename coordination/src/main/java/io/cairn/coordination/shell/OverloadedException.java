package io.cairn.coordination.shell;

/** Too many requests wait at this leader already; this one was refused and nothing was appended. */
public final class OverloadedException extends RuntimeException {
  public OverloadedException(String message) {
    super(message, null, false, false);
  }
}
