package io.cairn.coordination.linearizability;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Keyed counters starting at 0: {@link Add}{@code (key, delta)} &rarr; the new value, {@link
 * ReadCounter}{@code (key)} &rarr; the value (outputs are {@code Long}, {@code null} when the
 * outcome is unknown). Partitioned by key; the state is one counter's value.
 */
public final class CounterModel implements Model<Long, CounterModel.Op, Long> {
  /** An operation on one counter. */
  public sealed interface Op permits Add, ReadCounter {
    String key();
  }

  public record Add(String key, long delta) implements Op {
    public Add {
      Objects.requireNonNull(key, "key");
    }

    @Override
    public String toString() {
      return "add(" + key + ", " + delta + ")";
    }
  }

  public record ReadCounter(String key) implements Op {
    public ReadCounter {
      Objects.requireNonNull(key, "key");
    }

    @Override
    public String toString() {
      return "readCounter(" + key + ")";
    }
  }

  @Override
  public Long init() {
    return 0L;
  }

  @Override
  public Optional<Long> step(Long state, Op input, Long output) {
    long after = input instanceof Add add ? state + add.delta() : state;
    return output == null || output == after ? Optional.of(after) : Optional.empty();
  }

  @Override
  public Map<String, History<Op, Long>> partition(History<Op, Long> history) {
    return history.filter(op -> !(op.outcomeUnknown() && op.input() instanceof ReadCounter)).partitionBy(Op::key);
  }
}
