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
 *   <li>{@code install}, {@code persist} and {@code append}: written, in this order, after every
 *       earlier batch. {@code install} is a snapshot from the leader: it durably replaces the log
 *       up to its index (entries after it are kept if the log holds an entry with the snapshot's
 *       index and term, else the whole log goes). {@code append} is contiguous and starts after
 *       any {@code install}; the log is cut at its first index before it is written (an
 *       overwritten suffix). Then {@link RaftCore#persisted} with its last entry.
 *   <li>{@code sendAfterPersist}: only once this batch and every earlier one is durable (votes,
 *       acknowledgements, a candidate's vote requests).
 *   <li>{@code install} again, then {@code commit}: the state machine is first replaced by the
 *       installed snapshot's state, then applies {@code commit} in index order (which then
 *       starts at the snapshot's index + 1), after the batch is durable.
 *   <li>{@code reads}: answered from the state machine after applying {@code commit}.
 * </ol>
 * {@code events} are for logs, metrics and tests.
 */
public record Effects(
    Optional<Snapshot> install,
    Optional<HardState> persist,
    List<LogEntry> append,
    List<RaftMessage> send,
    List<RaftMessage> sendAfterPersist,
    List<LogEntry> commit,
    List<ReadState> reads,
    List<RaftEvent> events) {
  public static final Effects NONE =
      new Effects(Optional.empty(), Optional.empty(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of());

  public Effects {
    append = List.copyOf(append);
    send = List.copyOf(send);
    sendAfterPersist = List.copyOf(sendAfterPersist);
    commit = List.copyOf(commit);
    reads = List.copyOf(reads);
    events = List.copyOf(events);
  }

  public boolean isEmpty() {
    return install.isEmpty() && persist.isEmpty() && append.isEmpty() && send.isEmpty() && sendAfterPersist.isEmpty()
        && commit.isEmpty() && reads.isEmpty() && events.isEmpty();
  }

  /** Whether the shell must write anything before {@code sendAfterPersist}, commit and reads. */
  public boolean needsPersist() {
    return install.isPresent() || persist.isPresent() || !append.isEmpty();
  }
}
