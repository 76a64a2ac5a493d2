package io.cairn.coordination.machine;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A bounds-checked cursor over bytes that arrived through the log or a snapshot: every read checks
 * what is left first and throws {@link IllegalArgumentException}, so a forged length never
 * allocates more than the input holds.
 */
public final class ByteReader {
  private final byte[] bytes;
  private int pos;

  public ByteReader(byte[] bytes) {
    if (bytes == null) {
      throw new IllegalArgumentException("no bytes");
    }
    this.bytes = bytes;
  }

  public int remaining() {
    return bytes.length - pos;
  }

  private void need(int n, String what) {
    if (n < 0 || bytes.length - pos < n) {
      throw new IllegalArgumentException(
          "truncated: " + what + " needs " + n + " bytes, " + (bytes.length - pos) + " left");
    }
  }

  /** Reads the header of a snapshot of {@code what}: its magic number, then its format byte. */
  public void snapshotHeader(int magic, int format, String what) {
    int m = i32("magic");
    if (m != magic) {
      throw new IllegalArgumentException("not a " + what + " snapshot (magic " + Integer.toHexString(m) + ")");
    }
    int f = u8("format");
    if (f != format) {
      throw new IllegalArgumentException(what + " snapshot format " + f + ", this node knows " + format);
    }
  }

  public int u8(String what) {
    need(1, what);
    return bytes[pos++] & 0xff;
  }

  public int i32(String what) {
    need(4, what);
    int v = ByteBuffer.wrap(bytes, pos, 4).getInt();
    pos += 4;
    return v;
  }

  public long i64(String what) {
    need(8, what);
    long v = ByteBuffer.wrap(bytes, pos, 8).getLong();
    pos += 8;
    return v;
  }

  /** A count of items of at least {@code minItemBytes} each: never more than the rest could hold. */
  public int count(int minItemBytes, String what) {
    int n = i32(what);
    if (n < 0 || n > remaining() / minItemBytes) {
      throw new IllegalArgumentException(what + ": " + n + " does not fit in the " + remaining() + " bytes left");
    }
    return n;
  }

  /** A u32 length, then that many bytes. */
  public byte[] bytes(String what) {
    int len = i32(what);
    need(len, what);
    byte[] out = Arrays.copyOfRange(bytes, pos, pos + len);
    pos += len;
    return out;
  }

  /** A u32 length, then that many bytes of strict UTF-8. */
  public String string(String what) {
    int len = i32(what);
    need(len, what);
    try {
      String s = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, pos, len))
          .toString();
      pos += len;
      return s;
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(what + ": not UTF-8", e);
    }
  }

  public void expectEnd(String what) {
    if (pos != bytes.length) {
      throw new IllegalArgumentException(what + ": " + (bytes.length - pos) + " bytes after the end");
    }
  }
}
