package io.cairn.api;

import io.cairn.coordination.CoordinationException;
import io.cairn.coordination.PrimitiveService;
import io.cairn.coordination.machine.PrimitiveCommand;
import io.cairn.coordination.machine.PrimitiveEvent;
import io.cairn.coordination.machine.PrimitiveEvent.LeaderChanged;
import io.cairn.coordination.machine.PrimitiveResult;
import io.cairn.coordination.machine.Primitives;
import io.cairn.coordination.machine.Primitives.ElectionView;
import io.cairn.coordination.machine.Primitives.LockView;
import io.cairn.coordination.machine.Primitives.SemaphoreView;
import io.cairn.coordination.machine.Primitives.SessionView;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The primitives state machine applied in process, in place of a coordination group, for the HTTP
 * layer's tests: the commands, results and events are the real ones, only the log is missing
 * (commands get increasing indices). Time moves only when the test calls {@link #tick}. Long
 * polls follow {@link PrimitiveService}'s contract: a queued request waits for its grant (an event
 * the machine drains), for its session's end, or for a Vert.x timer; when the timer fires, the
 * request leaves its queue by applying CancelWait, Resign(0) or CancelPermits, and the call
 * completes with that command's answer. {@link #failWith} makes every call fail as a group
 * without a leader (or with a lost answer) would.
 *
 * <p>Thread-safe by a monitor; every answer completes on the caller's context.
 */
public final class LocalPrimitives implements PrimitiveService {
  private final Vertx vertx;
  private final Primitives machine = new Primitives();
  private final List<Waiter> waiters = new ArrayList<>();
  private final Map<String, List<LeaderChanged>> history = new HashMap<>();
  private final Map<String, Long> forgottenBefore = new HashMap<>();
  private long index;
  private volatile CoordinationException failure;

  /** A long poll: done when {@code wakes} matches an event, then answered by {@code answer}. */
  private final class Waiter {
    final Context context;
    final Promise<Object> promise = Promise.promise();
    final Predicate<PrimitiveEvent> wakes;
    final Function<PrimitiveEvent, Object> answer;
    long timer = -1;
    boolean done;

    Waiter(Predicate<PrimitiveEvent> wakes, Function<PrimitiveEvent, Object> answer) {
      this.context = Vertx.currentContext();
      this.wakes = wakes;
      this.answer = answer;
    }
  }

  public LocalPrimitives(Vertx vertx) {
    this.vertx = vertx;
  }

  public void failWith(CoordinationException.Kind kind) {
    failure = kind == null ? null : new CoordinationException(kind, "no leader (a test)", Duration.ofSeconds(1));
  }

  /** Moves the machine's clock: sessions past their TTL expire, lock delays end. */
  public synchronized void tick(long elapsedMillis) {
    apply(new PrimitiveCommand.Tick(elapsedMillis));
  }

  /** Forgets the changes of {@code election} up to {@code revision}, as a group that compacted its log. */
  public synchronized void forgetHistory(String election, long revision) {
    List<LeaderChanged> changes = history.getOrDefault(election, new ArrayList<>());
    LeaderChanged newest = changes.isEmpty() ? null : changes.get(changes.size() - 1);
    // the changes after the newest one are all remembered (there are none)
    forgottenBefore.merge(election, newest == null ? revision : Math.min(revision, newest.index()), Math::max);
    changes.removeIf(c -> c.index() <= revision && c != newest); // the group always knows the election as it is
  }

  // ---- sessions ----

  @Override
  public Future<PrimitiveResult> createSession(long ttlMillis) {
    return command(new PrimitiveCommand.CreateSession(ttlMillis));
  }

  @Override
  public Future<PrimitiveResult> keepAlive(long sessionId) {
    return command(new PrimitiveCommand.KeepAlive(List.of(sessionId)));
  }

  @Override
  public Future<PrimitiveResult> closeSession(long sessionId) {
    return command(new PrimitiveCommand.CloseSession(sessionId));
  }

  @Override
  public synchronized Future<Optional<SessionView>> session(long sessionId) {
    return read(() -> machine.session(sessionId));
  }

  // ---- locks ----

  @Override
  public Future<PrimitiveResult> acquire(String lock, long sessionId, Duration wait, long lockDelayMillis) {
    return waitable(new PrimitiveCommand.Acquire(lock, sessionId, wait.toMillis() > 0, lockDelayMillis), wait, sessionId,
        e -> e instanceof PrimitiveEvent.LockGranted g && g.lock().equals(lock) && g.sessionId() == sessionId,
        e -> new PrimitiveResult.Granted(((PrimitiveEvent.LockGranted) e).token(), 1),
        () -> {
          PrimitiveResult c = apply(new PrimitiveCommand.CancelWait(lock, sessionId));
          return c instanceof PrimitiveResult.NotWaiting n && n.heldToken() != 0
              ? new PrimitiveResult.Granted(n.heldToken(), machine.lock(lock).map(LockView::count).orElse(1)) : c;
        });
  }

  @Override
  public Future<PrimitiveResult> release(String lock, long sessionId, long token) {
    return command(new PrimitiveCommand.Release(lock, sessionId, token));
  }

  @Override
  public synchronized Future<Optional<LockView>> lock(String name) {
    return read(() -> machine.lock(name));
  }

  // ---- elections ----

  @Override
  public Future<PrimitiveResult> campaign(String election, long sessionId, String value, Duration wait) {
    return waitable(new PrimitiveCommand.Campaign(election, sessionId, value), wait, sessionId,
        e -> e instanceof LeaderChanged c && c.election().equals(election) && c.leaderSession() == sessionId,
        e -> new PrimitiveResult.Elected(((LeaderChanged) e).token()),
        () -> {
          PrimitiveResult c = apply(new PrimitiveCommand.Resign(election, sessionId, 0));
          return c instanceof PrimitiveResult.NotWaiting n && n.heldToken() != 0 ? new PrimitiveResult.Elected(n.heldToken()) : c;
        });
  }

  @Override
  public Future<PrimitiveResult> proclaim(String election, long sessionId, long token, String value) {
    return command(new PrimitiveCommand.Proclaim(election, sessionId, token, value));
  }

  @Override
  public Future<PrimitiveResult> resign(String election, long sessionId, long token) {
    return command(new PrimitiveCommand.Resign(election, sessionId, token));
  }

  @Override
  public synchronized Future<Optional<ElectionView>> election(String name) {
    return read(() -> machine.election(name));
  }

  @Override
  public synchronized Future<ElectionChanges> observe(String election, long after, Duration wait) {
    if (failure != null) {
      return Future.failedFuture(failure);
    }
    ElectionChanges now = changes(election, after);
    if (!now.changes().isEmpty() || wait.toMillis() <= 0) {
      return Future.succeededFuture(now);
    }
    Waiter w = new Waiter(e -> e instanceof LeaderChanged c && c.election().equals(election),
        e -> changes(election, after));
    return arm(w, wait, () -> changes(election, after)).map(o -> (ElectionChanges) o);
  }

  /** Every change after {@code after}, or (when some are forgotten) the newest one, as a reset. */
  private ElectionChanges changes(String election, long after) {
    List<LeaderChanged> all = history.getOrDefault(election, List.of());
    if (after < forgottenBefore.getOrDefault(election, 0L)) {
      LeaderChanged newest = all.isEmpty() ? null : all.get(all.size() - 1);
      return newest == null ? new ElectionChanges(List.of(), false) : new ElectionChanges(List.of(newest), true);
    }
    return new ElectionChanges(all.stream().filter(c -> c.index() > after).toList(), false);
  }

  // ---- semaphores ----

  @Override
  public Future<PrimitiveResult> acquirePermits(String semaphore, long sessionId, int permits, int limit,
      Duration wait) {
    return waitable(new PrimitiveCommand.AcquirePermits(semaphore, sessionId, permits, limit, wait.toMillis() > 0), wait,
        sessionId,
        e -> e instanceof PrimitiveEvent.PermitsGranted g && g.semaphore().equals(semaphore) && g.sessionId() == sessionId,
        e -> new PrimitiveResult.PermitsGranted(held(semaphore, sessionId)),
        () -> {
          PrimitiveResult c = apply(new PrimitiveCommand.CancelPermits(semaphore, sessionId));
          return c instanceof PrimitiveResult.NotWaiting ? new PrimitiveResult.PermitsGranted(held(semaphore, sessionId)) : c;
        });
  }

  private int held(String semaphore, long sessionId) {
    return machine.semaphore(semaphore).stream().flatMap(s -> s.holders().stream())
        .filter(p -> p.session() == sessionId).mapToInt(Primitives.Permits::permits).sum();
  }

  @Override
  public Future<PrimitiveResult> releasePermits(String semaphore, long sessionId, int permits) {
    return command(new PrimitiveCommand.ReleasePermits(semaphore, sessionId, permits));
  }

  @Override
  public synchronized Future<Optional<SemaphoreView>> semaphore(String name) {
    return read(() -> machine.semaphore(name));
  }

  // ---- the machine ----

  private synchronized Future<PrimitiveResult> command(PrimitiveCommand c) {
    return failure != null ? Future.failedFuture(failure) : Future.succeededFuture(apply(c));
  }

  private <T> Future<T> read(Supplier<T> read) {
    return failure != null ? Future.failedFuture(failure) : Future.succeededFuture(read.get());
  }

  /** Applies one command at the next index, then wakes the long polls its events concern. */
  private PrimitiveResult apply(PrimitiveCommand c) {
    PrimitiveResult r = PrimitiveResult.decode(machine.apply(++index, c.encode()));
    for (PrimitiveEvent e : machine.drainEvents()) {
      if (e instanceof LeaderChanged changed) {
        history.computeIfAbsent(changed.election(), k -> new ArrayList<>()).add(changed);
      }
      for (Waiter w : List.copyOf(waiters)) {
        if (w.wakes.test(e)) {
          finish(w, w.answer.apply(e));
        }
      }
    }
    return r;
  }

  /**
   * Applies {@code command}; if it queued the request and there is a wait, a long poll: done at
   * its grant ({@code granted}, answered by {@code grant}), with NoSession when its session
   * expires, or with {@code leave}'s answer (it leaves the queue) when the wait runs out.
   */
  private synchronized Future<PrimitiveResult> waitable(PrimitiveCommand command, Duration wait, long sessionId,
      Predicate<PrimitiveEvent> granted, Function<PrimitiveEvent, Object> grant, Supplier<Object> leave) {
    if (failure != null) {
      return Future.failedFuture(failure);
    }
    PrimitiveResult r = apply(command);
    if (wait.toMillis() <= 0 || !(r instanceof PrimitiveResult.Queued)) {
      return Future.succeededFuture(r);
    }
    Waiter w = new Waiter(
        e -> granted.test(e) || ended(e, sessionId),
        e -> ended(e, sessionId) ? new PrimitiveResult.NoSession(sessionId) : grant.apply(e));
    return arm(w, wait, leave).map(o -> (PrimitiveResult) o);
  }

  /** Whether {@code e} ends session {@code sessionId} (and with it its waits). */
  private static boolean ended(PrimitiveEvent e, long sessionId) {
    return e instanceof PrimitiveEvent.SessionExpired x && x.sessionId() == sessionId
        || e instanceof PrimitiveEvent.SessionClosed c && c.sessionId() == sessionId;
  }

  private Future<Object> arm(Waiter w, Duration wait, Supplier<Object> onTimeout) {
    waiters.add(w);
    w.timer = vertx.setTimer(Math.max(1, wait.toMillis()), id -> {
      synchronized (this) {
        if (!w.done) {
          finish(w, failure != null ? failure : onTimeout.get());
        }
      }
    });
    return w.promise.future();
  }

  private void finish(Waiter w, Object answer) {
    if (w.done) {
      return;
    }
    w.done = true;
    waiters.remove(w);
    vertx.cancelTimer(w.timer);
    Runnable complete = () -> {
      if (answer instanceof Throwable t) {
        w.promise.fail(t);
      } else {
        w.promise.complete(answer);
      }
    };
    if (w.context == null) {
      complete.run();
    } else {
      w.context.runOnContext(v -> complete.run());
    }
  }
}
