package io.cairn.coordination.machine;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The writing half of {@link ByteReader}: a growable big-endian byte array. Public for the other
 * machines replicated through the coordination log (the cache module's cluster map).
 */
public final class ByteWriter {
  private byte[] buf;
  private int len;

  public ByteWriter(int initialCapacity) {
    buf = new byte[Math.max(16, initialCapacity)];
  }

  private void ensure(int n) {
    if (buf.length - len < n) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }
  }

  public ByteWriter u8(int v) {
    ensure(1);
    buf[len++] = (byte) v;
    return this;
  }

  public ByteWriter i32(int v) {
    ensure(4);
    ByteBuffer.wrap(buf, len, 4).putInt(v);
    len += 4;
    return this;
  }

  public ByteWriter i64(long v) {
    ensure(8);
    ByteBuffer.wrap(buf, len, 8).putLong(v);
    len += 8;
    return this;
  }

  /** A u32 length, then the string's UTF-8 bytes. */
  public ByteWriter string(String s) {
    byte[] bytes = utf8(s);
    i32(bytes.length);
    ensure(bytes.length);
    System.arraycopy(bytes, 0, buf, len, bytes.length);
    len += bytes.length;
    return this;
  }

  /** A u32 length, then the bytes. */
  public ByteWriter bytes(byte[] b) {
    i32(b.length);
    ensure(b.length);
    System.arraycopy(b, 0, buf, len, b.length);
    len += b.length;
    return this;
  }

  public byte[] toByteArray() {
    return Arrays.copyOf(buf, len);
  }

  /**
   * Strict UTF-8: a string with an unpaired surrogate is refused ({@link IllegalArgumentException})
   * rather than silently turned into '?', so a name means the same bytes everywhere.
   */
  public static byte[] utf8(String s) {
    try {
      ByteBuffer b = StandardCharsets.UTF_8.newEncoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .encode(CharBuffer.wrap(s));
      return Arrays.copyOfRange(b.array(), b.position(), b.limit());
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("not encodable as UTF-8 (an unpaired surrogate?)", e);
    }
  }

  /** The length of {@code s} in UTF-8, or -1 if it has an unpaired surrogate. */
  public static int utf8Length(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n += 1;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          n += 4;
          i++;
        } else {
          return -1;
        }
      } else if (Character.isLowSurrogate(c)) {
        return -1;
      } else {
        n += 3;
      }
    }
    return n;
  }
}
