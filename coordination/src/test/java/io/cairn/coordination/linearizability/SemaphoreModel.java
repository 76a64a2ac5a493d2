package io.cairn.coordination.linearizability;

import io.cairn.coordination.machine.PrimitiveResult.NoPermits;
import io.cairn.coordination.machine.PrimitiveResult.NotHeld;
import io.cairn.coordination.machine.PrimitiveResult.PermitsGranted;
import io.cairn.coordination.machine.PrimitiveResult.PermitsReleased;
import io.cairn.coordination.machine.Primitives.Permits;
import io.cairn.coordination.machine.Primitives.SemaphoreView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Cairn's counting semaphores ({@code Primitives}), acquired without waiting (so nobody ever waits
 * in their queues): one semaphore per partition, its limit fixed per name when the model is made,
 * sessions that live until they are closed.
 *
 * <p>Inputs and their outputs ({@code null} when the outcome is unknown):
 *
 * <ul>
 *   <li>{@link AcquirePermits}{@code (semaphore, session, n)} &rarr; {@code PermitsGranted(held)}
 *       (the session's permits after), {@code NoPermits(available, limit)} or {@code NoSession};
 *   <li>{@link ReleasePermits}{@code (semaphore, session, n)} &rarr; {@code
 *       PermitsReleased(held)}, {@code NotHeld(held)} (it holds fewer than n) or {@code NoSession};
 *   <li>{@link SemaphoreStatus}{@code (semaphore)} &rarr; {@code Optional<SemaphoreView>}: empty
 *       when nobody holds a permit; otherwise the limit, the permits free, the holders by session
 *       and no waiters;
 *   <li>{@link CloseSession}{@code (session)} &rarr; {@code SessionClosed} or {@code NoSession}:
 *       its permits go back.
 * </ul>
 *
 * Every answer is checked exactly: the state is the permits each session holds.
 */
public final class SemaphoreModel implements Model<SemaphoreModel.State, SemaphoreModel.Op, Object> {
  private final Map<String, Integer> limits;

  /** Semaphores with these limits (by name); an operation on another name is an error. */
  public SemaphoreModel(Map<String, Integer> limits) {
    this.limits = Map.copyOf(limits);
  }

  /** An operation on semaphores. */
  public sealed interface Op permits AcquirePermits, ReleasePermits, SemaphoreStatus, CloseSession {}

  /** An acquire with a zero wait. */
  public record AcquirePermits(String semaphore, long session, int permits) implements Op {
    public AcquirePermits {
      Objects.requireNonNull(semaphore, "semaphore");
    }

    @Override
    public String toString() {
      return "acquire(" + semaphore + ", session " + session + ", " + permits + ")";
    }
  }

  public record ReleasePermits(String semaphore, long session, int permits) implements Op {
    public ReleasePermits {
      Objects.requireNonNull(semaphore, "semaphore");
    }

    @Override
    public String toString() {
      return "release(" + semaphore + ", session " + session + ", " + permits + ")";
    }
  }

  public record SemaphoreStatus(String semaphore) implements Op {
    public SemaphoreStatus {
      Objects.requireNonNull(semaphore, "semaphore");
    }

    @Override
    public String toString() {
      return "status(" + semaphore + ")";
    }
  }

  /** One semaphore: the permits each session holds (none listed with 0), and the sessions closed so far. */
  public record State(Map<Long, Integer> held, Set<Long> closed) {
    public State {
      held = Map.copyOf(held);
      closed = Set.copyOf(closed);
    }

    int used() {
      return held.values().stream().mapToInt(Integer::intValue).sum();
    }

    State with(long session, int permits) {
      Map<Long, Integer> h = new TreeMap<>(held);
      if (permits == 0) {
        h.remove(session);
      } else {
        h.put(session, permits);
      }
      return new State(h, closed);
    }

    @Override
    public String toString() {
      return "held " + new TreeMap<>(held) + (closed.isEmpty() ? "" : ", closed " + closed);
    }
  }

  @Override
  public State init() {
    return new State(Map.of(), Set.of());
  }

  @Override
  public Optional<State> step(State s, Op input, Object output) {
    if (input instanceof CloseSession c) {
      return close(s, c.session(), output);
    }
    if (input instanceof SemaphoreStatus status) {
      return view(s, status.semaphore()).equals(output) ? Optional.of(s) : Optional.empty();
    }
    long session = input instanceof AcquirePermits a ? a.session() : ((ReleasePermits) input).session();
    if (s.closed().contains(session)) {
      return CloseSession.byClosedSession(s, session, output);
    }
    int held = s.held().getOrDefault(session, 0);
    Object answer;
    State after;
    if (input instanceof AcquirePermits a) {
      int limit = limitOf(a.semaphore());
      int available = limit - s.used();
      boolean fits = a.permits() <= available;
      answer = fits ? new PermitsGranted(held + a.permits()) : new NoPermits(available, limit);
      after = fits ? s.with(session, held + a.permits()) : s;
    } else {
      ReleasePermits r = (ReleasePermits) input;
      boolean holds = r.permits() <= held;
      answer = holds ? new PermitsReleased(held - r.permits()) : new NotHeld(held);
      after = holds ? s.with(session, held - r.permits()) : s;
    }
    return output == null || output.equals(answer) ? Optional.of(after) : Optional.empty();
  }

  private Optional<SemaphoreView> view(State s, String name) {
    if (s.held().isEmpty()) {
      return Optional.empty();
    }
    List<Permits> holders = new ArrayList<>();
    new TreeMap<>(s.held()).forEach((id, n) -> holders.add(new Permits(id, n)));
    int limit = limitOf(name);
    return Optional.of(new SemaphoreView(name, limit, limit - s.used(), holders, List.of()));
  }

  private int limitOf(String name) {
    Integer limit = limits.get(name);
    if (limit == null) {
      throw new IllegalArgumentException("no limit given for semaphore " + name);
    }
    return limit;
  }

  private static Optional<State> close(State s, long session, Object output) {
    return CloseSession.step(s.closed(), session, output).map(closed -> new State(s.with(session, 0).held(), closed));
  }

  /**
   * One partition per semaphore, each with every {@link CloseSession} (see there); status reads
   * with an unknown outcome are dropped.
   */
  @Override
  public Map<String, History<Op, Object>> partition(History<Op, Object> history) {
    return CloseSession.partition(history, SemaphoreModel::semaphoreOf,
        op -> op.outcomeUnknown() && op.input() instanceof SemaphoreStatus);
  }

  private static String semaphoreOf(Op op) {
    if (op instanceof AcquirePermits a) {
      return a.semaphore();
    }
    if (op instanceof ReleasePermits r) {
      return r.semaphore();
    }
    return op instanceof SemaphoreStatus s ? s.semaphore() : null;
  }
}
