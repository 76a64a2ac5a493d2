package io.cairn.coordination.raft;

/**
 * A ReadIndex read that may now be served: leadership was confirmed by a majority after the read
 * was asked for, and every entry up to {@code index} has been handed out to apply. The shell answers
 * it from its state machine once it has applied the {@code commit} entries of the same
 * {@link Effects}.
 */
public record ReadState(long requestId, long index) {}
