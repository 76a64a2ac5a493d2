package io.cairn.membership.transport;

import io.cairn.membership.Address;
import io.cairn.membership.MemberMetadata;
import io.cairn.membership.MemberStatus;
import io.cairn.membership.NodeId;
import io.cairn.membership.swim.SwimMessage;
import io.cairn.membership.swim.SwimMessage.Ack;
import io.cairn.membership.swim.SwimMessage.Gossip;
import io.cairn.membership.swim.SwimMessage.Nack;
import io.cairn.membership.swim.SwimMessage.Ping;
import io.cairn.membership.swim.SwimMessage.PingReq;
import io.cairn.membership.swim.SwimMessage.PushPull;
import io.cairn.membership.swim.Update;
import io.cairn.membership.wire.WireReader;
import io.cairn.membership.wire.WireWriter;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The binary form of {@link SwimMessage}s, carried on {@link Channel#MEMBERSHIP}.
 *
 * <pre>
 * message  = u8 codec-version (1), u8 kind, fields of the kind in record order
 * string   = u16 length, that many bytes of UTF-8 (each field has its own maximum)
 * node-id  = string (at most 63 bytes)
 * address  = string host (at most 255 bytes), u16 port
 * updates  = u16 count (at most 65535), that many updates
 * update   = node-id member, u8 status (1 ALIVE, 2 SUSPECT, 3 DEAD, 4 LEFT), i64 incarnation,
 *            u8 has-metadata (0|1), [metadata], node-id from
 * metadata = address cluster, string api (at most 1024), string zone (at most 255),
 *            u8 role count (at most 64), that many strings (at most 255), string version (at most 255)
 * boolean  = u8 0 or 1
 * </pre>
 *
 * Decoding is strict and bounded: any byte sequence either decodes to a valid message or throws
 * {@link CodecException}; a forged length or count never allocates more than the input could
 * hold. Encoding refuses, with the same exception, what decoding would refuse.
 */
public final class SwimCodec {
  /** The first byte of every encoded message. */
  public static final int VERSION = 1;

  static final int MAX_NODE_ID_BYTES = 63;
  static final int MAX_HOST_BYTES = 255;
  static final int MAX_API_ADDRESS_BYTES = 1024;
  static final int MAX_SHORT_STRING_BYTES = 255;
  static final int MAX_ROLES = 64;
  static final int MAX_UPDATES = 65_535;
  /** The fewest bytes an update can take: used to cap a list's capacity by what is left. */
  private static final int MIN_UPDATE_BYTES = 3 + 1 + 8 + 1 + 3;

  private SwimCodec() {}

  public static Buffer encode(SwimMessage message) {
    Buffer out = Buffer.buffer(64);
    out.appendByte((byte) VERSION).appendByte((byte) kindCode(message.kind()));
    switch (message.kind()) {
      case PING -> {
        Ping m = (Ping) message;
        out.appendLong(m.seq());
        nodeId(out, m.from());
        address(out, m.fromAddress());
        nodeId(out, m.target());
        updates(out, m.updates());
      }
      case PING_REQ -> {
        PingReq m = (PingReq) message;
        out.appendLong(m.seq());
        nodeId(out, m.from());
        address(out, m.fromAddress());
        nodeId(out, m.target());
        address(out, m.targetAddress());
        updates(out, m.updates());
      }
      case ACK -> {
        Ack m = (Ack) message;
        out.appendLong(m.seq());
        nodeId(out, m.from());
        updates(out, m.updates());
      }
      case NACK -> {
        Nack m = (Nack) message;
        out.appendLong(m.seq());
        nodeId(out, m.from());
      }
      case GOSSIP -> {
        Gossip m = (Gossip) message;
        nodeId(out, m.from());
        updates(out, m.updates());
      }
      case PUSH_PULL -> {
        PushPull m = (PushPull) message;
        nodeId(out, m.from());
        address(out, m.fromAddress());
        WireWriter.bool(out, m.join());
        WireWriter.bool(out, m.reply());
        updates(out, m.updates());
      }
    }
    return out;
  }

  /** Decodes one whole message; throws {@link CodecException} and nothing else. */
  public static SwimMessage decode(Buffer bytes) {
    if (bytes == null) {
      throw new CodecException("no bytes");
    }
    try {
      WireReader in = new WireReader(bytes);
      int version = in.u8("codec version");
      if (version != VERSION) {
        throw new CodecException("codec version " + version + ", this node speaks " + VERSION);
      }
      int kind = in.u8("kind");
      SwimMessage m =
          switch (kind) {
            case 1 -> new Ping(
                in.i64("seq"), nodeId(in), address(in), nodeId(in), updates(in));
            case 2 -> new PingReq(
                in.i64("seq"), nodeId(in), address(in), nodeId(in), address(in), updates(in));
            case 3 -> new Ack(in.i64("seq"), nodeId(in), updates(in));
            case 4 -> new Nack(in.i64("seq"), nodeId(in));
            case 5 -> new Gossip(nodeId(in), updates(in));
            case 6 -> new PushPull(
                nodeId(in), address(in), in.bool("join"), in.bool("reply"), updates(in));
            default -> throw new CodecException("unknown message kind " + kind);
          };
      in.expectEnd("message");
      return m;
    } catch (CodecException e) {
      throw e;
    } catch (RuntimeException e) {
      // A record refused a decoded value (a bad node id, an ALIVE without metadata...).
      throw new CodecException("invalid message: " + e.getMessage(), e);
    }
  }

  private static int kindCode(SwimMessage.Kind kind) {
    return switch (kind) {
      case PING -> 1;
      case PING_REQ -> 2;
      case ACK -> 3;
      case NACK -> 4;
      case GOSSIP -> 5;
      case PUSH_PULL -> 6;
    };
  }

  private static int statusCode(MemberStatus status) {
    return switch (status) {
      case ALIVE -> 1;
      case SUSPECT -> 2;
      case DEAD -> 3;
      case LEFT -> 4;
    };
  }

  private static MemberStatus status(int code) {
    return switch (code) {
      case 1 -> MemberStatus.ALIVE;
      case 2 -> MemberStatus.SUSPECT;
      case 3 -> MemberStatus.DEAD;
      case 4 -> MemberStatus.LEFT;
      default -> throw new CodecException("unknown member status " + code);
    };
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

  private static void address(Buffer out, Address a) {
    WireWriter.string(out, a.host(), MAX_HOST_BYTES, "host");
    out.appendUnsignedShort(a.port());
  }

  private static Address address(WireReader in) {
    String host = in.string(MAX_HOST_BYTES, "host");
    int port = in.u16("port");
    return new Address(host, port);
  }

  private static void updates(Buffer out, List<Update> updates) {
    if (updates.size() > MAX_UPDATES) {
      throw new CodecException(updates.size() + " updates, at most " + MAX_UPDATES);
    }
    out.appendUnsignedShort(updates.size());
    for (Update u : updates) {
      nodeId(out, u.member());
      out.appendByte((byte) statusCode(u.status()));
      out.appendLong(u.incarnation());
      WireWriter.bool(out, u.metadata() != null);
      if (u.metadata() != null) {
        metadata(out, u.metadata());
      }
      nodeId(out, u.from());
    }
  }

  private static List<Update> updates(WireReader in) {
    int count = in.u16("update count");
    List<Update> list = new ArrayList<>(Math.min(count, in.remaining() / MIN_UPDATE_BYTES));
    for (int i = 0; i < count; i++) {
      NodeId member = nodeId(in);
      MemberStatus status = status(in.u8("status"));
      long incarnation = in.i64("incarnation");
      MemberMetadata metadata = in.bool("has metadata") ? metadata(in) : null;
      NodeId from = nodeId(in);
      list.add(new Update(member, status, incarnation, metadata, from));
    }
    return list;
  }

  private static void metadata(Buffer out, MemberMetadata m) {
    address(out, m.clusterAddress());
    WireWriter.string(out, m.apiAddress(), MAX_API_ADDRESS_BYTES, "api address");
    WireWriter.string(out, m.zone(), MAX_SHORT_STRING_BYTES, "zone");
    if (m.roles().size() > MAX_ROLES) {
      throw new CodecException(m.roles().size() + " roles, at most " + MAX_ROLES);
    }
    out.appendByte((byte) m.roles().size());
    for (String role : m.roles()) {
      WireWriter.string(out, role, MAX_SHORT_STRING_BYTES, "role");
    }
    WireWriter.string(out, m.version(), MAX_SHORT_STRING_BYTES, "version");
  }

  private static MemberMetadata metadata(WireReader in) {
    Address cluster = address(in);
    String api = in.string(MAX_API_ADDRESS_BYTES, "api address");
    String zone = in.string(MAX_SHORT_STRING_BYTES, "zone");
    int roleCount = in.u8("role count");
    if (roleCount > MAX_ROLES) {
      throw new CodecException(roleCount + " roles, at most " + MAX_ROLES);
    }
    Set<String> roles = new LinkedHashSet<>();
    for (int i = 0; i < roleCount; i++) {
      if (!roles.add(in.string(MAX_SHORT_STRING_BYTES, "role"))) {
        throw new CodecException("a role appears twice");
      }
    }
    String version = in.string(MAX_SHORT_STRING_BYTES, "version");
    return new MemberMetadata(cluster, api, zone, roles, version);
  }
}
