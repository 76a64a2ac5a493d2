package io.cairn.coordination.linearizability;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Cairn's keyed registers: a map from key to an optional string value, each key an independent
 * register (the history is {@link #partition partitioned} by key; the state is one key's value).
 *
 * <p>Inputs and the outputs a client records for them ({@code null} when the outcome is unknown):
 *
 * <ul>
 *   <li>{@link Read}{@code (key)} &rarr; {@code Optional<String>}: the value, empty if absent;
 *   <li>{@link Write}{@code (key, value)} &rarr; any non-null output (e.g. {@code Boolean.TRUE}): ok;
 *   <li>{@link Cas}{@code (key, expected, value)} &rarr; {@code Boolean}: set {@code value} iff the
 *       current value is {@code expected}. The HTTP API compares versions; test clients only use a
 *       version read together with a unique value, so comparing by value is the same;
 *   <li>{@link Delete}{@code (key)} &rarr; {@code Boolean}: whether the key existed;
 *   <li>{@link Create}{@code (key, value)} &rarr; {@code Boolean}: set iff the key is absent.
 * </ul>
 *
 * Values written by tests must be unique, so that a read tells which write it saw. Reads with an
 * unknown outcome say nothing and are dropped before checking.
 */
public final class RegisterModel implements Model<Optional<String>, RegisterModel.Op, Object> {
  /** What {@link #partition} writes in place of a value that was never read nor expected (shown in explanations). */
  public static final String NEVER_READ = "<a value never read>";

  /** An operation on one key. */
  public sealed interface Op permits Read, Write, Cas, Delete, Create {
    String key();
  }

  public record Read(String key) implements Op {
    public Read {
      Objects.requireNonNull(key, "key");
    }

    @Override
    public String toString() {
      return "read(" + key + ")";
    }
  }

  public record Write(String key, String value) implements Op {
    public Write {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      return "write(" + key + ", " + value + ")";
    }
  }

  public record Cas(String key, String expected, String value) implements Op {
    public Cas {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(expected, "expected");
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      return "cas(" + key + ", " + expected + " -> " + value + ")";
    }
  }

  public record Delete(String key) implements Op {
    public Delete {
      Objects.requireNonNull(key, "key");
    }

    @Override
    public String toString() {
      return "delete(" + key + ")";
    }
  }

  public record Create(String key, String value) implements Op {
    public Create {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      return "create(" + key + ", " + value + ")";
    }
  }

  @Override
  public Optional<String> init() {
    return Optional.empty();
  }

  @Override
  public Optional<Optional<String>> step(Optional<String> state, Op input, Object output) {
    if (input instanceof Read) {
      if (output != null && !(output instanceof Optional)) {
        throw new IllegalArgumentException("the output of " + input + " is an Optional<String>, not " + output);
      }
      return output == null || output.equals(state) ? Optional.of(state) : Optional.empty();
    }
    if (input instanceof Write w) {
      return Optional.of(Optional.of(w.value()));
    }
    if (input instanceof Cas c) {
      boolean matches = state.isPresent() && state.get().equals(c.expected());
      return outcome(input, output, matches, Optional.of(c.value()), state);
    }
    if (input instanceof Delete) {
      return outcome(input, output, state.isPresent(), Optional.empty(), state);
    }
    Create c = (Create) input;
    return outcome(input, output, state.isEmpty(), Optional.of(c.value()), state);
  }

  /** An operation that succeeds (returns true, state becomes {@code ifApplied}) iff {@code applies}. */
  private static Optional<Optional<String>> outcome(Op input, Object output, boolean applies,
      Optional<String> ifApplied, Optional<String> state) {
    if (output != null && !(output instanceof Boolean)) {
      throw new IllegalArgumentException("the output of " + input + " is a Boolean, not " + output);
    }
    if (output != null && (Boolean) output != applies) {
      return Optional.empty();
    }
    return Optional.of(applies ? ifApplied : state);
  }

  /**
   * One partition per key. Reads with an unknown outcome are dropped. A value that no read returned
   * and no CAS expected is replaced by {@link #NEVER_READ} in the writes, creates and CASes that set
   * it: such values are told apart by no operation, so this changes no verdict, and the states and
   * the operations with an unknown outcome become equal, which the checker exploits.
   */
  @Override
  public Map<String, History<Op, Object>> partition(History<Op, Object> history) {
    Set<String> observed = new HashSet<>();
    for (Operation<Op, Object> op : history.operations()) {
      if (op.input() instanceof Read && op.output() instanceof Optional<?> value) {
        value.ifPresent(v -> observed.add((String) v));
      } else if (op.input() instanceof Cas c) {
        observed.add(c.expected());
      }
    }
    List<Operation<Op, Object>> ops = new ArrayList<>(history.size());
    for (Operation<Op, Object> op : history.operations()) {
      if (op.outcomeUnknown() && op.input() instanceof Read) {
        continue;
      }
      Op input = observed.contains(NEVER_READ) ? op.input() : withoutUnobservedValue(op.input(), observed);
      ops.add(new Operation<>(op.clientId(), input, op.output(), op.callNanos(), op.returnNanos()));
    }
    return History.of(ops).partitionBy(Op::key);
  }

  private static Op withoutUnobservedValue(Op input, Set<String> observed) {
    if (input instanceof Write w && !observed.contains(w.value())) {
      return new Write(w.key(), NEVER_READ);
    }
    if (input instanceof Create c && !observed.contains(c.value())) {
      return new Create(c.key(), NEVER_READ);
    }
    if (input instanceof Cas c && !observed.contains(c.value())) {
      return new Cas(c.key(), c.expected(), NEVER_READ);
    }
    return input;
  }
}
