package io.cairn.coordination.machine;

/**
 * A deterministic state machine replicated by Raft: every voter applies the same committed
 * commands in the same order and must reach the same state and results.
 */
public interface StateMachine {
  /**
   * Applies the committed command at log index {@code index}; returns the result for whoever
   * proposed it. Must not throw for a malformed command: it returns an error result and changes
   * nothing.
   */
  byte[] apply(long index, byte[] command);

  /** The whole state, encoded (deterministic bytes for equal states). */
  byte[] snapshot();

  /**
   * Replaces the state with a decoded snapshot; throws IllegalArgumentException for a malformed
   * one and then leaves the state unchanged.
   */
  void restore(byte[] snapshot);
}
