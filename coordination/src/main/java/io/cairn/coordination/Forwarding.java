package io.cairn.coordination;

import io.cairn.membership.NodeId;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The requests one node sends another on the cluster transport ({@code Channel.RAFT} requests) so
 * that any node can take any coordination request: a command to commit, a query to read
 * linearizably, the state of the group (used to bootstrap and to find the leader), or a call: a
 * procedure that runs at the leader and may propose and wait (a long poll).
 *
 * <pre>
 * request = u8 format (1), u8 kind (1 command, 2 query, 3 status, 4 call), bytes
 * reply   = u8 status, then
 *   OK:       the state machine's result bytes
 *   REDIRECT: u8 has-leader, [u16 length, leader id UTF-8]   (not the leader; nothing was done)
 *   RETRY:    nothing                                        (not applied; try again shortly)
 *   FAILED:   UTF-8 message                                  (an error that a retry will not fix)
 *   UNKNOWN:  UTF-8 message                                  (a command that may or may not apply)
 *   BUSY:     UTF-8 message                                  (the leader refused it: too many wait)
 *   STATUS:   u8 has-group, u16 voters, voters as (u16 length, id)*, u8 has-leader, [u16, id]
 * </pre>
 */
final class Forwarding {
  static final byte FORMAT = 1;
  static final byte COMMAND = 1;
  static final byte QUERY = 2;
  static final byte STATUS = 3;
  static final byte CALL = 4;

  static final byte OK = 0;
  static final byte REDIRECT = 1;
  static final byte RETRY = 2;
  static final byte FAILED = 3;
  static final byte GROUP = 4;
  static final byte UNKNOWN = 5;
  static final byte BUSY = 6;

  private static final int MAX_ID_BYTES = 255;

  private Forwarding() {}

  record Request(byte kind, byte[] body) {}

  /** A reply; {@code body} is the result (OK) or the message (FAILED). */
  record Reply(byte status, byte[] body, Optional<NodeId> leader, boolean hasGroup, List<NodeId> voters) {
    static Reply ok(byte[] result) {
      return new Reply(OK, result, Optional.empty(), false, List.of());
    }

    static Reply redirect(Optional<NodeId> leader) {
      return new Reply(REDIRECT, new byte[0], leader, false, List.of());
    }

    static Reply retry() {
      return new Reply(RETRY, new byte[0], Optional.empty(), false, List.of());
    }

    static Reply failed(String message) {
      return new Reply(FAILED, utf8(message), Optional.empty(), false, List.of());
    }

    static Reply unknown(String message) {
      return new Reply(UNKNOWN, utf8(message), Optional.empty(), false, List.of());
    }

    static Reply busy(String message) {
      return new Reply(BUSY, utf8(message), Optional.empty(), false, List.of());
    }

    static Reply group(boolean hasGroup, List<NodeId> voters, Optional<NodeId> leader) {
      return new Reply(GROUP, new byte[0], leader, hasGroup, voters);
    }
  }

  static Buffer request(byte kind, byte[] body) {
    return Buffer.buffer(body.length + 2).appendByte(FORMAT).appendByte(kind).appendBytes(body);
  }

  static Request decodeRequest(Buffer b) {
    if (b.length() < 2 || b.getByte(0) != FORMAT) {
      throw new IllegalArgumentException("not a coordination request of format " + FORMAT);
    }
    byte kind = b.getByte(1);
    if (kind < COMMAND || kind > CALL) {
      throw new IllegalArgumentException("unknown coordination request kind " + kind);
    }
    return new Request(kind, b.getBytes(2, b.length()));
  }

  static Buffer encode(Reply r) {
    Buffer b = Buffer.buffer().appendByte(r.status());
    switch (r.status()) {
      case OK, FAILED, UNKNOWN, BUSY -> b.appendBytes(r.body());
      case REDIRECT -> leader(b, r.leader());
      case GROUP -> {
        b.appendByte((byte) (r.hasGroup() ? 1 : 0)).appendShort((short) r.voters().size());
        r.voters().forEach(v -> id(b, v));
        leader(b, r.leader());
      }
      default -> { }
    }
    return b;
  }

  static Reply decodeReply(Buffer b) {
    Reader in = new Reader(b);
    byte status = in.u8();
    return switch (status) {
      case OK -> Reply.ok(in.rest());
      case FAILED, UNKNOWN, BUSY -> new Reply(status, in.rest(), Optional.empty(), false, List.of());
      case RETRY -> Reply.retry();
      case REDIRECT -> Reply.redirect(in.optionalId());
      case GROUP -> {
        boolean hasGroup = in.u8() == 1;
        int n = in.u16();
        List<NodeId> voters = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          voters.add(in.id());
        }
        yield Reply.group(hasGroup, voters, in.optionalId());
      }
      default -> throw new IllegalArgumentException("unknown coordination reply status " + status);
    };
  }

  static String message(Reply r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  private static void leader(Buffer b, Optional<NodeId> leader) {
    b.appendByte((byte) (leader.isPresent() ? 1 : 0));
    leader.ifPresent(l -> id(b, l));
  }

  private static void id(Buffer b, NodeId id) {
    byte[] bytes = utf8(id.value());
    if (bytes.length > MAX_ID_BYTES) {
      throw new IllegalArgumentException("node id too long: " + id);
    }
    b.appendShort((short) bytes.length).appendBytes(bytes);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static final class Reader {
    private final Buffer b;
    private int pos;

    Reader(Buffer b) {
      this.b = b;
    }

    private void need(int n) {
      if (b.length() - pos < n) {
        throw new IllegalArgumentException("a coordination reply ends early at byte " + pos);
      }
    }

    byte u8() {
      need(1);
      return b.getByte(pos++);
    }

    int u16() {
      need(2);
      int v = b.getUnsignedShort(pos);
      pos += 2;
      return v;
    }

    NodeId id() {
      int n = u16();
      if (n > MAX_ID_BYTES) {
        throw new IllegalArgumentException("node id of " + n + " bytes");
      }
      need(n);
      String s = b.getString(pos, pos + n, "UTF-8");
      pos += n;
      return new NodeId(s);
    }

    Optional<NodeId> optionalId() {
      return u8() == 1 ? Optional.of(id()) : Optional.empty();
    }

    byte[] rest() {
      byte[] out = b.getBytes(pos, b.length());
      pos = b.length();
      return out;
    }
  }
}
