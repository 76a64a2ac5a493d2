package io.cairn.node;

import java.util.ArrayList;
import java.util.List;

/** A step of the node's start that failed; its message says which, in one line. */
final class StartupFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  StartupFailure(String step, Throwable cause) {
    super(step + (cause == null ? "" : ": " + describe(cause)), cause, false, false);
  }

  StartupFailure(String message) {
    this(message, null);
  }

  /** The messages along a chain of causes, without repeats, on one line. */
  static String describe(Throwable t) {
    List<String> parts = new ArrayList<>();
    for (Throwable c = t; c != null && parts.size() < 4; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof StartupFailure) {
        parts.add(c.getMessage());
        break; // it already describes its causes
      }
      String m = c.getMessage();
      String part = m == null || m.isBlank() ? c.getClass().getSimpleName()
          : c instanceof Error ? c.getClass().getSimpleName() + ": " + m : m;
      if (parts.isEmpty() || !parts.get(parts.size() - 1).contains(part)) {
        parts.add(part);
      }
    }
    return String.join(": ", parts).replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }
}
