package io.cairn.membership.transport;

import io.cairn.membership.Address;
import io.cairn.membership.NodeId;
import io.cairn.membership.wire.WireReader;
import io.cairn.membership.wire.WireWriter;
import io.vertx.core.buffer.Buffer;

/**
 * The transport's frames, on a TCP stream:
 *
 * <pre>
 * frame  = i32 length (of what follows: header and payload, at most max-frame-bytes), header, payload
 * header = u8 magic 0xCA, u8 protocol version (1), u8 frame type, u8 channel (0 for HELLO and
 *          HELLO_ACK), i64 correlation id (0 for HELLO, HELLO_ACK and ONEWAY)
 * HELLO payload     = node-id, host string, u16 port   (the sender's id and advertised address)
 * HELLO_ACK payload = node-id
 * ERROR payload     = u8 reason (TransportException.Reason ordinal), string message
 * </pre>
 *
 * Strings are as in {@link SwimCodec}. A frame of another protocol version closes the connection:
 * a version is only ever added after the peers can speak both.
 */
final class FrameCodec {
  static final int MAGIC = 0xCA;
  static final int PROTOCOL_VERSION = 1;
  static final int LENGTH_BYTES = 4;
  static final int HEADER_BYTES = 12;
  static final int MAX_ERROR_MESSAGE_BYTES = 1024;

  private FrameCodec() {}

  /** The largest payload a frame of {@code maxFrameBytes} holds. */
  static int maxPayload(int maxFrameBytes) {
    return maxFrameBytes - HEADER_BYTES;
  }

  /** The size of a whole frame, length prefix included, around a payload of this size. */
  static int frameBytes(int payloadBytes) {
    return LENGTH_BYTES + HEADER_BYTES + payloadBytes;
  }

  /** A whole frame, length prefix included. */
  static Buffer encode(FrameType type, int channelCode, long correlationId, Buffer payload) {
    return encode(PROTOCOL_VERSION, type, channelCode, correlationId, payload);
  }

  static Buffer encode(
      int version, FrameType type, int channelCode, long correlationId, Buffer payload) {
    int payloadLength = payload == null ? 0 : payload.length();
    Buffer out = Buffer.buffer(LENGTH_BYTES + HEADER_BYTES + payloadLength);
    out.appendInt(HEADER_BYTES + payloadLength)
        .appendByte((byte) MAGIC)
        .appendByte((byte) version)
        .appendByte((byte) type.code())
        .appendByte((byte) channelCode)
        .appendLong(correlationId);
    if (payloadLength > 0) {
      out.appendBuffer(payload);
    }
    return out;
  }

  /** True when {@code body} (a frame without its length) is ours but of another version. */
  static boolean isOtherVersion(Buffer body) {
    return body.length() >= 2
        && body.getUnsignedByte(0) == MAGIC
        && body.getUnsignedByte(1) != PROTOCOL_VERSION;
  }

  /** Decodes a frame without its length prefix; throws {@link CodecException} only. */
  static Frame decode(Buffer body) {
    WireReader in = new WireReader(body);
    int magic = in.u8("magic");
    if (magic != MAGIC) {
      throw new CodecException(String.format("not a Cairn frame (first byte 0x%02x)", magic));
    }
    int version = in.u8("version");
    if (version != PROTOCOL_VERSION) {
      throw new CodecException(
          "protocol version " + version + ", this node speaks " + PROTOCOL_VERSION);
    }
    int typeCode = in.u8("frame type");
    FrameType type = FrameType.fromCode(typeCode);
    if (type == null) {
      throw new CodecException("unknown frame type " + typeCode);
    }
    int channel = in.u8("channel");
    long correlation = in.i64("correlation id");
    return new Frame(type, channel, correlation, in.rest());
  }

  record Hello(NodeId nodeId, Address address) {}

  static Buffer hello(NodeId id, Address advertised) {
    Buffer b = Buffer.buffer(64);
    WireWriter.string(b, id.value(), SwimCodec.MAX_NODE_ID_BYTES, "node id");
    WireWriter.string(b, advertised.host(), SwimCodec.MAX_HOST_BYTES, "host");
    b.appendUnsignedShort(advertised.port());
    return b;
  }

  static Hello decodeHello(Buffer payload) {
    WireReader in = new WireReader(payload);
    NodeId id = nodeId(in);
    String host = in.string(SwimCodec.MAX_HOST_BYTES, "host");
    int port = in.u16("port");
    in.expectEnd("HELLO");
    try {
      return new Hello(id, new Address(host, port));
    } catch (IllegalArgumentException e) {
      throw new CodecException("HELLO: " + e.getMessage(), e);
    }
  }

  static Buffer helloAck(NodeId id) {
    Buffer b = Buffer.buffer(32);
    WireWriter.string(b, id.value(), SwimCodec.MAX_NODE_ID_BYTES, "node id");
    return b;
  }

  static NodeId decodeHelloAck(Buffer payload) {
    WireReader in = new WireReader(payload);
    NodeId id = nodeId(in);
    in.expectEnd("HELLO_ACK");
    return id;
  }

  static Buffer error(TransportException.Reason reason, String message) {
    Buffer b = Buffer.buffer(64);
    b.appendByte((byte) reason.ordinal());
    String m = message == null ? "" : message;
    // Cut by characters until it fits; messages are for people, a cut one is fine.
    while (m.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_ERROR_MESSAGE_BYTES) {
      m = m.substring(0, m.length() / 2);
    }
    WireWriter.string(b, m, MAX_ERROR_MESSAGE_BYTES, "error message");
    return b;
  }

  static TransportException decodeError(Buffer payload) {
    WireReader in = new WireReader(payload);
    int code = in.u8("reason");
    TransportException.Reason[] reasons = TransportException.Reason.values();
    TransportException.Reason reason =
        code < reasons.length ? reasons[code] : TransportException.Reason.REMOTE_ERROR;
    String message = in.string(MAX_ERROR_MESSAGE_BYTES, "error message");
    in.expectEnd("ERROR");
    return new TransportException(reason, message);
  }

  private static NodeId nodeId(WireReader in) {
    String s = in.string(SwimCodec.MAX_NODE_ID_BYTES, "node id");
    if (!NodeId.isValid(s)) {
      throw new CodecException("invalid node id '" + s + "'");
    }
    return new NodeId(s);
  }
}
