package io.cairn.membership.wire;

import io.cairn.membership.transport.CodecException;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/** The writing half of {@link WireReader}: it refuses what the reader would refuse. */
public final class WireWriter {
  private WireWriter() {}

  public static void string(Buffer out, String s, int maxBytes, String what) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > maxBytes) {
      throw new CodecException(what + ": " + bytes.length + " bytes, at most " + maxBytes);
    }
    out.appendUnsignedShort(bytes.length).appendBytes(bytes);
  }

  public static void bool(Buffer out, boolean b) {
    out.appendByte(b ? (byte) 1 : (byte) 0);
  }

  /** A u32 length, then the bytes; at most {@code maxBytes}. */
  public static void bytes(Buffer out, byte[] bytes, int maxBytes, String what) {
    if (bytes.length > maxBytes) {
      throw new CodecException(what + ": " + bytes.length + " bytes, at most " + maxBytes);
    }
    out.appendInt(bytes.length).appendBytes(bytes);
  }
}
