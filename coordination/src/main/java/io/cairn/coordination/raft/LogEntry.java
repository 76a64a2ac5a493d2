package io.cairn.coordination.raft;

import java.util.Arrays;
import java.util.Objects;

/**
 * One entry of the replicated log: its position, the term of the leader that created it, and
 * either a client command or a leader's no-op (appended at the start of every term so that the
 * leader can commit, and so confirm, everything before it).
 */
public record LogEntry(long index, long term, Type type, byte[] command) {
  public enum Type { NO_OP, COMMAND }

  private static final byte[] NONE = new byte[0];

  public LogEntry {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(command, "command");
    if (index < 1 || term < 1) {
      throw new IllegalArgumentException("index and term start at 1: " + index + ", " + term);
    }
  }

  public static LogEntry noOp(long index, long term) {
    return new LogEntry(index, term, Type.NO_OP, NONE);
  }

  public static LogEntry command(long index, long term, byte[] command) {
    return new LogEntry(index, term, Type.COMMAND, command);
  }

  /** The size that counts against {@link RaftSettings#maxBytesPerMessage()}. */
  int sizeBytes() {
    return command.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LogEntry e && e.index == index && e.term == term && e.type == type
        && Arrays.equals(e.command, command);
  }

  @Override
  public int hashCode() {
    return Objects.hash(index, term, type, Arrays.hashCode(command));
  }

  @Override
  public String toString() {
    return index + "@" + term + (type == Type.NO_OP ? "(no-op)" : "(" + command.length + "B)");
  }
}
