package io.cairn.coordination.raft;

import java.util.List;
import java.util.Optional;

/**
 * Everything a {@link RaftCore} owes its shell since the last {@link RaftCore#drainEffects()}, to be
 * carried out in this order:
 *
 * <ol>
 *   <li>{@code send}: may leave at once, before or during the write (a leader's appends: its own
 *       copy counts only once reported through {@link RaftCore#persisted}).
 *   <li>{@code persist} and {@code append}: written to the log, in order after every earlier
 *       batch. {@code append} is contiguous; the log is cut at its first index before it is
 *       written (an overwritten suffix). Then {@link RaftCore#persisted} with its last entry.
 *   <li>{@code sendAfterPersist}: only once this batch and every earlier one is durable (votes,
 *       acknowledgements, a candidate's vote requests).
 *   <li>{@code commit}: applied in index order, after the batch is durable.
 *   <li>{@code reads}: answered from the state machine after applying {@code commit}.
 * </ol>
 * {@code events} are for logs, metrics and tests.
 */
public record Effects(
    Optional<HardState> persist,
    List<LogEntry> append,
    List<RaftMessage> send,
    List<RaftMessage> sendAfterPersist,
    List<LogEntry> commit,
    List<ReadState> reads,
    List<RaftEvent> events) {
  public static final Effects NONE =
      new Effects(Optional.empty(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of());

  public Effects {
    append = List.copyOf(append);
    send = List.copyOf(send);
    sendAfterPersist = List.copyOf(sendAfterPersist);
    commit = List.copyOf(commit);
    reads = List.copyOf(reads);
    events = List.copyOf(events);
  }

  public boolean isEmpty() {
    return persist.isEmpty() && append.isEmpty() && send.isEmpty() && sendAfterPersist.isEmpty()
        && commit.isEmpty() && reads.isEmpty() && events.isEmpty();
  }

  /** Whether the shell must write anything before {@code sendAfterPersist}, commit and reads. */
  public boolean needsPersist() {
    return persist.isPresent() || !append.isEmpty();
  }
}
