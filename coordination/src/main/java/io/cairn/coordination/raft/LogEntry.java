package io.cairn.coordination.raft;

import io.cairn.membership.NodeId;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One entry of the replicated log: its position, the term of the leader that created it, and
 * either a client command, a leader's no-op (appended at the start of every term so that the
 * leader can commit, and so confirm, everything before it), or a new voter set (CONFIG; its
 * {@code command} is the set encoded by {@link #config}).
 */
public record LogEntry(long index, long term, Type type, byte[] command) {
  /** Stored by ordinal in the write-ahead log: only ever add at the end. */
  public enum Type { NO_OP, COMMAND, CONFIG }

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

  /** A change of the voter set to {@code voters} (distinct node ids, in the given order). */
  public static LogEntry config(long index, long term, List<NodeId> voters) {
    if (voters.isEmpty() || voters.stream().distinct().count() != voters.size()) {
      throw new IllegalArgumentException("voters are distinct and not empty: " + voters);
    }
    ByteBuffer b = ByteBuffer.allocate(4 + voters.stream().mapToInt(v -> 4 + utf8(v).length).sum());
    b.putInt(voters.size());
    for (NodeId v : voters) {
      byte[] id = utf8(v);
      b.putInt(id.length).put(id);
    }
    return new LogEntry(index, term, Type.CONFIG, b.array());
  }

  /** The voter set of a CONFIG entry. */
  public List<NodeId> voters() {
    if (type != Type.CONFIG) {
      throw new IllegalStateException("not a CONFIG entry: " + this);
    }
    try {
      ByteBuffer b = ByteBuffer.wrap(command);
      int n = b.getInt();
      if (n < 1 || n > command.length) {
        throw new IllegalStateException("a CONFIG entry with " + n + " voters: " + this);
      }
      List<NodeId> voters = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int len = b.getInt();
        if (len < 0 || len > b.remaining()) { // a forged length must not allocate gigabytes
          throw new IllegalStateException("a CONFIG entry with a voter of " + len + " bytes: " + this);
        }
        byte[] id = new byte[len];
        b.get(id);
        voters.add(new NodeId(new String(id, StandardCharsets.UTF_8)));
      }
      if (b.hasRemaining()) {
        throw new IllegalStateException("trailing bytes in a CONFIG entry: " + this);
      }
      return List.copyOf(voters);
    } catch (BufferUnderflowException | NegativeArraySizeException | IllegalArgumentException e) {
      throw new IllegalStateException("a malformed CONFIG entry: " + this, e);
    }
  }

  private static byte[] utf8(NodeId id) {
    return id.value().getBytes(StandardCharsets.UTF_8);
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
    return index + "@" + term + switch (type) {
      case NO_OP -> "(no-op)";
      case COMMAND -> "(" + command.length + "B)";
      case CONFIG -> "(config)";
    };
  }
}
