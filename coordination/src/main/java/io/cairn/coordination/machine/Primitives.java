package io.cairn.coordination.machine;

import io.cairn.coordination.machine.PrimitiveCommand.Acquire;
import io.cairn.coordination.machine.PrimitiveCommand.AcquirePermits;
import io.cairn.coordination.machine.PrimitiveCommand.CancelPermits;
import io.cairn.coordination.machine.PrimitiveCommand.ReleasePermits;
import io.cairn.coordination.machine.PrimitiveCommand.Campaign;
import io.cairn.coordination.machine.PrimitiveCommand.Proclaim;
import io.cairn.coordination.machine.PrimitiveCommand.Resign;
import io.cairn.coordination.machine.PrimitiveCommand.CancelWait;
import io.cairn.coordination.machine.PrimitiveCommand.CloseSession;
import io.cairn.coordination.machine.PrimitiveCommand.CreateSession;
import io.cairn.coordination.machine.PrimitiveCommand.KeepAlive;
import io.cairn.coordination.machine.PrimitiveCommand.Release;
import io.cairn.coordination.machine.PrimitiveCommand.Tick;
import io.cairn.coordination.machine.PrimitiveResult.Busy;
import io.cairn.coordination.machine.PrimitiveResult.Cancelled;
import io.cairn.coordination.machine.PrimitiveResult.Conflict;
import io.cairn.coordination.machine.PrimitiveResult.Delayed;
import io.cairn.coordination.machine.PrimitiveResult.Elected;
import io.cairn.coordination.machine.PrimitiveResult.NoPermits;
import io.cairn.coordination.machine.PrimitiveResult.NotHeld;
import io.cairn.coordination.machine.PrimitiveResult.PermitsGranted;
import io.cairn.coordination.machine.PrimitiveResult.PermitsReleased;
import io.cairn.coordination.machine.PrimitiveResult.Proclaimed;
import io.cairn.coordination.machine.PrimitiveResult.Resigned;
import io.cairn.coordination.machine.PrimitiveResult.Granted;
import io.cairn.coordination.machine.PrimitiveResult.Invalid;
import io.cairn.coordination.machine.PrimitiveResult.KeptAlive;
import io.cairn.coordination.machine.PrimitiveResult.NoSession;
import io.cairn.coordination.machine.PrimitiveResult.NotWaiting;
import io.cairn.coordination.machine.PrimitiveResult.Queued;
import io.cairn.coordination.machine.PrimitiveResult.Released;
import io.cairn.coordination.machine.PrimitiveResult.Renewal;
import io.cairn.coordination.machine.PrimitiveResult.SessionClosed;
import io.cairn.coordination.machine.PrimitiveResult.SessionCreated;
import io.cairn.coordination.machine.PrimitiveResult.Ticked;
import io.cairn.coordination.machine.PrimitiveEvent.LeaderChanged;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Sessions (leases), fenced, FIFO-queued, reentrant locks, leader elections and counting
 * semaphores, replicated by Raft.
 *
 * <h2>Time</h2>
 *
 * Replicas never read a clock. The machine keeps a logical clock {@link #now()} in milliseconds
 * that only a committed {@link Tick} moves: the Raft leader proposes one periodically, carrying the
 * time elapsed on its own monotonic clock since its own previous tick <em>in the same term</em>;
 * the first tick of every term carries 0 (so does a leader's first tick after it was leader
 * before). The shell keeps each tick within {@link #MAX_TICK_MILLIS}. The logical clock therefore never runs faster than real time (up to the leader's
 * clock-rate error), and stands still while there is no leader: <b>a leader change extends every
 * session by at most the tick interval plus the time to elect a leader</b> (the old leader's time
 * since its last committed tick is never counted, and nothing is counted until the new leader's
 * first tick, which counts 0). A Tick expires every session whose deadline has come, in order of
 * deadline and then id, and only then ends the lock delays that have run out (in order of name).
 *
 * <h2>Sessions</h2>
 *
 * A session's id is the log index of its {@link CreateSession}: unique and never reused. Its TTL
 * is between {@link #MIN_TTL_MILLIS} and {@link #MAX_TTL_MILLIS}. Ended sessions (expired or
 * closed) are not remembered: every command naming a session that is not live gets {@link
 * NoSession} (HTTP 404), whether it never existed, expired or was closed, as etcd answers for
 * leases; remembering them would grow the state without bound, and the client needs only "start a
 * new session" either way.
 *
 * <p><b>Why a renewal is safe for the client, batched or not.</b> A client that sends a create or
 * a keepalive at real time {@code s} and is told the TTL {@code T} may rely on its session until
 * {@code s + T} on its own clock (less its clock-rate error), and not a moment longer. The machine
 * must therefore never expire the session before real time {@code s + T}. The leader may hold the
 * request a few milliseconds to batch it with others ({@link KeepAlive} carries a list) and Raft
 * takes time to commit it; both only make the machine's count start later than {@code s}, which is
 * safe. The subtle part is the first Tick applied after the renewal: its elapsed time was measured
 * from the previous tick, which may have been proposed <em>before</em> {@code s}, so counting it
 * would charge the session for up to one tick interval of time before the client sent anything. So
 * a renewal only marks the session fresh (and sets a provisional deadline for reads), and the next
 * Tick, after it advances the clock, sets the deadline of every fresh session to {@code now + T}:
 * the session's TTL is counted only by the ticks after that first one, F. F was proposed at a
 * real time {@code p} after the renewal was in its proposer's log, so {@code p > s}. Every later
 * tick either is the first of its term (it counts 0) or counts the time since the previous tick of
 * its own leader in the same term, which comes after F in the log, so was proposed after {@code p}
 * (a leader of a later term had F in its log before it was elected). So the counted intervals are
 * disjoint stretches of real time after {@code s}, and the session expires no earlier than {@code
 * s + T} in real time, up to clock-rate error. The price is that a session may
 * live up to one tick interval longer than {@code T}, plus any leader-change gap.
 *
 * <h2>Locks</h2>
 *
 * A lock is free, held by one session (reentrantly: a count), or in a lock delay. A grant's fencing
 * token is the log index of the command that granted it: the {@link Acquire} itself, or the {@link
 * Release}, {@link CloseSession} or {@link Tick} that passed the lock to the first waiter. Log
 * indices strictly increase across leaders, restarts and snapshots, so every token granted for a
 * lock is strictly greater than every one before. Waiters queue FIFO; a waiter is a live session
 * by construction (an ending session leaves every queue before any of its locks pass on), so an
 * expired session is never granted. A grant to a waiter is reported as a {@link
 * PrimitiveEvent.LockGranted} event, which the shell drains after each apply to wake the waiting
 * request. The lock delay of an {@link Acquire} applies only when the holder's session
 * <em>expires</em> holding the lock (a close or a release passes it on at once); it is fixed by the
 * acquire that granted the lock (a reentrant acquire does not change it).
 *
 * <h2>Elections</h2>
 *
 * Candidates ({@link Campaign}) queue FIFO; the first leads, with a fencing token that is the log
 * index at which it became leader (so tokens strictly increase per election, as for locks). The
 * leader may {@link Proclaim} a new value or {@link Resign}; a session that ends leaves every
 * election, and leadership passes to the next candidate at that index. Every change an observer
 * can see (new leader, new value, no leader) is a {@link PrimitiveEvent.LeaderChanged} event whose
 * index is the election's new revision, so a watcher can resume from the last revision it saw:
 * the machine keeps the latest {@link #MAX_HISTORY} changes of all elections ({@link #changes}),
 * part of its state and its snapshot, so a watcher that was away briefly misses nothing.
 *
 * <h2>Semaphores</h2>
 *
 * A semaphore has a limit of permits, set by the acquire that creates it (every {@link
 * AcquirePermits} states the limit, and one that disagrees with a live semaphore's is invalid); it
 * is forgotten when nobody holds or waits. Sessions hold permits (several acquires add up) and
 * waiters queue strictly FIFO: a request is granted only when nobody waits before it and enough
 * permits are free, so a large request is never starved by small ones. Permits go back on release,
 * on session end, and a cancelled or ended waiter at the head can let the next ones in; grants
 * that happen so are {@link PrimitiveEvent.PermitsGranted} events. Permits carry no fencing token.
 *
 * <p>A command naming a session that is not live ({@link Release} included) answers {@link
 * NoSession}; one by a live session that does not hold what it names, or with a stale token,
 * answers {@link PrimitiveResult.Conflict} or {@link PrimitiveResult.NotHeld}: never a silent
 * success.
 *
 * <p>Reads ({@link #session}, {@link #lock}, {@link #election}, {@link #semaphore}, {@link #now})
 * are run by the shell on the thread that applies, after a ReadIndex barrier. Not thread-safe.
 *
 * <p>The snapshot, canonical (sessions by id, locks by name in {@link String#compareTo} order,
 * waiters in queue order):
 *
 * <pre>
 * snapshot = u32 magic "CPRM", u8 format (1), i64 last index applied, i64 now,
 *            u32 session count, sessions, u32 lock count, locks, u32 election count, elections,
 *            semaphores, history
 * session  = i64 id, i64 ttl, i64 deadline, u8 fresh (0|1)
 * lock     = string name, i64 holder session (0: none), i64 token (0: none), i32 count,
 *            i64 holder's lock delay, i64 delay end (0: none), u32 waiter count, waiters
 * waiter   = i64 session, i64 lock delay
 * election = string name, i64 leader token, i64 revision, u32 candidate count (at least 1),
 *            candidates (the leader first)
 * candidate = i64 session, string value
 * semaphores = u32 count, then each: string name, i32 limit, u32 holder count, holders by
 *            session (i64 session, i32 permits), u32 waiter count, waiters in queue order
 *            (i64 session, i32 permits)
 * history  = i64 index of the newest change forgotten (0: none), u32 count (at most
 *            MAX_HISTORY; exactly that when any was forgotten), then each change in index order
 *            (one command may change several elections):
 *            i64 index, string election, i64 leader session (0: nobody leads), i64 token,
 *            string value
 * </pre>
 */
public final class Primitives implements StateMachine {
  /** The shortest session TTL. */
  public static final long MIN_TTL_MILLIS = 1_000;
  /** The longest session TTL: one hour. */
  public static final long MAX_TTL_MILLIS = 3_600_000;
  /** The longest lock delay. */
  public static final long MAX_LOCK_DELAY_MILLIS = 60_000;
  /** The most one Tick may move the clock (a longer gap is refused: a broken leader). */
  public static final long MAX_TICK_MILLIS = MAX_TTL_MILLIS;
  /** The most session ids in one KeepAlive. */
  public static final int MAX_KEEPALIVE_BATCH = 10_000;
  /** The longest lock name, in UTF-8 bytes (the shortest is 1). */
  public static final int MAX_NAME_BYTES = Registers.MAX_NAME_BYTES;
  /** The longest election value, in UTF-8 bytes. */
  public static final int MAX_VALUE_BYTES = 4_096;
  /**
   * How many of the latest election changes (of all elections) the machine remembers, so that an
   * observer that reconnects can be given every change it missed.
   */
  public static final int MAX_HISTORY = 1_024;
  /** The most permits a semaphore may have. */
  public static final int MAX_PERMITS = 1_000_000;
  /** The logical clock never passes this, so that now + any TTL or delay cannot overflow. */
  static final long MAX_NOW = Long.MAX_VALUE / 4;

  static final int SNAPSHOT_MAGIC = 0x4350524D; // "CPRM"
  static final int SNAPSHOT_FORMAT = 1;
  private static final int SESSION_BYTES = 8 + 8 + 8 + 1;
  private static final int MIN_LOCK_BYTES = 4 + 1 + 8 + 8 + 4 + 8 + 8 + 4;
  private static final int WAITER_BYTES = 16;
  private static final int MIN_ELECTION_BYTES = 4 + 1 + 8 + 8 + 4 + 8 + 4;
  private static final int MIN_CANDIDATE_BYTES = 8 + 4;
  private static final int MIN_SEMAPHORE_BYTES = 4 + 1 + 4 + 4 + 4;
  private static final int PERMITS_BYTES = 12;
  private static final int MIN_CHANGE_BYTES = 8 + 4 + 1 + 8 + 8 + 4;

  /** A live session as read. */
  public record SessionView(long id, long ttlMillis, long remainingMillis) {}

  /**
   * A lock as read: the holder session and its token and count (0, 0, 0 when free), the waiting
   * sessions in queue order, and how long its lock delay has left (0 when none).
   */
  public record LockView(String name, long holderSession, long token, int count, List<Long> waiters,
      long delayRemainingMillis) {
    public LockView {
      Objects.requireNonNull(name, "name");
      waiters = List.copyOf(waiters);
    }
  }

  /**
   * An election as read: the leader (the first candidate), its token and value, the revision (the
   * index of the last change observers saw), and every candidate's session in queue order, the
   * leader's first.
   */
  public record ElectionView(String name, long leaderSession, long token, String value, long revision,
      List<Long> candidates) {
    public ElectionView {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      candidates = List.copyOf(candidates);
    }
  }

  /** A session's permits of a semaphore, held or waited for. */
  public record Permits(long session, int permits) {}

  /** A semaphore as read: its limit, the permits free, the holders by session, the waiters in order. */
  public record SemaphoreView(String name, int limit, int available, List<Permits> holders, List<Permits> waiters) {
    public SemaphoreView {
      Objects.requireNonNull(name, "name");
      holders = List.copyOf(holders);
      waiters = List.copyOf(waiters);
    }
  }

  private static final class Session {
    final long id;
    final long ttl;
    long deadline;
    boolean fresh;
    final TreeSet<String> held = new TreeSet<>();
    final TreeSet<String> waiting = new TreeSet<>();
    final TreeSet<String> campaigns = new TreeSet<>();
    final TreeSet<String> semaphores = new TreeSet<>(); // held or waited for

    Session(long id, long ttl, long deadline, boolean fresh) {
      this.id = id;
      this.ttl = ttl;
      this.deadline = deadline;
      this.fresh = fresh;
    }
  }

  private record Waiter(long session, long lockDelay) {}

  private static final class Lock {
    final String name;
    long holder;
    long token;
    int count;
    long holderDelay;
    long delayEnd;
    final List<Waiter> waiters = new ArrayList<>();

    Lock(String name) {
      this.name = name;
    }

    int positionOf(long session) {
      for (int i = 0; i < waiters.size(); i++) {
        if (waiters.get(i).session() == session) {
          return i + 1;
        }
      }
      return 0;
    }
  }

  private static final class Candidate {
    final long session;
    String value;

    Candidate(long session, String value) {
      this.session = session;
      this.value = value;
    }
  }

  private static final class Election {
    final String name;
    final List<Candidate> candidates = new ArrayList<>();
    long token;
    long revision;

    Election(String name) {
      this.name = name;
    }

    int positionOf(long session) {
      for (int i = 0; i < candidates.size(); i++) {
        if (candidates.get(i).session == session) {
          return i + 1;
        }
      }
      return 0;
    }
  }

  private static final class Semaphore {
    final String name;
    final int limit;
    int used;
    final TreeMap<Long, Integer> holders = new TreeMap<>();
    final List<Permits> waiters = new ArrayList<>();

    Semaphore(String name, int limit) {
      this.name = name;
      this.limit = limit;
    }

    int positionOf(long session) {
      for (int i = 0; i < waiters.size(); i++) {
        if (waiters.get(i).session() == session) {
          return i + 1;
        }
      }
      return 0;
    }
  }

  /** Sessions in expiry order. */
  private record Due(long deadline, long id) implements Comparable<Due> {
    @Override
    public int compareTo(Due o) {
      int c = Long.compare(deadline, o.deadline);
      return c != 0 ? c : Long.compare(id, o.id);
    }
  }

  private long lastIndex;
  private long now;
  private TreeMap<Long, Session> sessions = new TreeMap<>();
  private TreeSet<Due> due = new TreeSet<>();
  private TreeSet<Long> fresh = new TreeSet<>();
  private TreeMap<String, Lock> locks = new TreeMap<>();
  private TreeSet<String> delayed = new TreeSet<>();
  private TreeMap<String, Election> elections = new TreeMap<>();
  private TreeMap<String, Semaphore> semaphores = new TreeMap<>();
  private List<PrimitiveEvent> events = new ArrayList<>();
  private ArrayDeque<LeaderChanged> history = new ArrayDeque<>();
  private long historyFloor; // the index of the newest change dropped from the history

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if {@code index} is below 1, and IllegalStateException if it
   *     is not above the last index applied: both a broken shell, not a bad command
   */
  @Override
  public byte[] apply(long index, byte[] command) {
    PrimitiveCommand c;
    try {
      c = PrimitiveCommand.decode(command);
    } catch (IllegalArgumentException e) {
      checkIndex(index);
      lastIndex = index;
      return new Invalid("malformed primitive command: " + e.getMessage()).encode();
    }
    return apply(index, c).encode();
  }

  /** {@link #apply(long, byte[])} without the bytes: for tests and the encoding-free path. */
  PrimitiveResult apply(long index, PrimitiveCommand command) {
    checkIndex(index);
    lastIndex = index;
    return switch (command.kind()) {
      case TICK -> tick(index, (Tick) command);
      case CREATE_SESSION -> createSession(index, (CreateSession) command);
      case KEEP_ALIVE -> keepAlive((KeepAlive) command);
      case CLOSE_SESSION -> closeSession(index, (CloseSession) command);
      case ACQUIRE -> acquire(index, (Acquire) command);
      case RELEASE -> release(index, (Release) command);
      case CANCEL_WAIT -> cancelWait((CancelWait) command);
      case CAMPAIGN -> campaign(index, (Campaign) command);
      case PROCLAIM -> proclaim(index, (Proclaim) command);
      case RESIGN -> resign(index, (Resign) command);
      case ACQUIRE_PERMITS -> acquirePermits((AcquirePermits) command);
      case RELEASE_PERMITS -> releasePermits(index, (ReleasePermits) command);
      case CANCEL_PERMITS -> cancelPermits(index, (CancelPermits) command);
    };
  }

  /** The events of the applies since the last drain, oldest first; empties the list. */
  public List<PrimitiveEvent> drainEvents() {
    if (events.isEmpty()) {
      return List.of();
    }
    List<PrimitiveEvent> out = List.copyOf(events);
    events.clear();
    return out;
  }

  private void checkIndex(long index) {
    if (index < 1) {
      throw new IllegalArgumentException("a log index is at least 1: " + index);
    }
    if (index <= lastIndex) {
      throw new IllegalStateException("applying index " + index + " after " + lastIndex
          + ": commands must be applied once each, in log order");
    }
  }

  // ---- time and sessions ----

  private PrimitiveResult tick(long index, Tick t) {
    long elapsed = t.elapsedMillis();
    if (elapsed < 0 || elapsed > MAX_TICK_MILLIS) {
      return new Invalid("a tick moves the clock 0 to " + MAX_TICK_MILLIS + " ms, not " + elapsed);
    }
    if (now > MAX_NOW - elapsed) {
      return new Invalid("the logical clock would pass " + MAX_NOW);
    }
    now += elapsed;
    for (long id : fresh) {
      Session s = sessions.get(id);
      setDeadline(s, now + s.ttl);
      s.fresh = false;
    }
    fresh.clear();
    List<Session> expired = new ArrayList<>();
    for (Due d : due.headSet(new Due(now, Long.MAX_VALUE), true)) {
      expired.add(sessions.get(d.id()));
    }
    end(index, expired, true);
    List<String> delaysOver = new ArrayList<>();
    for (String name : delayed) {
      if (locks.get(name).delayEnd <= now) {
        delaysOver.add(name);
      }
    }
    for (String name : delaysOver) {
      Lock lock = locks.get(name);
      lock.delayEnd = 0;
      delayed.remove(name);
      passOn(index, lock);
    }
    return new Ticked(now);
  }

  private void setDeadline(Session s, long deadline) {
    due.remove(new Due(s.deadline, s.id));
    s.deadline = deadline;
    due.add(new Due(deadline, s.id));
  }

  private PrimitiveResult createSession(long index, CreateSession c) {
    long ttl = c.ttlMillis();
    if (ttl < MIN_TTL_MILLIS || ttl > MAX_TTL_MILLIS) {
      return new Invalid("a session TTL is " + MIN_TTL_MILLIS + " to " + MAX_TTL_MILLIS + " ms, not " + ttl);
    }
    Session s = new Session(index, ttl, now + ttl, true);
    sessions.put(index, s);
    due.add(new Due(s.deadline, s.id));
    fresh.add(index);
    return new SessionCreated(index, ttl);
  }

  private PrimitiveResult keepAlive(KeepAlive k) {
    if (k.sessionIds().size() > MAX_KEEPALIVE_BATCH) {
      return new Invalid("a keepalive renews at most " + MAX_KEEPALIVE_BATCH + " sessions, not "
          + k.sessionIds().size());
    }
    List<Renewal> renewals = new ArrayList<>(k.sessionIds().size());
    for (long id : k.sessionIds()) {
      Session s = sessions.get(id);
      if (s == null) {
        renewals.add(new Renewal(id, false, 0));
      } else {
        setDeadline(s, now + s.ttl);
        s.fresh = true;
        fresh.add(id);
        renewals.add(new Renewal(id, true, s.ttl));
      }
    }
    return new KeptAlive(renewals);
  }

  private PrimitiveResult closeSession(long index, CloseSession c) {
    Session s = sessions.get(c.sessionId());
    if (s == null) {
      return new NoSession(c.sessionId());
    }
    end(index, List.of(s), false);
    return new SessionClosed(s.id);
  }

  /**
   * Ends {@code ending} (in that order): first every one of them leaves the sessions and every
   * queue and every election it does not lead, so that none can be granted what another
   * releases; then each one's locks pass on, with its lock delay when it {@code expired}, and its
   * leaderships pass to the next candidates.
   */
  private void end(long index, List<Session> ending, boolean expired) {
    for (Session s : ending) {
      sessions.remove(s.id);
      due.remove(new Due(s.deadline, s.id));
      fresh.remove(s.id);
      for (String name : s.waiting) {
        Lock lock = locks.get(name);
        lock.waiters.removeIf(w -> w.session() == s.id);
      }
      for (String name : s.campaigns) {
        Election e = elections.get(name);
        if (e.candidates.get(0).session != s.id) {
          e.candidates.removeIf(c -> c.session == s.id);
        }
      }
      for (String name : s.semaphores) {
        semaphores.get(name).waiters.removeIf(w -> w.session() == s.id);
      }
    }
    for (Session s : ending) {
      events.add(expired ? new PrimitiveEvent.SessionExpired(index, s.id)
          : new PrimitiveEvent.SessionClosed(index, s.id));
      for (String name : s.held) {
        Lock lock = locks.get(name);
        long delay = expired ? lock.holderDelay : 0;
        lock.holder = 0;
        lock.token = 0;
        lock.count = 0;
        lock.holderDelay = 0;
        if (delay > 0) {
          lock.delayEnd = now + delay;
          delayed.add(name);
        } else {
          passOn(index, lock);
        }
      }
      for (String name : s.campaigns) {
        Election e = elections.get(name); // gone if its leader and s both ended and nobody is left
        if (e != null && e.candidates.get(0).session == s.id) {
          e.candidates.remove(0);
          lead(index, e);
        }
      }
      for (String name : s.semaphores) {
        Semaphore sem = semaphores.get(name); // gone if another ending session was its last user
        if (sem == null) {
          continue;
        }
        Integer held = sem.holders.remove(s.id);
        if (held != null) {
          sem.used -= held;
        }
        admit(index, sem);
      }
    }
  }

  // ---- locks ----

  /** {@code lock} has no holder and no delay: the first waiter gets it, or it is forgotten. */
  private void passOn(long index, Lock lock) {
    if (lock.waiters.isEmpty()) {
      locks.remove(lock.name);
      return;
    }
    Waiter w = lock.waiters.remove(0);
    Session s = sessions.get(w.session());
    if (s == null) {
      throw new IllegalStateException("waiter " + w.session() + " of lock " + lock.name + " is no live session");
    }
    s.waiting.remove(lock.name);
    grant(index, lock, s, w.lockDelay());
    events.add(new PrimitiveEvent.LockGranted(index, lock.name, s.id, index));
  }

  private void grant(long index, Lock lock, Session s, long lockDelay) {
    lock.holder = s.id;
    lock.token = index;
    lock.count = 1;
    lock.holderDelay = lockDelay;
    s.held.add(lock.name);
  }

  private PrimitiveResult acquire(long index, Acquire a) {
    String invalid = Registers.checkName(a.lock());
    if (invalid != null) {
      return new Invalid("lock name: " + invalid);
    }
    if (a.lockDelayMillis() < 0 || a.lockDelayMillis() > MAX_LOCK_DELAY_MILLIS) {
      return new Invalid("a lock delay is 0 to " + MAX_LOCK_DELAY_MILLIS + " ms, not " + a.lockDelayMillis());
    }
    Session s = sessions.get(a.sessionId());
    if (s == null) {
      return new NoSession(a.sessionId());
    }
    Lock lock = locks.get(a.lock());
    if (lock == null) {
      lock = new Lock(a.lock());
      locks.put(lock.name, lock);
      grant(index, lock, s, a.lockDelayMillis());
      return new Granted(index, 1);
    }
    if (lock.holder == s.id) {
      if (lock.count == Integer.MAX_VALUE) {
        return new Invalid("lock " + lock.name + " is held " + Integer.MAX_VALUE + " times already");
      }
      lock.count++;
      return new Granted(lock.token, lock.count);
    }
    int position = lock.positionOf(s.id);
    if (position > 0) {
      return new Queued(position); // a retried acquire keeps its place
    }
    if (!a.queueIfBusy()) {
      return lock.holder != 0 ? new Busy(lock.holder, lock.token) : new Delayed(lock.delayEnd - now);
    }
    lock.waiters.add(new Waiter(s.id, a.lockDelayMillis()));
    s.waiting.add(lock.name);
    return new Queued(lock.waiters.size());
  }

  private PrimitiveResult release(long index, Release r) {
    String invalid = Registers.checkName(r.lock());
    if (invalid != null) {
      return new Invalid("lock name: " + invalid);
    }
    Session s = sessions.get(r.sessionId());
    if (s == null) {
      return new NoSession(r.sessionId());
    }
    Lock lock = locks.get(r.lock());
    if (lock == null || lock.holder != s.id || lock.token != r.token()) {
      return lock == null ? new Conflict(0, 0) : new Conflict(lock.holder, lock.token);
    }
    int remaining = --lock.count;
    if (remaining == 0) {
      lock.holder = 0;
      lock.token = 0;
      lock.holderDelay = 0;
      s.held.remove(lock.name);
      passOn(index, lock);
    }
    return new Released(remaining);
  }

  private PrimitiveResult cancelWait(CancelWait c) {
    String invalid = Registers.checkName(c.lock());
    if (invalid != null) {
      return new Invalid("lock name: " + invalid);
    }
    Session s = sessions.get(c.sessionId());
    if (s == null) {
      return new NoSession(c.sessionId());
    }
    Lock lock = locks.get(c.lock());
    if (lock == null) {
      return new NotWaiting(0);
    }
    if (lock.positionOf(s.id) == 0) {
      return new NotWaiting(lock.holder == s.id ? lock.token : 0);
    }
    lock.waiters.removeIf(w -> w.session() == s.id);
    s.waiting.remove(lock.name);
    return new Cancelled(); // the lock keeps its holder or its delay: still not empty
  }

  // ---- elections ----

  /** {@code e}'s leader changed (or it has none left) at {@code index}. */
  private void lead(long index, Election e) {
    e.revision = index;
    if (e.candidates.isEmpty()) {
      elections.remove(e.name);
      changed(new LeaderChanged(index, e.name, 0, 0, ""));
      return;
    }
    Candidate leader = e.candidates.get(0);
    e.token = index;
    changed(new LeaderChanged(index, e.name, leader.session, index, leader.value));
  }

  private void changed(LeaderChanged change) {
    events.add(change);
    history.addLast(change);
    if (history.size() > MAX_HISTORY) {
      historyFloor = history.removeFirst().index();
    }
  }

  /** Why {@code value} is not a valid election value, or null if it is. */
  static String checkElectionValue(String value) {
    int n = ByteWriter.utf8Length(value);
    if (n < 0) {
      return "a value must be valid Unicode (it has an unpaired surrogate)";
    }
    if (n > MAX_VALUE_BYTES) {
      return "a value is at most " + MAX_VALUE_BYTES + " bytes of UTF-8, not " + n;
    }
    return null;
  }

  private PrimitiveResult campaign(long index, Campaign c) {
    String invalid = Registers.checkName(c.election());
    if (invalid == null) {
      invalid = checkElectionValue(c.value());
    }
    if (invalid != null) {
      return new Invalid("election: " + invalid);
    }
    Session s = sessions.get(c.sessionId());
    if (s == null) {
      return new NoSession(c.sessionId());
    }
    Election e = elections.get(c.election());
    if (e == null) {
      e = new Election(c.election());
      elections.put(e.name, e);
    }
    int position = e.positionOf(s.id);
    if (position == 1) {
      return new Elected(e.token); // a retried campaign: the value is changed by a proclaim only
    }
    if (position > 1) {
      return new Queued(position);
    }
    e.candidates.add(new Candidate(s.id, c.value()));
    s.campaigns.add(e.name);
    if (e.candidates.size() == 1) {
      lead(index, e);
      return new Elected(index);
    }
    return new Queued(e.candidates.size());
  }

  private PrimitiveResult proclaim(long index, Proclaim p) {
    String invalid = Registers.checkName(p.election());
    if (invalid == null) {
      invalid = checkElectionValue(p.value());
    }
    if (invalid != null) {
      return new Invalid("election: " + invalid);
    }
    Session s = sessions.get(p.sessionId());
    if (s == null) {
      return new NoSession(p.sessionId());
    }
    Election e = elections.get(p.election());
    if (e == null) {
      return new Conflict(0, 0);
    }
    Candidate leader = e.candidates.get(0);
    if (leader.session != s.id || e.token != p.token()) {
      return new Conflict(leader.session, e.token);
    }
    leader.value = p.value();
    e.revision = index;
    changed(new LeaderChanged(index, e.name, s.id, e.token, leader.value));
    return new Proclaimed(index);
  }

  private PrimitiveResult resign(long index, Resign r) {
    String invalid = Registers.checkName(r.election());
    if (invalid != null) {
      return new Invalid("election: " + invalid);
    }
    Session s = sessions.get(r.sessionId());
    if (s == null) {
      return new NoSession(r.sessionId());
    }
    Election e = elections.get(r.election());
    int position = e == null ? 0 : e.positionOf(s.id);
    if (r.token() == 0) { // withdraw a candidacy that does not lead
      if (position == 0) {
        return new NotWaiting(0);
      }
      if (position == 1) {
        return new NotWaiting(e.token); // a leader resigns with its token
      }
      e.candidates.remove(position - 1);
      s.campaigns.remove(e.name);
      return new Cancelled();
    }
    if (position != 1 || e.token != r.token()) {
      return e == null ? new Conflict(0, 0) : new Conflict(e.candidates.get(0).session, e.token);
    }
    e.candidates.remove(0);
    s.campaigns.remove(e.name);
    lead(index, e);
    return new Resigned();
  }

  // ---- semaphores ----

  /** Grants waiters of {@code sem} in FIFO order while the first fits; forgets an idle semaphore. */
  private void admit(long index, Semaphore sem) {
    while (!sem.waiters.isEmpty() && sem.waiters.get(0).permits() <= sem.limit - sem.used) {
      Permits w = sem.waiters.remove(0);
      sem.used += w.permits();
      sem.holders.merge(w.session(), w.permits(), Integer::sum);
      events.add(new PrimitiveEvent.PermitsGranted(index, sem.name, w.session(), w.permits()));
    }
    if (sem.holders.isEmpty() && sem.waiters.isEmpty()) {
      semaphores.remove(sem.name);
    }
  }

  private PrimitiveResult acquirePermits(AcquirePermits a) {
    String invalid = Registers.checkName(a.semaphore());
    if (invalid != null) {
      return new Invalid("semaphore name: " + invalid);
    }
    if (a.limit() < 1 || a.limit() > MAX_PERMITS || a.permits() < 1 || a.permits() > a.limit()) {
      return new Invalid("a semaphore has 1 to " + MAX_PERMITS + " permits and an acquire takes 1 to all of them, not "
          + a.permits() + " of " + a.limit());
    }
    Session s = sessions.get(a.sessionId());
    if (s == null) {
      return new NoSession(a.sessionId());
    }
    Semaphore sem = semaphores.get(a.semaphore());
    if (sem != null && sem.limit != a.limit()) {
      return new Invalid("semaphore " + sem.name + " has " + sem.limit + " permits, not " + a.limit());
    }
    if (sem == null) {
      sem = new Semaphore(a.semaphore(), a.limit());
      semaphores.put(sem.name, sem);
    }
    int position = sem.positionOf(s.id);
    if (position > 0) {
      return new Queued(position); // a retried acquire keeps its place and its count
    }
    int held = sem.holders.getOrDefault(s.id, 0);
    if (sem.waiters.isEmpty() && a.permits() <= sem.limit - sem.used) {
      sem.used += a.permits();
      sem.holders.put(s.id, held + a.permits());
      s.semaphores.add(sem.name);
      return new PermitsGranted(held + a.permits());
    }
    if (!a.queueIfBusy()) {
      return new NoPermits(sem.limit - sem.used, sem.limit);
    }
    sem.waiters.add(new Permits(s.id, a.permits()));
    s.semaphores.add(sem.name);
    return new Queued(sem.waiters.size());
  }

  private PrimitiveResult releasePermits(long index, ReleasePermits r) {
    String invalid = Registers.checkName(r.semaphore());
    if (invalid != null) {
      return new Invalid("semaphore name: " + invalid);
    }
    if (r.permits() < 1) {
      return new Invalid("a release gives back at least 1 permit, not " + r.permits());
    }
    Session s = sessions.get(r.sessionId());
    if (s == null) {
      return new NoSession(r.sessionId());
    }
    Semaphore sem = semaphores.get(r.semaphore());
    int held = sem == null ? 0 : sem.holders.getOrDefault(s.id, 0);
    if (r.permits() > held) {
      return new NotHeld(held);
    }
    int left = held - r.permits();
    sem.used -= r.permits();
    if (left == 0) {
      sem.holders.remove(s.id);
      if (sem.positionOf(s.id) == 0) {
        s.semaphores.remove(sem.name);
      }
    } else {
      sem.holders.put(s.id, left);
    }
    admit(index, sem);
    return new PermitsReleased(left);
  }

  private PrimitiveResult cancelPermits(long index, CancelPermits c) {
    String invalid = Registers.checkName(c.semaphore());
    if (invalid != null) {
      return new Invalid("semaphore name: " + invalid);
    }
    Session s = sessions.get(c.sessionId());
    if (s == null) {
      return new NoSession(c.sessionId());
    }
    Semaphore sem = semaphores.get(c.semaphore());
    int position = sem == null ? 0 : sem.positionOf(s.id);
    if (position == 0) {
      return new NotWaiting(0);
    }
    sem.waiters.remove(position - 1);
    if (!sem.holders.containsKey(s.id)) {
      s.semaphores.remove(sem.name);
    }
    admit(index, sem); // the next ones may fit now
    return new Cancelled();
  }

  // ---- reads ----

  /** The logical clock, in milliseconds since the group began. */
  public long now() {
    return now;
  }

  /** Whether session {@code id} is live. */
  public boolean isLive(long id) {
    return sessions.containsKey(id);
  }

  /** The live session {@code id}, if there is one. */
  public Optional<SessionView> session(long id) {
    Session s = sessions.get(id);
    return s == null ? Optional.empty() : Optional.of(new SessionView(s.id, s.ttl, s.deadline - now));
  }

  /** The lock {@code name}, if it is held, delayed or waited for (a free lock reads as empty). */
  public Optional<LockView> lock(String name) {
    Lock l = locks.get(name);
    if (l == null) {
      return Optional.empty();
    }
    List<Long> waiters = new ArrayList<>(l.waiters.size());
    for (Waiter w : l.waiters) {
      waiters.add(w.session());
    }
    return Optional.of(new LockView(l.name, l.holder, l.token, l.count, waiters, l.delayEnd == 0 ? 0 : l.delayEnd - now));
  }

  /** The election {@code name}, if it has a candidate. */
  public Optional<ElectionView> election(String name) {
    Election e = elections.get(name);
    if (e == null) {
      return Optional.empty();
    }
    List<Long> candidates = new ArrayList<>(e.candidates.size());
    for (Candidate c : e.candidates) {
      candidates.add(c.session);
    }
    Candidate leader = e.candidates.get(0);
    return Optional.of(new ElectionView(e.name, leader.session, e.token, leader.value, e.revision, candidates));
  }

  /** The semaphore {@code name}, if anybody holds or waits for it. */
  public Optional<SemaphoreView> semaphore(String name) {
    Semaphore sem = semaphores.get(name);
    if (sem == null) {
      return Optional.empty();
    }
    List<Permits> holders = new ArrayList<>();
    sem.holders.forEach((id, n) -> holders.add(new Permits(id, n)));
    return Optional.of(new SemaphoreView(sem.name, sem.limit, sem.limit - sem.used, holders, sem.waiters));
  }

  /**
   * The changes of {@code election} after revision {@code after}, oldest first. When the machine
   * no longer remembers every change after {@code after} (it keeps the latest {@link
   * #MAX_HISTORY} of all elections), the answer is instead the election as it is now, as one
   * change whose index is its revision (or, when nobody campaigns, the last index applied, which
   * no earlier change exceeds), with {@code complete} false.
   */
  public Changes changes(String election, long after) {
    if (after >= historyFloor) {
      List<LeaderChanged> out = new ArrayList<>();
      for (LeaderChanged c : history) {
        if (c.index() > after && c.election().equals(election)) {
          out.add(c);
        }
      }
      return new Changes(out, true);
    }
    Election e = elections.get(election);
    LeaderChanged now = e == null ? new LeaderChanged(lastIndex, election, 0, 0, "")
        : new LeaderChanged(e.revision, election, e.candidates.get(0).session, e.token, e.candidates.get(0).value);
    return new Changes(List.of(now), false);
  }

  /** An answer of {@link #changes}. */
  public record Changes(List<LeaderChanged> changes, boolean complete) {
    public Changes {
      changes = List.copyOf(changes);
    }
  }

  /**
   * Whether the clock matters now: some session is live or some lock is in a lock delay. The
   * leader may skip its ticks while it does not (a later tick counts the time skipped, which no
   * session is charged for: see the class Javadoc).
   */
  public boolean needsTime() {
    return !sessions.isEmpty() || !delayed.isEmpty();
  }

  /** How much the machine holds, for metrics. */
  public record Stats(int sessions, int locksHeld, int lockWaiters, int electionsLed, int candidatesWaiting,
      long permitsHeld, int permitWaiters) {}

  /** Counts what the machine holds now: linear in its size, for a sampler, not for every apply. */
  public Stats stats() {
    int held = 0;
    int lockWaiters = 0;
    for (Lock l : locks.values()) {
      held += l.holder != 0 ? 1 : 0;
      lockWaiters += l.waiters.size();
    }
    int candidates = 0;
    for (Election e : elections.values()) {
      candidates += e.candidates.size() - 1;
    }
    long permits = 0;
    int permitWaiters = 0;
    for (Semaphore sem : semaphores.values()) {
      permits += sem.used;
      permitWaiters += sem.waiters.size();
    }
    return new Stats(sessions.size(), held, lockWaiters, elections.size(), candidates, permits, permitWaiters);
  }

  /** How many sessions are live. */
  public int sessionCount() {
    return sessions.size();
  }

  /** The names of the locks that are held, delayed or waited for, in order. */
  public List<String> lockNames() {
    return List.copyOf(locks.keySet());
  }

  /** The last log index applied (0 before any): for tests. */
  long lastIndex() {
    return lastIndex;
  }

  // ---- snapshot ----

  @Override
  public byte[] snapshot() {
    ByteWriter out = new ByteWriter(64 + sessions.size() * SESSION_BYTES + locks.size() * 64);
    out.i32(SNAPSHOT_MAGIC).u8(SNAPSHOT_FORMAT).i64(lastIndex).i64(now);
    out.i32(sessions.size());
    for (Session s : sessions.values()) {
      out.i64(s.id).i64(s.ttl).i64(s.deadline).u8(s.fresh ? 1 : 0);
    }
    out.i32(locks.size());
    for (Lock l : locks.values()) {
      out.string(l.name).i64(l.holder).i64(l.token).i32(l.count).i64(l.holderDelay).i64(l.delayEnd);
      out.i32(l.waiters.size());
      for (Waiter w : l.waiters) {
        out.i64(w.session()).i64(w.lockDelay());
      }
    }
    out.i32(elections.size());
    for (Election e : elections.values()) {
      out.string(e.name).i64(e.token).i64(e.revision).i32(e.candidates.size());
      for (Candidate c : e.candidates) {
        out.i64(c.session).string(c.value);
      }
    }
    out.i32(semaphores.size());
    for (Semaphore sem : semaphores.values()) {
      out.string(sem.name).i32(sem.limit).i32(sem.holders.size());
      sem.holders.forEach((id, n) -> out.i64(id).i32(n));
      out.i32(sem.waiters.size());
      for (Permits w : sem.waiters) {
        out.i64(w.session()).i32(w.permits());
      }
    }
    out.i64(historyFloor).i32(history.size());
    for (LeaderChanged c : history) {
      out.i64(c.index()).string(c.election()).i64(c.leaderSession()).i64(c.token()).string(c.value());
    }
    return out.toByteArray();
  }

  /**
   * {@inheritDoc} Everything is checked before anything is replaced: magic and format, counts
   * against the bytes left, ids and names strictly ascending (one encoding per state), ids and
   * tokens within the indices applied, TTLs and delays within the limits, deadlines and delay ends
   * in the future but no further than their TTL or delay, every holder and waiter a live session,
   * no session twice in a queue or both holding and waiting, a token after its holder's creation,
   * no free lock kept (a lock with no holder is in a lock delay), and no trailing bytes. Pending
   * events are dropped.
   */
  @Override
  public void restore(byte[] snapshot) {
    ByteReader in = new ByteReader(snapshot);
    in.snapshotHeader(SNAPSHOT_MAGIC, SNAPSHOT_FORMAT, "primitives");
    long last = in.i64("last index");
    long clock = in.i64("now");
    check(last >= 0, "last index " + last + " is negative");
    check(clock >= 0 && clock <= MAX_NOW, "now " + clock + " outside 0.." + MAX_NOW);

    TreeMap<Long, Session> ss = new TreeMap<>();
    TreeSet<Due> dues = new TreeSet<>();
    TreeSet<Long> fr = new TreeSet<>();
    int sessionCount = in.count(SESSION_BYTES, "session count");
    long previousId = 0;
    for (int i = 0; i < sessionCount; i++) {
      long id = in.i64("session id");
      long ttl = in.i64("session ttl");
      long deadline = in.i64("session deadline");
      int f = in.u8("session fresh");
      check(id > previousId && id <= last, "session " + id + ": ids ascending within 1.." + last);
      check(ttl >= MIN_TTL_MILLIS && ttl <= MAX_TTL_MILLIS, "session " + id + ": ttl " + ttl);
      check(deadline > clock && deadline - clock <= ttl,
          "session " + id + ": deadline " + deadline + " not within (now, now + ttl] at now " + clock);
      check(f <= 1, "session " + id + ": fresh is 0 or 1, not " + f);
      Session s = new Session(id, ttl, deadline, f == 1);
      ss.put(id, s);
      dues.add(new Due(deadline, id));
      if (f == 1) {
        fr.add(id);
      }
      previousId = id;
    }

    TreeMap<String, Lock> ls = new TreeMap<>();
    TreeSet<String> del = new TreeSet<>();
    int lockCount = in.count(MIN_LOCK_BYTES, "lock count");
    String previous = null;
    for (int i = 0; i < lockCount; i++) {
      String name = in.string("lock name");
      String invalid = Registers.checkName(name);
      check(invalid == null, "lock " + i + ": " + invalid);
      check(previous == null || previous.compareTo(name) < 0, "lock names out of order or repeated");
      previous = name;
      Lock l = new Lock(name);
      l.holder = in.i64("holder");
      l.token = in.i64("token");
      l.count = in.i32("count");
      l.holderDelay = in.i64("holder's lock delay");
      l.delayEnd = in.i64("delay end");
      if (l.holder == 0) {
        check(l.token == 0 && l.count == 0 && l.holderDelay == 0, "lock " + name + ": no holder but a token, count or delay");
        check(l.delayEnd > clock && l.delayEnd - clock <= MAX_LOCK_DELAY_MILLIS,
            "lock " + name + ": neither held nor in a lock delay (delay end " + l.delayEnd + " at now " + clock + ")");
        del.add(name);
      } else {
        Session holder = ss.get(l.holder);
        check(holder != null, "lock " + name + ": holder " + l.holder + " is no live session");
        check(l.token > l.holder && l.token <= last, "lock " + name + ": token " + l.token + " outside "
            + (l.holder + 1) + ".." + last);
        check(l.count >= 1, "lock " + name + ": count " + l.count);
        check(l.holderDelay >= 0 && l.holderDelay <= MAX_LOCK_DELAY_MILLIS, "lock " + name + ": lock delay " + l.holderDelay);
        check(l.delayEnd == 0, "lock " + name + ": held and in a lock delay");
        holder.held.add(name);
      }
      int waiterCount = in.count(WAITER_BYTES, "waiter count");
      for (int j = 0; j < waiterCount; j++) {
        long sid = in.i64("waiter session");
        long delay = in.i64("waiter lock delay");
        Session w = ss.get(sid);
        check(w != null, "lock " + name + ": waiter " + sid + " is no live session");
        check(sid != l.holder && !w.waiting.contains(name), "lock " + name + ": session " + sid + " waits twice or holds");
        check(delay >= 0 && delay <= MAX_LOCK_DELAY_MILLIS, "lock " + name + ": waiter lock delay " + delay);
        l.waiters.add(new Waiter(sid, delay));
        w.waiting.add(name);
      }
      ls.put(name, l);
    }

    TreeMap<String, Election> es = new TreeMap<>();
    int electionCount = in.count(MIN_ELECTION_BYTES, "election count");
    previous = null;
    for (int i = 0; i < electionCount; i++) {
      String name = in.string("election name");
      String invalid = Registers.checkName(name);
      check(invalid == null, "election " + i + ": " + invalid);
      check(previous == null || previous.compareTo(name) < 0, "election names out of order or repeated");
      previous = name;
      Election e = new Election(name);
      e.token = in.i64("leader token");
      e.revision = in.i64("revision");
      int candidateCount = in.count(MIN_CANDIDATE_BYTES, "candidate count");
      check(candidateCount >= 1, "election " + name + " has no candidate");
      for (int j = 0; j < candidateCount; j++) {
        long sid = in.i64("candidate session");
        String value = in.string("candidate value");
        Session c = ss.get(sid);
        check(c != null, "election " + name + ": candidate " + sid + " is no live session");
        check(!c.campaigns.contains(name), "election " + name + ": session " + sid + " stands twice");
        String bad = checkElectionValue(value);
        check(bad == null, "election " + name + ": " + bad);
        e.candidates.add(new Candidate(sid, value));
        c.campaigns.add(name);
      }
      long leader = e.candidates.get(0).session;
      check(e.token > leader && e.token <= e.revision && e.revision <= last,
          "election " + name + ": token " + e.token + ", revision " + e.revision + " not within leader "
              + leader + " < token <= revision <= " + last);
      es.put(name, e);
    }

    TreeMap<String, Semaphore> sems = new TreeMap<>();
    int semaphoreCount = in.count(MIN_SEMAPHORE_BYTES, "semaphore count");
    previous = null;
    for (int i = 0; i < semaphoreCount; i++) {
      String name = in.string("semaphore name");
      String invalid = Registers.checkName(name);
      check(invalid == null, "semaphore " + i + ": " + invalid);
      check(previous == null || previous.compareTo(name) < 0, "semaphore names out of order or repeated");
      previous = name;
      int limit = in.i32("limit");
      check(limit >= 1 && limit <= MAX_PERMITS, "semaphore " + name + ": limit " + limit);
      Semaphore sem = new Semaphore(name, limit);
      int holderCount = in.count(PERMITS_BYTES, "holder count");
      long previousHolder = 0;
      for (int j = 0; j < holderCount; j++) {
        long sid = in.i64("holder session");
        int n = in.i32("held permits");
        Session h = ss.get(sid);
        check(h != null && sid > previousHolder, "semaphore " + name + ": holder " + sid + " not live or out of order");
        check(n >= 1 && n <= limit - sem.used, "semaphore " + name + ": holder " + sid + " holds " + n
            + " with " + sem.used + " of " + limit + " used");
        sem.used += n;
        sem.holders.put(sid, n);
        h.semaphores.add(name);
        previousHolder = sid;
      }
      int waiterCount = in.count(PERMITS_BYTES, "waiter count");
      for (int j = 0; j < waiterCount; j++) {
        long sid = in.i64("waiter session");
        int n = in.i32("wanted permits");
        Session w = ss.get(sid);
        check(w != null && sem.positionOf(sid) == 0, "semaphore " + name + ": waiter " + sid + " not live or twice");
        check(n >= 1 && n <= limit, "semaphore " + name + ": waiter " + sid + " wants " + n + " of " + limit);
        sem.waiters.add(new Permits(sid, n));
        w.semaphores.add(name);
      }
      check(holderCount + waiterCount > 0, "semaphore " + name + " is idle");
      check(sem.waiters.isEmpty() || sem.waiters.get(0).permits() > limit - sem.used,
          "semaphore " + name + ": the first waiter fits but was not admitted");
      sems.put(name, sem);
    }
    long floor = in.i64("history floor");
    check(floor >= 0 && floor <= last, "history floor " + floor + " outside 0.." + last);
    int changeCount = in.count(MIN_CHANGE_BYTES, "history length");
    check(changeCount <= MAX_HISTORY, "history of " + changeCount + " changes, more than " + MAX_HISTORY);
    ArrayDeque<LeaderChanged> hist = new ArrayDeque<>();
    long previousChange = floor;
    for (int i = 0; i < changeCount; i++) {
      long index = in.i64("change index");
      String name = in.string("change election");
      long leader = in.i64("change leader");
      long token = in.i64("change token");
      String value = in.string("change value");
      check(index >= Math.max(1, previousChange) && index <= last, "history: change " + index + " not within "
          + Math.max(1, previousChange) + ".." + last + " (changes in index order; several elections may change at one)");
      String invalid = Registers.checkName(name);
      String bad = checkElectionValue(value);
      check(invalid == null && bad == null, "history: change " + index + ": " + (invalid != null ? invalid : bad));
      check(leader == 0 ? token == 0 && value.isEmpty() : leader > 0 && token > leader && token <= index,
          "history: change " + index + ": leader " + leader + " with token " + token);
      hist.addLast(new LeaderChanged(index, name, leader, token, value));
      previousChange = index;
    }
    check(floor == 0 || changeCount == MAX_HISTORY, "history: changes dropped while fewer than " + MAX_HISTORY
        + " are kept");
    in.expectEnd("primitives snapshot");
    lastIndex = last;
    history = hist;
    historyFloor = floor;
    now = clock;
    sessions = ss;
    due = dues;
    fresh = fr;
    locks = ls;
    delayed = del;
    elections = es;
    semaphores = sems;
    events = new ArrayList<>();
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalArgumentException("primitives snapshot: " + what);
    }
  }
}
