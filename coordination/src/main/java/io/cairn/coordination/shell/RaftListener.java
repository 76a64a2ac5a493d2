package io.cairn.coordination.shell;

import io.cairn.coordination.raft.RaftEvent;
import io.cairn.membership.NodeId;
import java.util.List;

/** What a {@link RaftShell} reports for metrics and logs. Called on the shell's context: be quick. */
public interface RaftListener {
  RaftListener NONE = new RaftListener() {};

  /**
   * One group write of the log: {@code entries} log entries (maybe none: a hard state, a
   * snapshot) written and forced to disk in {@code nanos}, one fsync. Called on the {@code
   * cairn-wal} thread.
   */
  default void fsynced(int entries, long nanos) {}

  /** A command this node proposed as leader was applied, {@code nanos} after it was proposed. */
  default void committed(long nanos) {}

  /** A snapshot was taken (and the log compacted) or installed from the leader. */
  default void snapshot(boolean installed, int bytes) {}

  default void event(RaftEvent event) {}

  /** The voter set in force changed (a CONFIG entry was appended, or cut away). */
  default void voters(List<NodeId> voters) {}

  /** The core's positions after a round of work: the log holds {@code firstIndex..lastIndex}. */
  default void state(long term, boolean leader, long commitIndex, long appliedIndex, long firstIndex,
      long lastIndex) {}
}
