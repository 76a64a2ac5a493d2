package io.cairn.coordination;

import io.cairn.coordination.machine.PrimitiveEvent.LeaderChanged;
import io.cairn.coordination.machine.PrimitiveResult;
import io.cairn.coordination.machine.Primitives;
import io.cairn.coordination.machine.Primitives.ElectionView;
import io.cairn.coordination.machine.Primitives.LockView;
import io.cairn.coordination.machine.Primitives.SemaphoreView;
import io.cairn.coordination.machine.Primitives.SessionView;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Sessions, fenced locks, elections and semaphores of the coordination group (the semantics are
 * {@link Primitives}'s): commands are committed through its log, reads answered by its leader after
 * a ReadIndex barrier. Failures that are not the machine's own answer come as {@link
 * CoordinationException}.
 *
 * <p>A call with a {@code wait} above zero is a long poll: when the machine queues the request, the
 * call completes when it is granted, when the session ends ({@code NoSession}), or when the wait
 * has run out; then the request leaves its queue (through the log), and the call completes with
 * that command's answer: {@code Cancelled} when it was still waiting, or the grant when it was
 * granted meanwhile. A long poll never leaves a request in a queue that nobody waits for, unless
 * its own outcome is unknown (504), and even then the session's end clears it.
 */
public interface PrimitiveService {
  /** {@code SessionCreated} or {@code Invalid}. */
  Future<PrimitiveResult> createSession(long ttlMillis);

  /** {@code KeptAlive} with the one renewal (alive, or not when the session has ended). */
  Future<PrimitiveResult> keepAlive(long sessionId);

  /** {@code SessionClosed} or {@code NoSession}. */
  Future<PrimitiveResult> closeSession(long sessionId);

  /** The live session, with the time it has left; empty when it has ended or never was. */
  Future<Optional<SessionView>> session(long sessionId);

  /**
   * Acquires {@code lock} for the session. With a zero wait, tries once: {@code Granted}, {@code
   * Busy}, {@code Delayed}, {@code NoSession} or {@code Invalid}. With a wait: {@code Granted}
   * (perhaps after the holder released it or a lock delay ended), {@code Cancelled} (not granted
   * within the wait), {@code NoSession} (the session ended, perhaps while waiting) or {@code
   * Invalid}.
   */
  Future<PrimitiveResult> acquire(String lock, long sessionId, Duration wait, long lockDelayMillis);

  /** {@code Released}, {@code Conflict} (not the holder, or a stale token), {@code NoSession}, {@code Invalid}. */
  Future<PrimitiveResult> release(String lock, long sessionId, long token);

  /** The lock; empty when it is free and nobody waits. */
  Future<Optional<LockView>> lock(String name);

  /**
   * Campaigns in {@code election} with {@code value}: {@code Elected}, {@code Queued} (only with a
   * zero wait: the candidacy stays in line), {@code Cancelled} (not elected within the wait: the
   * candidacy was withdrawn), {@code NoSession} (the session ended, perhaps while waiting) or
   * {@code Invalid}.
   */
  Future<PrimitiveResult> campaign(String election, long sessionId, String value, Duration wait);

  /** {@code Proclaimed}, {@code Conflict} (not the leader, or a stale token), {@code NoSession}, {@code Invalid}. */
  Future<PrimitiveResult> proclaim(String election, long sessionId, long token, String value);

  /**
   * The leader resigns ({@code token} its leader token: {@code Resigned} or {@code Conflict}), or a
   * candidate withdraws ({@code token} 0: {@code Cancelled}, or {@code NotWaiting} when it is no
   * candidate or leads); {@code NoSession}, {@code Invalid}.
   */
  Future<PrimitiveResult> resign(String election, long sessionId, long token);

  /** The election; empty when nobody campaigns. */
  Future<Optional<ElectionView>> election(String name);

  /**
   * The changes of {@code election} after revision {@code after}, oldest first, waiting up to
   * {@code wait} for one (an empty list when none came).
   */
  Future<ElectionChanges> observe(String election, long after, Duration wait);

  /**
   * Acquires {@code permits} of {@code semaphore} (which has {@code limit} permits): {@code
   * PermitsGranted}, {@code NoPermits} (zero wait), {@code Cancelled} (not granted within the
   * wait), {@code NoSession} or {@code Invalid}.
   */
  Future<PrimitiveResult> acquirePermits(String semaphore, long sessionId, int permits, int limit, Duration wait);

  /** {@code PermitsReleased}, {@code NotHeld}, {@code NoSession} or {@code Invalid}. */
  Future<PrimitiveResult> releasePermits(String semaphore, long sessionId, int permits);

  /** The semaphore; empty when nobody holds or waits. */
  Future<Optional<SemaphoreView>> semaphore(String name);

  /**
   * Changes of one election in revision order. When the group no longer remembers every change
   * after the revision asked for ({@code reset}), {@code changes} is one change: the election as it
   * is now (its revision at least the newest change; leader session 0 when nobody leads), and an
   * observer may have missed changes before it.
   */
  record ElectionChanges(List<LeaderChanged> changes, boolean reset) {
    public ElectionChanges {
      changes = List.copyOf(Objects.requireNonNull(changes, "changes"));
    }
  }
}
