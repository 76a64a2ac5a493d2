package io.cairn.coordination.machine;

import java.util.List;
import java.util.function.LongPredicate;

/**
 * A state machine of a module above the coordination group that shares its log, and with it the
 * sessions of the primitives: the coordination state applies its commands in log order beside the
 * registers and primitives, tells it at the same log index when sessions end, and keeps its state
 * in the same snapshots. Deterministic like every replicated machine; called on the applying
 * thread only.
 */
public interface ExtensionMachine {
  /**
   * Applies a committed command; must not throw for a malformed one (it answers an error and
   * changes nothing).
   *
   * @param sessionLive whether a session of the primitives is live at this index
   */
  byte[] apply(long index, byte[] command, LongPredicate sessionLive);

  /** The sessions that ended at {@code index} (expired or closed), in the order they ended. */
  void sessionsEnded(long index, List<Long> sessions);

  /** Answers a query against the applied state; IllegalArgumentException for a malformed one. */
  byte[] answer(byte[] query);

  /** The whole state, encoded (deterministic bytes for equal states). */
  byte[] snapshot();

  /**
   * Replaces the state; no bytes stand for the initial state (a snapshot from before the
   * extension). IllegalArgumentException for a malformed snapshot, leaving the state as it was.
   */
  void restore(byte[] snapshot);
}
