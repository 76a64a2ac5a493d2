package io.cairn.coordination.linearizability;

import java.util.Map;
import java.util.Optional;

/**
 * A sequential specification: what a single, atomic copy of the object would answer. The checker
 * asks whether a concurrent {@link History} is equivalent to some sequential run of this model that
 * respects real-time order.
 *
 * <p>States must be immutable values with {@code equals} and {@code hashCode} (records, {@code
 * Optional}, {@code Long}, ...): the checker memoizes (set of linearized operations, state) pairs
 * and prunes a branch that reaches a pair it has seen.
 *
 * <p>To model a keyed store, let {@link #partition} split the history by key and let the state be
 * the state of one key (see {@link RegisterModel} and {@link CounterModel}).
 *
 * @param <S> state
 * @param <I> input of an operation
 * @param <O> output of an operation
 */
public interface Model<S, I, O> {
  /** The state before any operation. */
  S init();

  /**
   * Applies {@code input} to {@code state}: the state after, if {@code output} is what the object
   * would answer in {@code state}, else empty.
   *
   * <p>{@code output == null} means the outcome is unknown: return the state after the operation
   * as it would go in {@code state} (a CAS with unknown outcome succeeds iff its expectation matches
   * {@code state}); never reject it. That it may not have taken effect at all is the checker's
   * business (it may leave it out).
   */
  Optional<S> step(S state, I input, O output);

  /**
   * Splits a history into independent sub-histories, each checked on its own from {@link #init()},
   * named by key for the explanation of a failure. By default the whole history is one partition.
   */
  default Map<?, History<I, O>> partition(History<I, O> history) {
    return Map.of("(whole history)", history);
  }
}
