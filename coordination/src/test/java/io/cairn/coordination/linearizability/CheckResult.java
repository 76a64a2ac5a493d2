package io.cairn.coordination.linearizability;

import java.time.Duration;
import java.util.Objects;

/**
 * What {@link LinearizabilityChecker#check} decided.
 *
 * @param verdict the decision
 * @param explanation for {@link Verdict#NOT_LINEARIZABLE}: the partition that failed, the longest
 *     linearizable prefix found and the operations that could not be placed after it; for {@link
 *     Verdict#TIMEOUT}: which partition ran out of time; else empty
 * @param elapsed how long the check took
 */
public record CheckResult(Verdict verdict, String explanation, Duration elapsed) {
  public enum Verdict {
    /** Every partition has a linearization. */
    LINEARIZABLE,
    /** Some partition has none: the history is certainly not linearizable. */
    NOT_LINEARIZABLE,
    /** The time budget ran out before a decision: not a pass. */
    TIMEOUT
  }

  public CheckResult {
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(explanation, "explanation");
    Objects.requireNonNull(elapsed, "elapsed");
  }

  public boolean isLinearizable() {
    return verdict == Verdict.LINEARIZABLE;
  }

  /** Throws an {@link AssertionError} with the explanation unless {@link Verdict#LINEARIZABLE} (a timeout fails too). */
  public CheckResult assertLinearizable() {
    if (verdict != Verdict.LINEARIZABLE) {
      throw new AssertionError(this);
    }
    return this;
  }

  @Override
  public String toString() {
    return verdict + " (checked in " + elapsed.toMillis() + " ms)" + (explanation.isEmpty() ? "" : "\n" + explanation);
  }
}
