package io.cairn.coordination.linearizability;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * An immutable concurrent history: the {@link Operation}s that clients called, with their call and
 * return times. Record one with a {@link HistoryRecorder}; write one by hand with {@link #builder()}.
 */
public final class History<I, O> {
  private final List<Operation<I, O>> operations;

  private History(List<Operation<I, O>> operations) {
    this.operations = List.copyOf(operations);
  }

  public static <I, O> History<I, O> of(Collection<Operation<I, O>> operations) {
    return new History<>(new ArrayList<>(operations));
  }

  public static <I, O> Builder<I, O> builder() {
    return new Builder<>();
  }

  /** The operations, in the order they were recorded (not necessarily by time). */
  public List<Operation<I, O>> operations() {
    return operations;
  }

  public int size() {
    return operations.size();
  }

  /** The operations that satisfy {@code keep}. */
  public History<I, O> filter(Predicate<? super Operation<I, O>> keep) {
    return new History<>(operations.stream().filter(keep).toList());
  }

  /**
   * Sub-histories by key, in the order the keys first appear; for {@link Model#partition}. Checking
   * them independently is sound when each operation touches one key and keys are independent
   * objects (linearizability is compositional, "P-compositionality").
   */
  public <K> Map<K, History<I, O>> partitionBy(Function<? super I, ? extends K> key) {
    Map<K, List<Operation<I, O>>> parts = new LinkedHashMap<>();
    for (Operation<I, O> op : operations) {
      parts.computeIfAbsent(key.apply(op.input()), k -> new ArrayList<>()).add(op);
    }
    Map<K, History<I, O>> result = new LinkedHashMap<>();
    parts.forEach((k, ops) -> result.put(k, new History<>(ops)));
    return result;
  }

  @Override
  public String toString() {
    return "History" + operations;
  }

  /** Builds a history by hand; times are in any unit (the explanation of a failure prints them as nanoseconds). */
  public static final class Builder<I, O> {
    private final List<Operation<I, O>> operations = new ArrayList<>();

    private Builder() {}

    /** An operation called at {@code call} that returned {@code output} at {@code ret}. */
    public Builder<I, O> ok(int clientId, I input, O output, long call, long ret) {
      operations.add(Operation.ok(clientId, input, output, call, ret));
      return this;
    }

    /** An operation called at {@code call} whose outcome is unknown. */
    public Builder<I, O> unknown(int clientId, I input, long call) {
      operations.add(Operation.unknown(clientId, input, call));
      return this;
    }

    public History<I, O> build() {
      return new History<>(operations);
    }
  }
}
