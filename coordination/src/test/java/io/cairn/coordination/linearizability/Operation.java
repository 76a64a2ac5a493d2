package io.cairn.coordination.linearizability;

import java.util.Objects;

/**
 * One operation of a {@link History}: a client called it at {@code callNanos} and it returned
 * {@code output} at {@code returnNanos}, or its outcome is unknown.
 *
 * <p><b>Unknown outcome</b> ({@code output == null}, {@code returnNanos == }{@link #UNKNOWN}): the
 * client gave up without learning whether the operation took effect (a timeout, a connection that
 * dropped after the request was sent, a 5xx that may have applied). Such an operation may have
 * taken effect at any instant after its call, or never; the checker treats it as returning at
 * +&infin;, so it may be linearized anywhere after its call or left out. An operation known
 * <em>not</em> to have taken effect does not belong in a history at all.
 *
 * <p>Times are {@link System#nanoTime()} readings (any monotonic clock shared by all clients of one
 * history; hand-written histories may use small numbers). Two operations are ordered in real time
 * only if one returned strictly before the other was called; equal times overlap.
 *
 * @param clientId who called it (for the explanation of a failure; the checker does not require a
 *     client's operations to be sequential)
 * @param input what was asked, e.g. {@code new RegisterModel.Write("k", "v1")}
 * @param output what came back, or {@code null} if the outcome is unknown
 */
public record Operation<I, O>(int clientId, I input, O output, long callNanos, long returnNanos) {
  /** The return time of an operation whose outcome is unknown: +&infin;. */
  public static final long UNKNOWN = Long.MAX_VALUE;

  public Operation {
    Objects.requireNonNull(input, "input");
    if ((output == null) != (returnNanos == UNKNOWN)) {
      throw new IllegalArgumentException("an operation has an output iff it has a return time: " + input);
    }
    if (returnNanos < callNanos) {
      throw new IllegalArgumentException("returned before it was called: " + input);
    }
  }

  /** An operation that returned {@code output}. */
  public static <I, O> Operation<I, O> ok(int clientId, I input, O output, long callNanos, long returnNanos) {
    return new Operation<>(clientId, input, Objects.requireNonNull(output, "output"), callNanos, returnNanos);
  }

  /** An operation whose outcome is unknown: it may have taken effect at any time after its call, or never. */
  public static <I, O> Operation<I, O> unknown(int clientId, I input, long callNanos) {
    return new Operation<>(clientId, input, null, callNanos, UNKNOWN);
  }

  /** Whether the outcome is unknown (no output, returns at +&infin;). */
  public boolean outcomeUnknown() {
    return returnNanos == UNKNOWN;
  }
}
