package io.cairn.coordination.shell;

import io.cairn.coordination.raft.LogEntry;
import io.cairn.coordination.raft.RaftMessage;
import io.cairn.coordination.raft.RaftMessage.AppendEntries;
import io.cairn.coordination.raft.RaftMessage.AppendEntriesResponse;
import io.cairn.coordination.raft.RaftMessage.InstallSnapshot;
import io.cairn.coordination.raft.RaftMessage.InstallSnapshotResponse;
import io.cairn.coordination.raft.RaftMessage.RequestVote;
import io.cairn.coordination.raft.RaftMessage.RequestVoteResponse;
import io.cairn.coordination.raft.RaftMessage.TimeoutNow;
import io.cairn.coordination.raft.Snapshot;
import io.cairn.membership.NodeId;
import io.cairn.membership.transport.CodecException;
import io.cairn.membership.wire.WireReader;
import io.cairn.membership.wire.WireWriter;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of {@link RaftMessage}s, carried on the transport's {@code RAFT} channel.
 *
 * <pre>
 * message  = u8 codec-version (1), u8 kind, node-id from, node-id to, i64 term, fields of the kind
 * kind     = 1 RequestVote:             i64 lastLogIndex, i64 lastLogTerm, bool preVote, bool transfer
 *            2 RequestVoteResponse:     bool granted, bool preVote
 *            3 AppendEntries:           i64 prevLogIndex, i64 prevLogTerm, u32 entry count, entries,
 *                                       i64 leaderCommit, i64 round
 *            4 AppendEntriesResponse:   bool success, i64 matchIndex, i64 rejectedIndex,
 *                                       i64 conflictTerm, i64 conflictIndex, i64 round
 *            5 InstallSnapshot:         snapshot, i64 round
 *            6 InstallSnapshotResponse: i64 snapshotIndex, i64 matchIndex, i64 round
 *            7 TimeoutNow:              nothing more
 * entry    = i64 index, i64 term, u8 type (1 NO_OP, 2 COMMAND, 3 CONFIG), bytes command
 * snapshot = i64 index, i64 term, u8 voter count (1..255), that many node-ids, bytes data
 * node-id  = u16 length, that many bytes of UTF-8 (at most 63, a valid {@link NodeId})
 * bytes    = u32 length, that many bytes (each field has its own maximum)
 * boolean  = u8 0 or 1; every i64 term, index and round is at least 0
 * </pre>
 *
 * Kinds and entry types have codes of their own, never ordinals, so reordering an enum cannot
 * change the wire. Decoding is strict and bounded: any byte sequence either decodes to a message
 * the core can take or throws {@link CodecException} (the transport's one decoding failure, shared
 * with membership); a forged length or count never allocates more than the input could hold.
 * Besides the layout, it refuses what would break the core rather than be ignored by it: entries
 * of an AppendEntries that do not follow {@code prevLogIndex} one by one, and CONFIG entries whose
 * voter set does not parse. Encoding refuses, with the same exception, what decoding would refuse.
 */
public final class RaftCodec {
  /** The first byte of every encoded message. */
  public static final int VERSION = 1;

  static final int MAX_NODE_ID_BYTES = 63;
  /** Far above any sane {@code cp.raft.max-entries-per-message}. */
  static final int MAX_ENTRIES = 1 << 16;
  /** One command; the default {@code cluster.max-frame-bytes} would not carry a larger one anyway. */
  static final int MAX_COMMAND_BYTES = 16 << 20;
  static final int MAX_SNAPSHOT_BYTES = 256 << 20;
  static final int MAX_VOTERS = 255;
  /** The fewest bytes an entry can take: used to cap a list's capacity by what is left. */
  private static final int MIN_ENTRY_BYTES = 8 + 8 + 1 + 4;

  private RaftCodec() {}

  /** Encodes one message; throws {@link CodecException} for one that {@link #decode} would refuse. */
  public static Buffer encode(RaftMessage message) {
    Buffer out = Buffer.buffer(64);
    out.appendByte((byte) VERSION).appendByte((byte) kindCode(message.kind()));
    nodeId(out, message.from());
    nodeId(out, message.to());
    i64(out, message.term(), "term");
    switch (message.kind()) {
      case REQUEST_VOTE -> {
        RequestVote m = (RequestVote) message;
        i64(out, m.lastLogIndex(), "lastLogIndex");
        i64(out, m.lastLogTerm(), "lastLogTerm");
        WireWriter.bool(out, m.preVote());
        WireWriter.bool(out, m.transfer());
      }
      case REQUEST_VOTE_RESPONSE -> {
        RequestVoteResponse m = (RequestVoteResponse) message;
        WireWriter.bool(out, m.granted());
        WireWriter.bool(out, m.preVote());
      }
      case APPEND_ENTRIES -> {
        AppendEntries m = (AppendEntries) message;
        i64(out, m.prevLogIndex(), "prevLogIndex");
        i64(out, m.prevLogTerm(), "prevLogTerm");
        entries(out, m.prevLogIndex(), m.entries());
        i64(out, m.leaderCommit(), "leaderCommit");
        i64(out, m.round(), "round");
      }
      case APPEND_ENTRIES_RESPONSE -> {
        AppendEntriesResponse m = (AppendEntriesResponse) message;
        WireWriter.bool(out, m.success());
        i64(out, m.matchIndex(), "matchIndex");
        i64(out, m.rejectedIndex(), "rejectedIndex");
        i64(out, m.conflictTerm(), "conflictTerm");
        i64(out, m.conflictIndex(), "conflictIndex");
        i64(out, m.round(), "round");
      }
      case INSTALL_SNAPSHOT -> {
        InstallSnapshot m = (InstallSnapshot) message;
        snapshot(out, m.snapshot());
        i64(out, m.round(), "round");
      }
      case INSTALL_SNAPSHOT_RESPONSE -> {
        InstallSnapshotResponse m = (InstallSnapshotResponse) message;
        i64(out, m.snapshotIndex(), "snapshotIndex");
        i64(out, m.matchIndex(), "matchIndex");
        i64(out, m.round(), "round");
      }
      case TIMEOUT_NOW -> {
        // from, to and term say it all
      }
    }
    return out;
  }

  /** Decodes one whole message; throws {@link CodecException} and nothing else. */
  public static RaftMessage decode(Buffer bytes) {
    if (bytes == null) {
      throw new CodecException("no bytes");
    }
    try {
      WireReader in = new WireReader(bytes);
      int version = in.u8("codec version");
      if (version != VERSION) {
        throw new CodecException("raft codec version " + version + ", this node speaks " + VERSION);
      }
      int kind = in.u8("kind");
      NodeId from = nodeId(in);
      NodeId to = nodeId(in);
      long term = i64(in, "term");
      RaftMessage m =
          switch (kind) {
            case 1 -> new RequestVote(from, to, term, i64(in, "lastLogIndex"), i64(in, "lastLogTerm"),
                in.bool("preVote"), in.bool("transfer"));
            case 2 -> new RequestVoteResponse(from, to, term, in.bool("granted"), in.bool("preVote"));
            case 3 -> {
              long prevLogIndex = i64(in, "prevLogIndex");
              long prevLogTerm = i64(in, "prevLogTerm");
              List<LogEntry> entries = entries(in, prevLogIndex);
              yield new AppendEntries(from, to, term, prevLogIndex, prevLogTerm, entries,
                  i64(in, "leaderCommit"), i64(in, "round"));
            }
            case 4 -> new AppendEntriesResponse(from, to, term, in.bool("success"), i64(in, "matchIndex"),
                i64(in, "rejectedIndex"), i64(in, "conflictTerm"), i64(in, "conflictIndex"), i64(in, "round"));
            case 5 -> new InstallSnapshot(from, to, term, snapshot(in), i64(in, "round"));
            case 6 -> new InstallSnapshotResponse(from, to, term, i64(in, "snapshotIndex"),
                i64(in, "matchIndex"), i64(in, "round"));
            case 7 -> new TimeoutNow(from, to, term);
            default -> throw new CodecException("unknown raft message kind " + kind);
          };
      in.expectEnd("raft message");
      return m;
    } catch (CodecException e) {
      throw e;
    } catch (RuntimeException e) {
      // A record refused a decoded value (an entry at index 0, a snapshot with duplicate voters...).
      throw new CodecException("invalid raft message: " + e.getMessage(), e);
    }
  }

  private static int kindCode(RaftMessage.Kind kind) {
    return switch (kind) {
      case REQUEST_VOTE -> 1;
      case REQUEST_VOTE_RESPONSE -> 2;
      case APPEND_ENTRIES -> 3;
      case APPEND_ENTRIES_RESPONSE -> 4;
      case INSTALL_SNAPSHOT -> 5;
      case INSTALL_SNAPSHOT_RESPONSE -> 6;
      case TIMEOUT_NOW -> 7;
    };
  }

  private static int typeCode(LogEntry.Type type) {
    return switch (type) {
      case NO_OP -> 1;
      case COMMAND -> 2;
      case CONFIG -> 3;
    };
  }

  private static LogEntry.Type type(int code) {
    return switch (code) {
      case 1 -> LogEntry.Type.NO_OP;
      case 2 -> LogEntry.Type.COMMAND;
      case 3 -> LogEntry.Type.CONFIG;
      default -> throw new CodecException("unknown log entry type " + code);
    };
  }

  private static void i64(Buffer out, long value, String what) {
    if (value < 0) {
      throw new CodecException(what + " is negative: " + value);
    }
    out.appendLong(value);
  }

  private static long i64(WireReader in, String what) {
    long value = in.i64(what);
    if (value < 0) {
      throw new CodecException(what + " is negative: " + value);
    }
    return value;
  }

  private static void nodeId(Buffer out, NodeId id) {
    WireWriter.string(out, id.value(), MAX_NODE_ID_BYTES, "node id");
  }

  private static NodeId nodeId(WireReader in) {
    String s = in.string(MAX_NODE_ID_BYTES, "node id");
    if (!NodeId.isValid(s)) {
      throw new CodecException("invalid node id '" + s + "'");
    }
    return new NodeId(s);
  }

  private static void entries(Buffer out, long prevLogIndex, List<LogEntry> entries) {
    if (entries.size() > MAX_ENTRIES) {
      throw new CodecException(entries.size() + " entries, at most " + MAX_ENTRIES);
    }
    out.appendInt(entries.size());
    long expected = prevLogIndex + 1;
    for (LogEntry e : entries) {
      if (e.index() != expected++) {
        throw new CodecException("entry " + e + " does not follow " + (e.index() - 1) + " after " + prevLogIndex);
      }
      out.appendLong(e.index()).appendLong(e.term()).appendByte((byte) typeCode(e.type()));
      WireWriter.bytes(out, e.command(), MAX_COMMAND_BYTES, "command");
    }
  }

  private static List<LogEntry> entries(WireReader in, long prevLogIndex) {
    int count = in.i32("entry count");
    if (count < 0 || count > MAX_ENTRIES) {
      throw new CodecException(Integer.toUnsignedString(count) + " entries, at most " + MAX_ENTRIES);
    }
    List<LogEntry> list = new ArrayList<>(Math.min(count, in.remaining() / MIN_ENTRY_BYTES));
    long expected = prevLogIndex + 1;
    for (int i = 0; i < count; i++) {
      long index = in.i64("entry index");
      if (index != expected++) {
        throw new CodecException("entry " + i + " has index " + index + ", expected " + (expected - 1)
            + " after prevLogIndex " + prevLogIndex);
      }
      long term = in.i64("entry term");
      LogEntry.Type type = type(in.u8("entry type"));
      LogEntry e = new LogEntry(index, term, type, in.bytes(MAX_COMMAND_BYTES, "command"));
      if (type == LogEntry.Type.CONFIG) {
        e.voters(); // throws for a voter set the core could not read when it applies the entry
      }
      list.add(e);
    }
    return list;
  }

  private static void snapshot(Buffer out, Snapshot s) {
    out.appendLong(s.index()).appendLong(s.term());
    if (s.voters().size() > MAX_VOTERS) {
      throw new CodecException(s.voters().size() + " voters, at most " + MAX_VOTERS);
    }
    out.appendByte((byte) s.voters().size());
    for (NodeId v : s.voters()) {
      nodeId(out, v);
    }
    WireWriter.bytes(out, s.data(), MAX_SNAPSHOT_BYTES, "snapshot data");
  }

  private static Snapshot snapshot(WireReader in) {
    long index = in.i64("snapshot index");
    long term = in.i64("snapshot term");
    int count = in.u8("voter count");
    List<NodeId> voters = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      voters.add(nodeId(in));
    }
    return new Snapshot(index, term, voters, in.bytes(MAX_SNAPSHOT_BYTES, "snapshot data"));
  }
}
