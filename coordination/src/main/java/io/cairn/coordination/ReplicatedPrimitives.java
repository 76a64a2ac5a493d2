package io.cairn.coordination;

import static io.cairn.coordination.machine.CoordinationState.PRIMITIVES;
import static io.cairn.coordination.machine.CoordinationState.to;

import io.cairn.coordination.CoordinationException.Kind;
import io.cairn.coordination.machine.CoordinationState;
import io.cairn.coordination.machine.PrimitiveCommand;
import io.cairn.coordination.machine.PrimitiveCommand.Acquire;
import io.cairn.coordination.machine.PrimitiveCommand.AcquirePermits;
import io.cairn.coordination.machine.PrimitiveCommand.Campaign;
import io.cairn.coordination.machine.PrimitiveCommand.CancelPermits;
import io.cairn.coordination.machine.PrimitiveCommand.CancelWait;
import io.cairn.coordination.machine.PrimitiveCommand.KeepAlive;
import io.cairn.coordination.machine.PrimitiveCommand.Resign;
import io.cairn.coordination.machine.PrimitiveCommand.Tick;
import io.cairn.coordination.machine.PrimitiveEvent;
import io.cairn.coordination.machine.PrimitiveQueries;
import io.cairn.coordination.machine.PrimitiveResult;
import io.cairn.coordination.machine.PrimitiveResult.Cancelled;
import io.cairn.coordination.machine.PrimitiveResult.Elected;
import io.cairn.coordination.machine.PrimitiveResult.Granted;
import io.cairn.coordination.machine.PrimitiveResult.KeptAlive;
import io.cairn.coordination.machine.PrimitiveResult.NoSession;
import io.cairn.coordination.machine.PrimitiveResult.NotWaiting;
import io.cairn.coordination.machine.PrimitiveResult.PermitsGranted;
import io.cairn.coordination.machine.PrimitiveResult.Queued;
import io.cairn.coordination.machine.Primitives;
import io.cairn.coordination.machine.Primitives.Changes;
import io.cairn.coordination.machine.Primitives.ElectionView;
import io.cairn.coordination.machine.Primitives.LockView;
import io.cairn.coordination.machine.Primitives.SemaphoreView;
import io.cairn.coordination.machine.Primitives.SessionView;
import io.cairn.coordination.machine.TickClock;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link PrimitiveService} of the coordination group, from any node, and the leader's duties
 * for it.
 *
 * <p><b>The clock.</b> While this node leads, every {@link #TICK_INTERVAL} it proposes a {@link
 * Tick} carrying what its {@link TickClock} says: the time elapsed on its monotonic clock since its
 * previous tick proposal in the same term, and 0 for its first tick of a term, as {@link
 * Primitives} requires (PrimitivesSimTest checks this rule under faults). It skips ticks while no
 * session lives and no lock delay runs ({@link Primitives#needsTime}); the next tick then counts
 * the time skipped, which charges no session (see {@link Primitives}).
 *
 * <p><b>Keepalives are batched.</b> While one keepalive command of this node is on its way to the
 * log, the keepalives that arrive meanwhile wait and then go together as one {@link KeepAlive}
 * entry, so a thousand clients renewing on one node cost a few log entries (and the leader's group
 * commit shares one fsync among all nodes' entries). This is safe because a renewal is counted
 * from the first tick after it is applied, never from when the client sent it (see {@link
 * Primitives}): holding a renewal back only makes its TTL start later, never earlier than the
 * client's own send time, which is all the client relies on.
 *
 * <p><b>Long polls wait at the leader.</b> An acquire, campaign or permit request with a wait is
 * first an ordinary command; when the machine puts it in line, the origin makes a {@link
 * Coordination#call} that waits at the leader on the machine's events (on the context that
 * applies, so no grant is missed) until it is granted, its session ends, or the wait runs out;
 * then the leader proposes the matching cancel (CancelWait, Resign with token 0, CancelPermits)
 * and answers with that: Cancelled when the request still waited, the grant when it was granted
 * meanwhile. If an answer is lost (the leader crashed or was cut off), the origin proposes the same
 * cancel through the new leader, so a long poll never ends in a line nobody waits for. Once the
 * request is known to be in line, the cancel's answer always tells the outcome; when the first
 * command's own answer was lost, it tells it unless the session holds the lock or permits (it
 * may have held them before, or a reentrant acquire may have counted once more): then, or when
 * the cancel fails too, the outcome is unknown. Observers of an election long-poll its changes
 * the same way.
 */
public final class ReplicatedPrimitives implements PrimitiveService {
  private static final Logger log = LoggerFactory.getLogger(ReplicatedPrimitives.class);
  /** How often the leader moves the logical clock. */
  public static final Duration TICK_INTERVAL = Duration.ofMillis(100);
  private static final Duration STATS_INTERVAL = Duration.ofSeconds(1);
  private static final byte AWAIT_GRANT = 1;
  private static final byte OBSERVE = 2;

  private final Coordination coordination;
  private final CoordinationState state;
  private final Vertx vertx;

  // On the coordination verticle's context only:
  private final Map<String, List<Waiter>> waiters = new HashMap<>();
  private final TickClock clock = TickClock.perTerm();
  private volatile Primitives.Stats stats = new Primitives().stats();

  // Keepalive batching, from any thread:
  private final Object batchLock = new Object();
  private List<Long> batchIds = new ArrayList<>();
  private List<Promise<PrimitiveResult>> batchPromises = new ArrayList<>();
  private boolean batchInFlight;

  /**
   * Serves the primitives of {@code state}, the machine {@code coordination} runs; call it before
   * the coordination verticle is deployed.
   */
  public ReplicatedPrimitives(Vertx vertx, Coordination coordination, CoordinationState state) {
    this.vertx = vertx;
    this.coordination = coordination;
    this.state = state;
    state.onEvents(this::onEvents);
    state.onRestore(this::recheckAll);
    coordination.serveCalls(PRIMITIVES, this::serve);
  }

  /**
   * Starts the leader's tick and a sampler of {@link #stats}; call it once the coordination verticle
   * is deployed.
   */
  public void start() {
    coordination.whileLeading(TICK_INTERVAL, this::tick);
    coordination.periodically(STATS_INTERVAL, () -> stats = state.primitives().stats());
  }

  /**
   * What this node's copy of the state holds, sampled every second (all zero on a node that holds
   * no copy: a non-voter).
   */
  public Primitives.Stats stats() {
    return stats;
  }

  /** What this node's copy has applied since it started. */
  public CoordinationState.Applied applied() {
    return state.applied();
  }

  // ------------------------------------------------------------------------------ the clock

  private void tick(long term) {
    if (clock.counting(term) && !state.primitives().needsTime()) {
      return;
    }
    long elapsed = clock.next(term, System.nanoTime());
    coordination.proposeHere(to(PRIMITIVES, new Tick(elapsed).encode()))
        .onFailure(e -> log.debug("a tick was not committed: {}", e.toString()));
  }

  // ------------------------------------------------------------------------------ sessions

  @Override
  public Future<PrimitiveResult> createSession(long ttlMillis) {
    return command(new PrimitiveCommand.CreateSession(ttlMillis));
  }

  @Override
  public Future<PrimitiveResult> keepAlive(long sessionId) {
    Promise<PrimitiveResult> p = Promise.promise();
    boolean send;
    synchronized (batchLock) {
      batchIds.add(sessionId);
      batchPromises.add(p);
      send = !batchInFlight;
      batchInFlight = true;
    }
    if (send) {
      sendKeepAlives();
    }
    return p.future();
  }

  private void sendKeepAlives() {
    List<Long> ids;
    List<Promise<PrimitiveResult>> promises;
    synchronized (batchLock) {
      if (batchIds.isEmpty()) {
        batchInFlight = false;
        return;
      }
      int n = Math.min(batchIds.size(), Primitives.MAX_KEEPALIVE_BATCH);
      ids = List.copyOf(batchIds.subList(0, n));
      promises = List.copyOf(batchPromises.subList(0, n));
      batchIds = new ArrayList<>(batchIds.subList(n, batchIds.size()));
      batchPromises = new ArrayList<>(batchPromises.subList(n, batchPromises.size()));
    }
    command(new KeepAlive(ids)).onComplete(ar -> {
      for (int i = 0; i < promises.size(); i++) {
        if (ar.failed()) {
          promises.get(i).fail(ar.cause());
        } else if (ar.result() instanceof KeptAlive k) {
          promises.get(i).complete(new KeptAlive(List.of(k.renewals().get(i))));
        } else {
          promises.get(i).complete(ar.result()); // Invalid: a batch never exceeds the limit, but say so if it did
        }
      }
      sendKeepAlives();
    });
  }

  @Override
  public Future<PrimitiveResult> closeSession(long sessionId) {
    return command(new PrimitiveCommand.CloseSession(sessionId));
  }

  @Override
  public Future<Optional<SessionView>> session(long sessionId) {
    return query(PrimitiveQueries.session(sessionId)).map(PrimitiveQueries::sessionAnswer);
  }

  // ------------------------------------------------------------------------------ locks

  @Override
  public Future<PrimitiveResult> acquire(String lock, long sessionId, Duration wait, long lockDelayMillis) {
    return waitable(new Acquire(lock, sessionId, !wait.isZero(), lockDelayMillis), wait);
  }

  @Override
  public Future<PrimitiveResult> release(String lock, long sessionId, long token) {
    return command(new PrimitiveCommand.Release(lock, sessionId, token));
  }

  @Override
  public Future<Optional<LockView>> lock(String name) {
    return query(PrimitiveQueries.lock(name)).map(PrimitiveQueries::lockAnswer);
  }

  // ------------------------------------------------------------------------------ elections

  @Override
  public Future<PrimitiveResult> campaign(String election, long sessionId, String value, Duration wait) {
    return waitable(new Campaign(election, sessionId, value), wait);
  }

  @Override
  public Future<PrimitiveResult> proclaim(String election, long sessionId, long token, String value) {
    return command(new PrimitiveCommand.Proclaim(election, sessionId, token, value));
  }

  @Override
  public Future<PrimitiveResult> resign(String election, long sessionId, long token) {
    return command(new Resign(election, sessionId, token));
  }

  @Override
  public Future<Optional<ElectionView>> election(String name) {
    return query(PrimitiveQueries.election(name)).map(PrimitiveQueries::electionAnswer);
  }

  @Override
  public Future<ElectionChanges> observe(String election, long after, Duration wait) {
    byte[] body = ByteBuffer.allocate(1 + 8).put(OBSERVE).putLong(wait.toMillis()).array();
    return coordination.call(PRIMITIVES, concat(body, PrimitiveQueries.changes(election, after)), wait)
        .map(answer -> {
          Changes c = PrimitiveQueries.changesAnswer(answer);
          return new ElectionChanges(c.changes(), !c.complete());
        });
  }

  // ------------------------------------------------------------------------------ semaphores

  @Override
  public Future<PrimitiveResult> acquirePermits(String semaphore, long sessionId, int permits, int limit,
      Duration wait) {
    return waitable(new AcquirePermits(semaphore, sessionId, permits, limit, !wait.isZero()), wait);
  }

  @Override
  public Future<PrimitiveResult> releasePermits(String semaphore, long sessionId, int permits) {
    return command(new PrimitiveCommand.ReleasePermits(semaphore, sessionId, permits));
  }

  @Override
  public Future<Optional<SemaphoreView>> semaphore(String name) {
    return query(PrimitiveQueries.semaphore(name)).map(PrimitiveQueries::semaphoreAnswer);
  }

  // ------------------------------------------------------------------------------ plumbing

  private Future<PrimitiveResult> command(PrimitiveCommand c) {
    return coordination.command(to(PRIMITIVES, c.encode())).map(PrimitiveResult::decode);
  }

  private Future<byte[]> query(byte[] q) {
    return coordination.query(to(PRIMITIVES, q));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /**
   * A request that may queue: with no wait a plain command; with one, a long poll at the leader. If
   * the long poll's answer is lost, the matching cancel, proposed through whoever leads now, says
   * how it ended.
   */
  private Future<PrimitiveResult> waitable(PrimitiveCommand c, Duration wait) {
    if (wait.isZero() || wait.isNegative()) {
      return command(c);
    }
    long deadline = System.nanoTime() + wait.toNanos();
    return command(c).transform(proposed -> {
      if (proposed.failed()) {
        return settleLost(c, proposed.cause(), false);
      }
      if (!(proposed.result() instanceof Queued)) {
        return Future.succeededFuture(proposed.result());
      }
      // In line: wait at the leader for the grant. Whatever becomes of that call, the request is
      // known to be queued, so the cancel can tell a grant from a wait that ran out.
      Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
      byte[] head = ByteBuffer.allocate(1 + 8).put(AWAIT_GRANT).putLong(left.toMillis()).array();
      return coordination.call(PRIMITIVES, concat(head, c.encode()), left).map(PrimitiveResult::decode)
          .recover(e -> settleLost(c, e, true));
    });
  }

  /**
   * A waitable request {@code c} whose answer was lost ({@code queued}: after it was known to be in
   * line): its cancel, through whoever leads now, says how it ended when it can; otherwise the
   * outcome is unknown. A failure that says {@code c} was not applied is passed on as it is.
   */
  private Future<PrimitiveResult> settleLost(PrimitiveCommand c, Throwable e, boolean queued) {
    boolean applied = queued || e instanceof CoordinationException ce && ce.kind() == Kind.OUTCOME_UNKNOWN;
    if (!applied) {
      return Future.failedFuture(e);
    }
    CoordinationException unknown = e instanceof CoordinationException ce && ce.kind() == Kind.OUTCOME_UNKNOWN ? ce
        : new CoordinationException(Kind.OUTCOME_UNKNOWN, "the request is in line, and waiting for it failed ("
            + e.getMessage() + "); cancelling it failed too, so whether it was granted is unknown", Coordination.RETRY_AFTER);
    // A cancel that fails leaves the outcome unknown: never pass on its own failure (a 503 would say
    // the request did not apply, and it did or may have).
    return command(cancelOf(c)).transform(cancelled -> {
      if (cancelled.failed()) {
        return Future.failedFuture(unknown);
      }
      Future<Optional<Integer>> held = Future.succeededFuture(Optional.empty());
      if (queued && c instanceof AcquirePermits a && cancelled.result() instanceof NotWaiting) {
        // granted while the answer was lost: how many the session holds now says what to answer
        held = semaphore(a.semaphore()).map(s -> s.flatMap(v -> v.holders().stream()
            .filter(p -> p.session() == a.sessionId()).findFirst()).map(Primitives.Permits::permits));
      }
      return held.transform(h -> {
        Optional<PrimitiveResult> settled = h.succeeded() ? settle(c, cancelled.result(), queued, h.result())
            : Optional.empty();
        return settled.isPresent() ? Future.succeededFuture(settled.get()) : Future.failedFuture(unknown);
      });
    });
  }

  private static PrimitiveCommand cancelOf(PrimitiveCommand c) {
    if (c instanceof Acquire a) {
      return new CancelWait(a.lock(), a.sessionId());
    }
    if (c instanceof Campaign k) {
      return new Resign(k.election(), k.sessionId(), 0);
    }
    if (c instanceof AcquirePermits a) {
      return new CancelPermits(a.semaphore(), a.sessionId());
    }
    throw new IllegalArgumentException("nothing waits for " + c.kind());
  }

  /** The session of a request that may wait. */
  private static long sessionOf(PrimitiveCommand c) {
    if (c instanceof Acquire a) {
      return a.sessionId();
    }
    if (c instanceof Campaign k) {
      return k.sessionId();
    }
    if (c instanceof AcquirePermits a) {
      return a.sessionId();
    }
    throw new IllegalArgumentException("nothing waits for " + c.kind());
  }

  /**
   * What a waiting request {@code c} came to, given the answer to its cancel; {@code queued} when
   * {@code c} is known to have queued, {@code held} is the session's permits when known. Empty when
   * the answer cannot tell: "not waiting" is a grant only if the request is known to have queued.
   * (A lock or permits the session holds may have been held before the request, which then need
   * not have applied; a lock's count is unknown then too, and a reentrant grant counts one more
   * than the session held. A campaign needs no such care: one by the leader just says Elected.)
   */
  private static Optional<PrimitiveResult> settle(PrimitiveCommand c, PrimitiveResult cancelled, boolean queued,
      Optional<Integer> held) {
    if (cancelled instanceof Cancelled || cancelled instanceof NoSession) {
      return Optional.of(cancelled);
    }
    if (!(cancelled instanceof NotWaiting nw)) {
      return Optional.of(cancelled); // Invalid, or something this version does not know: say it
    }
    if (c instanceof Acquire) {
      if (nw.heldToken() == 0) {
        return Optional.of(new Cancelled());
      }
      return queued ? Optional.of(new Granted(nw.heldToken(), 1)) : Optional.empty();
    }
    if (c instanceof Campaign) {
      return Optional.of(nw.heldToken() > 0 ? new Elected(nw.heldToken()) : new Cancelled());
    }
    return held.map(PermitsGranted::new);
  }

  // ------------------------------------------------------------------------------ at the leader

  /** A call at this node: it must lead, or the first proposal or read sends the caller on. */
  private Future<byte[]> serve(byte[] body) {
    try {
      return serveCall(body);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
  }

  private Future<byte[]> serveCall(byte[] body) {
    ByteBuffer b = ByteBuffer.wrap(body);
    if (body.length < 9) {
      return Future.failedFuture(new IllegalArgumentException("a primitives call of " + body.length + " bytes"));
    }
    byte kind = b.get();
    long waitMillis = b.getLong();
    byte[] rest = Arrays.copyOfRange(body, 9, body.length);
    long deadline = System.nanoTime() + Duration.ofMillis(Math.max(0, waitMillis)).toNanos();
    if (kind == OBSERVE) {
      return coordination.readHere(() -> PrimitiveQueries.answer(state.primitives(), rest)).compose(answer -> {
        Changes c = PrimitiveQueries.changesAnswer(answer);
        if (!c.changes().isEmpty() || waitMillis <= 0) {
          return Future.succeededFuture(answer);
        }
        return park(observerKey(rest), deadline, () -> {
          byte[] now = PrimitiveQueries.answer(state.primitives(), rest);
          return PrimitiveQueries.changesAnswer(now).changes().isEmpty() ? null : now;
        }).map(r -> r == null ? answer : r);
      });
    }
    if (kind != AWAIT_GRANT) {
      return Future.failedFuture(new IllegalArgumentException("unknown primitives call " + kind));
    }
    PrimitiveCommand c = PrimitiveCommand.decode(rest);
    // c is in line already; the barrier makes sure this node leads and has applied it.
    return coordination.readHere(() -> granted(c)).compose(now -> now.isPresent()
        ? Future.succeededFuture(now.get().encode())
        : park(grantKey(c), deadline, () -> granted(c).map(PrimitiveResult::encode).orElse(null))
            .compose(r -> r != null ? Future.succeededFuture(r) : cancelAfterWait(c)));
  }

  /** The wait ran out: the cancel, through whoever leads now, says how the request ended. */
  private Future<byte[]> cancelAfterWait(PrimitiveCommand c) {
    return command(cancelOf(c)).map(cancelled -> {
      Optional<Integer> held = c instanceof AcquirePermits a
          ? Optional.of(state.primitives().semaphore(a.semaphore()).flatMap(s -> s.holders().stream()
              .filter(p -> p.session() == a.sessionId()).findFirst()).map(Primitives.Permits::permits)
              .orElse(a.permits()))
          : Optional.empty();
      return settle(c, cancelled, true, held).orElse(cancelled).encode();
    });
  }

  /** Whether {@code c}, which queued, has been granted in the applied state (or its session ended). */
  private Optional<PrimitiveResult> granted(PrimitiveCommand c) {
    Primitives m = state.primitives();
    long session = sessionOf(c);
    if (m.session(session).isEmpty()) {
      return Optional.of(new NoSession(session));
    }
    if (c instanceof Acquire a) {
      return m.lock(a.lock()).filter(l -> l.holderSession() == session && !l.waiters().contains(session))
          .map(l -> new Granted(l.token(), l.count()));
    }
    if (c instanceof Campaign k) {
      return m.election(k.election()).filter(e -> e.leaderSession() == session).map(e -> new Elected(e.token()));
    }
    AcquirePermits a = (AcquirePermits) c;
    return m.semaphore(a.semaphore())
        .filter(s -> s.waiters().stream().noneMatch(p -> p.session() == session))
        .flatMap(s -> s.holders().stream().filter(p -> p.session() == session).findFirst())
        .map(p -> new PermitsGranted(p.permits()));
  }

  private static String grantKey(PrimitiveCommand c) {
    if (c instanceof Acquire a) {
      return "L:" + a.lock();
    }
    if (c instanceof Campaign k) {
      return "E:" + k.election();
    }
    return "S:" + ((AcquirePermits) c).semaphore();
  }

  private static String observerKey(byte[] changesQuery) {
    return "E:" + PrimitiveQueries.changesElection(changesQuery);
  }

  /** A request parked until {@code check} gives an answer, or its deadline passes (then null). */
  private static final class Waiter {
    final Promise<byte[]> promise = Promise.promise();
    final String key;
    final Supplier<byte[]> check;
    long timer = -1;

    Waiter(String key, Supplier<byte[]> check) {
      this.key = key;
      this.check = check;
    }
  }

  /**
   * Completes with {@code check}'s answer as soon as it has one (it is asked now, after every
   * applied event under {@code key} or a session's expiry, and after a restore), or with null at
   * {@code deadline}.
   */
  private Future<byte[]> park(String key, long deadline, Supplier<byte[]> check) {
    byte[] now = check.get();
    if (now != null) {
      return Future.succeededFuture(now);
    }
    Waiter w = new Waiter(key, check);
    waiters.computeIfAbsent(key, k -> new ArrayList<>()).add(w);
    long delay = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
    w.timer = vertx.setTimer(delay, id -> finish(w, null));
    return w.promise.future();
  }

  private void finish(Waiter w, byte[] answer) {
    List<Waiter> list = waiters.get(w.key);
    if (list != null && list.remove(w) && list.isEmpty()) {
      waiters.remove(w.key);
    }
    vertx.cancelTimer(w.timer);
    w.promise.tryComplete(answer);
  }

  /** Applied events (on the applying context): wake the waiters they may concern. */
  private void onEvents(List<PrimitiveEvent> events) {
    if (waiters.isEmpty()) {
      return;
    }
    boolean sessionEnded = false;
    List<String> keys = new ArrayList<>();
    for (PrimitiveEvent e : events) {
      if (e instanceof PrimitiveEvent.LockGranted g) {
        keys.add("L:" + g.lock());
      } else if (e instanceof PrimitiveEvent.LeaderChanged l) {
        keys.add("E:" + l.election());
      } else if (e instanceof PrimitiveEvent.PermitsGranted p) {
        keys.add("S:" + p.semaphore());
      } else {
        sessionEnded = true;
      }
    }
    if (sessionEnded) {
      recheckAll();
      return;
    }
    for (String key : keys) {
      recheck(key);
    }
  }

  private void recheckAll() {
    for (String key : List.copyOf(waiters.keySet())) {
      recheck(key);
    }
  }

  private void recheck(String key) {
    List<Waiter> list = waiters.get(key);
    if (list == null) {
      return;
    }
    for (Waiter w : List.copyOf(list)) {
      byte[] answer = w.check.get();
      if (answer != null) {
        finish(w, answer);
      }
    }
  }
}
