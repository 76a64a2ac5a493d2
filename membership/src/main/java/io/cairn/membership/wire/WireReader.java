package io.cairn.membership.wire;

import io.cairn.membership.transport.CodecException;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A bounds-checked cursor over a buffer, for the binary codecs of the cluster protocols (SWIM,
 * frames, Raft): every read checks what is left first and throws {@link CodecException}, so forged
 * lengths never allocate more than the input holds.
 */
public final class WireReader {
  private final Buffer buf;
  private final int end;
  private int pos;

  public WireReader(Buffer buf) {
    this(buf, 0, buf.length());
  }

  public WireReader(Buffer buf, int start, int end) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  public int remaining() {
    return end - pos;
  }

  public int position() {
    return pos;
  }

  private void need(int n, String what) {
    if (n < 0 || end - pos < n) {
      throw new CodecException(
          "truncated: " + what + " needs " + n + " bytes, " + (end - pos) + " left");
    }
  }

  public int u8(String what) {
    need(1, what);
    return buf.getUnsignedByte(pos++);
  }

  public int u16(String what) {
    need(2, what);
    int v = buf.getUnsignedShort(pos);
    pos += 2;
    return v;
  }

  public int i32(String what) {
    need(4, what);
    int v = buf.getInt(pos);
    pos += 4;
    return v;
  }

  public long i64(String what) {
    need(8, what);
    long v = buf.getLong(pos);
    pos += 8;
    return v;
  }

  public boolean bool(String what) {
    int b = u8(what);
    if (b > 1) {
      throw new CodecException(what + ": a boolean is 0 or 1, not " + b);
    }
    return b == 1;
  }

  /** A u16 length, then that many bytes of strict UTF-8, at most {@code maxBytes}. */
  public String string(int maxBytes, String what) {
    int len = u16(what);
    if (len > maxBytes) {
      throw new CodecException(what + ": " + len + " bytes, at most " + maxBytes);
    }
    need(len, what);
    byte[] bytes = buf.getBytes(pos, pos + len);
    pos += len;
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new CodecException(what + ": not UTF-8", e);
    }
  }

  /** A u32 length (at most {@code maxBytes}, and no more than is left), then that many bytes. */
  public byte[] bytes(int maxBytes, String what) {
    int len = i32(what);
    if (len < 0 || len > maxBytes) {
      throw new CodecException(what + ": " + Integer.toUnsignedString(len) + " bytes, at most " + maxBytes);
    }
    need(len, what);
    byte[] bytes = buf.getBytes(pos, pos + len);
    pos += len;
    return bytes;
  }

  /** The rest of the input as a slice (no copy). */
  public Buffer rest() {
    Buffer b = buf.slice(pos, end);
    pos = end;
    return b;
  }

  public void expectEnd(String what) {
    if (pos != end) {
      throw new CodecException(what + ": " + (end - pos) + " bytes after the end");
    }
  }
}
