package io.cairn.coordination;

import java.time.Duration;

/**
 * A coordination request that did not get a definite answer. {@link Kind#UNAVAILABLE}: it was not
 * applied (no leader could be reached, or this node is cut off from the majority), so it may be
 * sent again after {@link #retryAfter()}. {@link Kind#OUTCOME_UNKNOWN}: it reached a leader but no
 * answer came back in time; it may or may not have been applied, and a client that sends it again
 * must be ready for either (a compare-and-set is safe to resend: it fails if it had applied).
 */
public final class CoordinationException extends RuntimeException {
  public enum Kind { UNAVAILABLE, OUTCOME_UNKNOWN }

  private final Kind kind;
  private final Duration retryAfter;

  public CoordinationException(Kind kind, String message, Duration retryAfter) {
    super(message, null, false, false);
    this.kind = kind;
    this.retryAfter = retryAfter;
  }

  public Kind kind() {
    return kind;
  }

  /** When trying again is worth it. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
