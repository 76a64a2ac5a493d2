package io.cairn.coordination.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.coordination.raft.LogEntry;
import io.cairn.coordination.raft.RaftMessage;
import io.cairn.coordination.raft.RaftMessage.AppendEntries;
import io.cairn.coordination.raft.RaftMessage.InstallSnapshot;
import io.cairn.coordination.raft.RaftMessage.RequestVote;
import io.cairn.coordination.raft.Snapshot;
import io.cairn.membership.NodeId;
import io.cairn.membership.transport.CodecException;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RaftCodecTest {
  private static final NodeId A = NodeId.of("a");
  private static final NodeId B = NodeId.of("b");

  @Test
  void everyKindRoundTripsWithRandomContents() {
    RandomRaftMessages messages = new RandomRaftMessages(20261125L);
    EnumSet<RaftMessage.Kind> seen = EnumSet.noneOf(RaftMessage.Kind.class);
    EnumSet<LogEntry.Type> types = EnumSet.noneOf(LogEntry.Type.class);
    for (int i = 0; i < 5_000; i++) {
      RaftMessage m = messages.message();
      seen.add(m.kind());
      if (m instanceof AppendEntries ae) {
        ae.entries().forEach(e -> types.add(e.type()));
      }
      Buffer bytes = RaftCodec.encode(m);
      assertThat(bytes.getUnsignedByte(0)).isEqualTo((short) RaftCodec.VERSION);
      assertThat(RaftCodec.decode(bytes)).as("iteration %d: %s", i, m).isEqualTo(m);
    }
    assertThat(seen).containsExactlyInAnyOrder(RaftMessage.Kind.values());
    assertThat(types).containsExactlyInAnyOrder(LogEntry.Type.values());
  }

  @Test
  void flagsTravel() {
    for (boolean preVote : new boolean[] {false, true}) {
      for (boolean transfer : new boolean[] {false, true}) {
        var m = new RequestVote(A, B, 7, 12, 6, preVote, transfer);
        assertThat(RaftCodec.decode(RaftCodec.encode(m))).isEqualTo(m);
      }
    }
  }

  @Test
  void everyTruncationIsRefusedCleanly() {
    RandomRaftMessages messages = new RandomRaftMessages(7);
    EnumSet<RaftMessage.Kind> seen = EnumSet.noneOf(RaftMessage.Kind.class);
    for (int i = 0; i < 300; i++) {
      RaftMessage m = messages.message();
      seen.add(m.kind());
      byte[] bytes = RaftCodec.encode(m).getBytes();
      for (int cut = 0; cut < bytes.length; cut++) {
        Buffer prefix = Buffer.buffer(Arrays.copyOf(bytes, cut));
        assertThatThrownBy(() -> RaftCodec.decode(prefix))
            .as("%s cut at %d of %d", m, cut, bytes.length)
            .isExactlyInstanceOf(CodecException.class);
      }
    }
    assertThat(seen).containsExactlyInAnyOrder(RaftMessage.Kind.values());
  }

  @Test
  void trailingBytesAreRefused() {
    RandomRaftMessages messages = new RandomRaftMessages(8);
    for (int i = 0; i < 200; i++) {
      Buffer bytes = RaftCodec.encode(messages.message()).appendByte((byte) 0);
      assertThatThrownBy(() -> RaftCodec.decode(bytes))
          .isExactlyInstanceOf(CodecException.class)
          .hasMessageContaining("after the end");
    }
  }

  @Test
  void unknownVersionKindAndEntryTypeAreRefused() {
    byte[] bytes = RaftCodec.encode(appendOf(LogEntry.command(5, 2, new byte[] {1, 2}))).getBytes();
    for (int version : new int[] {0, 2, 255}) {
      byte[] b = bytes.clone();
      b[0] = (byte) version;
      assertRefused(b, "version " + version);
    }
    for (int kind : new int[] {0, 8, 255}) {
      byte[] b = bytes.clone();
      b[1] = (byte) kind;
      assertRefused(b, "kind " + kind);
    }
    // version, kind, "a", "b", term, prevLogIndex, prevLogTerm, count, index, term: then the type
    int typeAt = 2 + 3 + 3 + 8 + 8 + 8 + 4 + 8 + 8;
    assertThat(bytes[typeAt]).isEqualTo((byte) 2);
    for (int type : new int[] {0, 4, 255}) {
      byte[] b = bytes.clone();
      b[typeAt] = (byte) type;
      assertRefused(b, "log entry type " + type);
    }
  }

  @Test
  void hugeLengthsAndCountsAreRefusedWithoutAllocating() {
    byte[] bytes = RaftCodec.encode(appendOf(LogEntry.command(5, 2, new byte[] {1, 2}))).getBytes();
    int countAt = 2 + 3 + 3 + 8 + 8 + 8;
    int lengthAt = countAt + 4 + 8 + 8 + 1;
    for (int forged : new int[] {-1, Integer.MAX_VALUE, RaftCodec.MAX_ENTRIES + 1, RaftCodec.MAX_ENTRIES}) {
      byte[] b = bytes.clone();
      ByteBuffer.wrap(b).putInt(countAt, forged);
      assertThatThrownBy(() -> RaftCodec.decode(Buffer.buffer(b))).isExactlyInstanceOf(CodecException.class);
    }
    for (int forged : new int[] {-1, Integer.MAX_VALUE, RaftCodec.MAX_COMMAND_BYTES, 3}) {
      byte[] b = bytes.clone();
      ByteBuffer.wrap(b).putInt(lengthAt, forged);
      assertThatThrownBy(() -> RaftCodec.decode(Buffer.buffer(b))).isExactlyInstanceOf(CodecException.class);
    }
  }

  @Test
  void aConfigEntryWithAForgedVoterLengthIsRefusedWithoutAllocating() {
    byte[] forged = ByteBuffer.allocate(8).putInt(1).putInt(Integer.MAX_VALUE - 8).array();
    var m = appendOf(new LogEntry(5, 2, LogEntry.Type.CONFIG, forged));
    assertThatThrownBy(() -> RaftCodec.decode(encodeUnchecked(m)))
        .isExactlyInstanceOf(CodecException.class)
        .hasMessageContaining("CONFIG");
  }

  @Test
  void entriesThatDoNotFollowPrevLogIndexAreRefused() {
    var gap = new AppendEntries(A, B, 3, 4, 2,
        List.of(LogEntry.command(5, 2, new byte[0]), LogEntry.command(7, 2, new byte[0])), 4, 1);
    assertThatThrownBy(() -> RaftCodec.encode(gap)).isExactlyInstanceOf(CodecException.class);
    var wrongStart = new AppendEntries(A, B, 3, 4, 2, List.of(LogEntry.noOp(6, 3)), 4, 1);
    assertThatThrownBy(() -> RaftCodec.encode(wrongStart)).isExactlyInstanceOf(CodecException.class);

    byte[] b = RaftCodec.encode(appendOf(LogEntry.noOp(5, 3))).getBytes();
    int indexAt = 2 + 3 + 3 + 8 + 8 + 8 + 4;
    ByteBuffer.wrap(b).putLong(indexAt, 6);
    assertRefused(b, "expected 5");
  }

  @Test
  void negativeTermsAndIndexesAndInvalidNodeIdsAreRefused() {
    assertThatThrownBy(() -> RaftCodec.encode(new RequestVote(A, B, -1, 0, 0, false, false)))
        .isExactlyInstanceOf(CodecException.class);
    byte[] b = RaftCodec.encode(new RequestVote(A, B, 1, 0, 0, false, false)).getBytes();
    ByteBuffer.wrap(b).putLong(2 + 3 + 3, -1);
    assertRefused(b, "negative");

    byte[] id = RaftCodec.encode(new RequestVote(A, B, 1, 0, 0, false, false)).getBytes();
    id[4] = '-'; // "-" is not a node id
    assertRefused(id, "node id");
  }

  @Test
  void aSnapshotIsCheckedLikeTheRecordChecksIt() {
    var m = new InstallSnapshot(A, B, 4, new Snapshot(9, 3, List.of(A, B), new byte[] {9}), 2);
    byte[] bytes = RaftCodec.encode(m).getBytes();
    int votersAt = 2 + 3 + 3 + 8 + 8 + 8;
    byte[] dup = bytes.clone();
    dup[votersAt + 1 + 2] = 'b'; // voters [b, b]
    assertRefused(dup, "distinct");
    byte[] none = bytes.clone();
    none[votersAt] = 0;
    assertThatThrownBy(() -> RaftCodec.decode(Buffer.buffer(none))).isExactlyInstanceOf(CodecException.class);
  }

  /**
   * Valid encodings with random bytes changed or spliced, and plain random bytes: each either
   * decodes to a message (which then round-trips) or throws CodecException, nothing else.
   */
  @Test
  void anyBytesDecodeOrThrowCodecException() {
    SplittableRandom random = new SplittableRandom(42);
    RandomRaftMessages messages = new RandomRaftMessages(43);
    int decoded = 0;
    int refused = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes = RaftCodec.encode(messages.message()).getBytes();
      byte[] input = switch (i % 3) {
        case 0 -> {
          for (int k = 1 + random.nextInt(3); k > 0; k--) {
            bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
          }
          yield bytes;
        }
        case 1 -> {
          int at = random.nextInt(bytes.length);
          byte[] tail = new byte[random.nextInt(40)];
          random.nextBytes(tail);
          byte[] b = Arrays.copyOf(bytes, at + tail.length);
          System.arraycopy(tail, 0, b, at, tail.length);
          yield b;
        }
        default -> {
          byte[] b = new byte[random.nextInt(80)];
          random.nextBytes(b);
          if (b.length > 1) {
            b[0] = 1;
            b[1] = (byte) (1 + random.nextInt(7));
          }
          yield b;
        }
      };
      try {
        RaftMessage m = RaftCodec.decode(Buffer.buffer(input));
        assertThat(RaftCodec.decode(RaftCodec.encode(m))).isEqualTo(m);
        decoded++;
      } catch (CodecException e) {
        refused++;
      }
    }
    assertThat(decoded).isPositive();
    assertThat(refused).isPositive();
  }

  private static AppendEntries appendOf(LogEntry entry) {
    return new AppendEntries(A, B, 3, entry.index() - 1, 2, List.of(entry), 4, 1);
  }

  /** Encodes a message whose entries the encoder would check, bypassing only that check. */
  private static Buffer encodeUnchecked(AppendEntries m) {
    Buffer b = RaftCodec.encode(new AppendEntries(m.from(), m.to(), m.term(), m.prevLogIndex(), m.prevLogTerm(),
        List.of(), m.leaderCommit(), m.round()));
    Buffer head = b.getBuffer(0, b.length() - 8 - 8 - 4);
    head.appendInt(m.entries().size());
    for (LogEntry e : m.entries()) {
      head.appendLong(e.index()).appendLong(e.term()).appendByte((byte) (e.type().ordinal() + 1))
          .appendInt(e.command().length).appendBytes(e.command());
    }
    return head.appendLong(m.leaderCommit()).appendLong(m.round());
  }

  private static void assertRefused(byte[] bytes, String reason) {
    assertThatThrownBy(() -> RaftCodec.decode(Buffer.buffer(bytes)))
        .isExactlyInstanceOf(CodecException.class)
        .hasMessageContaining(reason);
  }

  /** Random valid messages of every kind from one seed. */
  static final class RandomRaftMessages {
    private final SplittableRandom random;

    RandomRaftMessages(long seed) {
      this.random = new SplittableRandom(seed);
    }

    RaftMessage message() {
      NodeId from = node();
      NodeId to = node();
      long term = nat();
      return switch (RaftMessage.Kind.values()[random.nextInt(RaftMessage.Kind.values().length)]) {
        case REQUEST_VOTE -> new RequestVote(from, to, term, nat(), nat(), random.nextBoolean(), random.nextBoolean());
        case REQUEST_VOTE_RESPONSE -> new RaftMessage.RequestVoteResponse(from, to, term, random.nextBoolean(),
            random.nextBoolean());
        case APPEND_ENTRIES -> {
          long prev = Math.min(nat(), Long.MAX_VALUE - 16);
          int n = random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(8);
          List<LogEntry> entries = new ArrayList<>();
          for (int i = 1; i <= n; i++) {
            entries.add(entry(prev + i));
          }
          yield new AppendEntries(from, to, term, prev, nat(), entries, nat(), nat());
        }
        case APPEND_ENTRIES_RESPONSE -> new RaftMessage.AppendEntriesResponse(from, to, term, random.nextBoolean(),
            nat(), nat(), nat(), nat(), nat());
        case INSTALL_SNAPSHOT -> new InstallSnapshot(from, to, term,
            new Snapshot(pos(), pos(), voters(), bytes(random.nextInt(200))), nat());
        case INSTALL_SNAPSHOT_RESPONSE -> new RaftMessage.InstallSnapshotResponse(from, to, term, nat(), nat(), nat());
        case TIMEOUT_NOW -> new RaftMessage.TimeoutNow(from, to, term);
      };
    }

    private LogEntry entry(long index) {
      long term = pos();
      return switch (random.nextInt(3)) {
        case 0 -> LogEntry.noOp(index, term);
        case 1 -> LogEntry.command(index, term, bytes(random.nextInt(100)));
        default -> LogEntry.config(index, term, voters());
      };
    }

    private List<NodeId> voters() {
      List<NodeId> voters = new ArrayList<>();
      int n = 1 + random.nextInt(7);
      for (int i = 0; i < n; i++) {
        voters.add(NodeId.of("n" + i + "-" + random.nextInt(1000)));
      }
      return voters;
    }

    private NodeId node() {
      return random.nextInt(10) == 0
          ? NodeId.of("cairn-" + "x".repeat(57)) // 63 characters, the longest
          : NodeId.of("node-" + random.nextInt(100));
    }

    /** Mostly small, sometimes near the top of the range. */
    private long nat() {
      return switch (random.nextInt(4)) {
        case 0 -> 0;
        case 1 -> Long.MAX_VALUE - random.nextInt(1000);
        default -> random.nextLong(1_000_000);
      };
    }

    private long pos() {
      return Math.max(1, nat());
    }

    private byte[] bytes(int n) {
      byte[] b = new byte[n];
      random.nextBytes(b);
      return b;
    }
  }
}
