package io.cairn.coordination.linearizability;

import io.cairn.coordination.machine.PrimitiveResult.Busy;
import io.cairn.coordination.machine.PrimitiveResult.Conflict;
import io.cairn.coordination.machine.PrimitiveResult.Granted;
import io.cairn.coordination.machine.PrimitiveResult.Released;
import io.cairn.coordination.machine.Primitives.LockView;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Cairn's fenced, reentrant locks ({@code Primitives}), as tried without waiting: one lock per
 * partition, sessions that live until they are closed (tests keep them alive; lease expiry and
 * lock delays are tested elsewhere, so a {@code Delayed} answer never fits), no waiters.
 *
 * <p>Inputs and their outputs ({@code null} when the outcome is unknown):
 *
 * <ul>
 *   <li>{@link TryAcquire}{@code (lock, session)}, an acquire with a zero wait &rarr; {@code
 *       Granted(token, count)}, {@code Busy(holder, token)} or {@code NoSession};
 *   <li>{@link Release}{@code (lock, session, token)} &rarr; {@code Released(remaining)}, {@code
 *       Conflict(holder, token)} ({@code 0, 0} when free) or {@code NoSession};
 *   <li>{@link Status}{@code (lock)} &rarr; {@code Optional<LockView>}: empty when free;
 *   <li>{@link CloseSession}{@code (session)} &rarr; {@code SessionClosed} or {@code NoSession}:
 *       releases the session's lock.
 * </ul>
 *
 * <p><b>Tokens.</b> A token is the log index of the granting command, which the model cannot
 * predict; what it can check is that a new grant's token exceeds every token granted before. So the
 * state keeps a {@code floor} that every later grant must exceed: the holder's token while it is
 * known, the greatest token granted before otherwise. A {@code Granted(t, 1)} fits only a free lock
 * with {@code t > floor}; a reentrant {@code Granted} must carry the holder's token and count + 1;
 * every {@code Busy}, {@code Conflict} and status read must name the holder, its token and count
 * exactly.
 *
 * <p>A grant whose outcome is unknown leaves the holder's token unknown (0 in the state): the first
 * answer that names it (a reentrant grant, {@code Busy}, {@code Conflict}, a status read, a release)
 * fixes it, if it exceeds the floor. If the lock is released before any answer names it (a close),
 * the unknown token was at least floor + 1, so the floor becomes floor + 1. One assumption: a
 * release whose outcome is unknown is taken not to match an unknown token, which holds when clients
 * release only tokens they were granted (such a token is at most the floor once its grant is placed).
 */
public final class LockModel implements Model<LockModel.State, LockModel.Op, Object> {
  /** An operation on locks. */
  public sealed interface Op permits TryAcquire, Release, Status, CloseSession {}

  /** An acquire with a zero wait. */
  public record TryAcquire(String lock, long session) implements Op {
    public TryAcquire {
      Objects.requireNonNull(lock, "lock");
    }

    @Override
    public String toString() {
      return "tryAcquire(" + lock + ", session " + session + ")";
    }
  }

  public record Release(String lock, long session, long token) implements Op {
    public Release {
      Objects.requireNonNull(lock, "lock");
    }

    @Override
    public String toString() {
      return "release(" + lock + ", session " + session + ", token " + token + ")";
    }
  }

  public record Status(String lock) implements Op {
    public Status {
      Objects.requireNonNull(lock, "lock");
    }

    @Override
    public String toString() {
      return "status(" + lock + ")";
    }
  }

  /**
   * One lock: its holder (0 when free), the holder's token (0 when free, or held with a token no
   * answer has named yet), its count, the floor every later token must exceed, and the sessions
   * closed so far.
   */
  public record State(long holder, long token, int count, long floor, Set<Long> closed) {
    public State {
      closed = Set.copyOf(closed);
    }

    State free(long newFloor) {
      return new State(0, 0, 0, newFloor, closed);
    }

    /** The lock with its token named {@code t} (when it was unknown); empty when {@code t} cannot be it. */
    Optional<State> named(long t) {
      if (token != 0) {
        return t == token ? Optional.of(this) : Optional.empty();
      }
      return t > floor ? Optional.of(new State(holder, t, count, t, closed)) : Optional.empty();
    }

    @Override
    public String toString() {
      String lock = holder == 0 ? "free" : "held by " + holder + " (token " + (token == 0 ? "?" : token)
          + ", count " + count + ")";
      return lock + ", tokens > " + floor + (closed.isEmpty() ? "" : ", closed " + closed);
    }
  }

  @Override
  public State init() {
    return new State(0, 0, 0, 0, Set.of());
  }

  @Override
  public Optional<State> step(State s, Op input, Object output) {
    if (input instanceof CloseSession c) {
      return close(s, c.session(), output);
    }
    if (input instanceof Status) {
      return status(s, output);
    }
    long session = input instanceof TryAcquire a ? a.session() : ((Release) input).session();
    if (s.closed().contains(session)) {
      return CloseSession.byClosedSession(s, session, output);
    }
    return input instanceof TryAcquire ? tryAcquire(s, session, output) : release(s, (Release) input, output);
  }

  private static Optional<State> tryAcquire(State s, long session, Object output) {
    if (s.holder() == 0) {
      if (output == null) {
        return Optional.of(new State(session, 0, 1, s.floor(), s.closed()));
      }
      return output instanceof Granted g && g.count() == 1 && g.token() > s.floor()
          ? Optional.of(new State(session, g.token(), 1, g.token(), s.closed())) : Optional.empty();
    }
    if (s.holder() == session) {
      State more = new State(session, s.token(), s.count() + 1, s.floor(), s.closed());
      if (output == null) {
        return Optional.of(more);
      }
      return output instanceof Granted g && g.count() == more.count() ? more.named(g.token()) : Optional.empty();
    }
    if (output == null) {
      return Optional.of(s);
    }
    return output instanceof Busy b && b.holderSession() == s.holder() ? s.named(b.token()) : Optional.empty();
  }

  private static Optional<State> release(State s, Release r, Object output) {
    boolean holds = s.holder() == r.session() && s.token() != 0 && s.token() == r.token();
    if (output == null) {
      return Optional.of(holds ? released(s) : s);
    }
    if (output instanceof Released done) {
      return s.holder() == r.session() && done.remainingCount() == s.count() - 1
          ? s.named(r.token()).map(LockModel::released) : Optional.empty();
    }
    if (output instanceof Conflict c) {
      if (s.holder() == 0) {
        return c.holderSession() == 0 && c.token() == 0 ? Optional.of(s) : Optional.empty();
      }
      if (c.holderSession() != s.holder() || (c.holderSession() == r.session() && c.token() == r.token())) {
        return Optional.empty();
      }
      return s.named(c.token());
    }
    return Optional.empty();
  }

  /** {@code s} after its holder released it once (with the right token, so the token is known). */
  private static State released(State s) {
    return s.count() > 1 ? new State(s.holder(), s.token(), s.count() - 1, s.floor(), s.closed())
        : s.free(s.token());
  }

  private static Optional<State> status(State s, Object output) {
    if (!(output instanceof Optional<?> view)) {
      throw new IllegalArgumentException("the output of a status read is an Optional<LockView>, not " + output);
    }
    if (view.isEmpty()) {
      return s.holder() == 0 ? Optional.of(s) : Optional.empty();
    }
    LockView v = (LockView) view.get();
    if (s.holder() == 0 || v.holderSession() != s.holder() || v.count() != s.count() || !v.waiters().isEmpty()
        || v.delayRemainingMillis() != 0) {
      return Optional.empty();
    }
    return s.named(v.token());
  }

  private static Optional<State> close(State s, long session, Object output) {
    return CloseSession.step(s.closed(), session, output).map(closed -> {
      State after = new State(s.holder(), s.token(), s.count(), s.floor(), closed);
      if (s.holder() != session || closed.equals(s.closed())) {
        return after;
      }
      return after.free(s.token() != 0 ? s.token() : s.floor() + 1);
    });
  }

  /**
   * One partition per lock, each with every {@link CloseSession} (see there); status reads with an
   * unknown outcome are dropped.
   */
  @Override
  public Map<String, History<Op, Object>> partition(History<Op, Object> history) {
    return CloseSession.partition(history, LockModel::lockOf,
        op -> op.outcomeUnknown() && op.input() instanceof Status);
  }

  private static String lockOf(Op op) {
    if (op instanceof TryAcquire a) {
      return a.lock();
    }
    if (op instanceof Release r) {
      return r.lock();
    }
    return op instanceof Status s ? s.lock() : null;
  }
}
