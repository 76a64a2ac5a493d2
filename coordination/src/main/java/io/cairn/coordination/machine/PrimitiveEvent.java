package io.cairn.coordination.machine;

import java.util.Objects;

/**
 * Something that applying a command did besides answering its proposer, drained by the shell with
 * {@link Primitives#drainEvents()} after each apply so that it can wake the HTTP requests that
 * wait for it (a queued acquire, a watch on a session). Events are in the order they happened.
 */
public sealed interface PrimitiveEvent {
  /** The log index of the command whose apply produced the event. */
  long index();

  /**
   * A waiting session was granted {@code lock} with {@code token} (the index of the command that
   * released it, expired its holder or ended its lock delay). A grant that answers its own acquire
   * is the result, not an event.
   */
  record LockGranted(long index, String lock, long sessionId, long token) implements PrimitiveEvent {
    public LockGranted {
      Objects.requireNonNull(lock, "lock");
    }
  }

  /** Session {@code sessionId} expired at this index; everything it held was released. */
  record SessionExpired(long index, long sessionId) implements PrimitiveEvent {}

  /**
   * Session {@code sessionId} was closed at this index; everything it held was released (without
   * lock delay). Its proposer has the answer; the event is for the requests that wait on it.
   */
  record SessionClosed(long index, long sessionId) implements PrimitiveEvent {}

  /**
   * What observers of election {@code election} see changed at {@code index}, its revision: a new
   * leader {@code leaderSession} with {@code token} (the index at which it became leader) and
   * {@code value}, a proclaimed value (same token), or no leader at all (0, 0, ""). An observer
   * that saw revision r resumes from the election's current revision if that is greater.
   */
  record LeaderChanged(long index, String election, long leaderSession, long token, String value)
      implements PrimitiveEvent {
    public LeaderChanged {
      Objects.requireNonNull(election, "election");
      Objects.requireNonNull(value, "value");
    }
  }

  /**
   * A waiting session was granted {@code permits} of {@code semaphore} when others were given
   * back, ended or stopped waiting.
   */
  record PermitsGranted(long index, String semaphore, long sessionId, int permits) implements PrimitiveEvent {
    public PermitsGranted {
      Objects.requireNonNull(semaphore, "semaphore");
    }
  }
}
