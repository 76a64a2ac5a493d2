package io.cairn.coordination.linearizability;

import io.cairn.coordination.machine.PrimitiveResult.NoSession;
import io.cairn.coordination.machine.PrimitiveResult.SessionClosed;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A session closes ({@code PrimitiveService.closeSession}) &rarr; {@code SessionClosed} when it was
 * live, {@code NoSession} when it had ended: every lock it held is released at once (a close passes
 * a lock on with no lock delay) and every permit it held goes back. An operation of both {@link
 * LockModel} and {@link SemaphoreModel}: record it in each history.
 *
 * <p>A close touches every lock and semaphore, so it is copied into every partition ({@link
 * #partition}), and each object is checked with its own view of it. That is weaker than checking
 * all objects together: the checker may place the close at a different point in each partition.
 */
public record CloseSession(long session) implements LockModel.Op, SemaphoreModel.Op {
  @Override
  public String toString() {
    return "close(session " + session + ")";
  }

  /**
   * The sessions closed after closing {@code session} with answer {@code output} ({@code null}:
   * unknown) when {@code closed} were closed before: the same set when it was closed already (it
   * answers {@code NoSession}), one more when it was live ({@code SessionClosed}); empty when the
   * answer does not fit.
   */
  static Optional<Set<Long>> step(Set<Long> closed, long session, Object output) {
    boolean live = !closed.contains(session);
    if (output != null && !output.equals(live ? new SessionClosed(session) : new NoSession(session))) {
      return Optional.empty();
    }
    if (!live) {
      return Optional.of(closed);
    }
    Set<Long> after = new HashSet<>(closed);
    after.add(session);
    return Optional.of(Set.copyOf(after));
  }

  /** The step of an operation by a session that was closed: it answers {@code NoSession} and changes nothing. */
  static <S> Optional<S> byClosedSession(S state, long session, Object output) {
    return output == null || output.equals(new NoSession(session)) ? Optional.of(state) : Optional.empty();
  }

  /**
   * Splits {@code history} by the name of the object each operation touches ({@code name} is null
   * for a {@link CloseSession}, which goes into every partition), after dropping the operations
   * {@code drop} selects (reads with an unknown outcome, which say nothing).
   */
  static <I, O> Map<String, History<I, O>> partition(History<I, O> history, Function<I, String> name,
      Predicate<Operation<I, O>> drop) {
    Map<String, List<Operation<I, O>>> parts = new LinkedHashMap<>();
    List<Operation<I, O>> closes = new ArrayList<>();
    for (Operation<I, O> op : history.operations()) {
      if (drop.test(op)) {
        continue;
      }
      String key = name.apply(op.input());
      if (key == null) {
        closes.add(op);
      } else {
        parts.computeIfAbsent(key, k -> new ArrayList<>()).add(op);
      }
    }
    Map<String, History<I, O>> result = new LinkedHashMap<>();
    parts.forEach((key, ops) -> {
      ops.addAll(closes);
      result.put(key, History.of(ops));
    });
    return result;
  }
}
