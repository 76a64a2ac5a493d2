package io.cairn.cache;

import java.util.Comparator;
import java.util.regex.Pattern;

/** Validation of cache names and keys, and the order of keys. */
public final class Keys {
  /** Cache names: 1 to 128 characters of {@code [A-Za-z0-9._-]}, starting with a letter or digit. */
  static final Pattern CACHE_NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$");

  /**
   * Ascending order of the keys' UTF-8 bytes, which is the order of their code points. Java's
   * {@code String.compareTo} compares UTF-16 units instead and puts a supplementary character
   * (a surrogate pair, 0xD800..) before U+E000..U+FFFF; this comparator does not.
   */
  static final Comparator<String> UTF8_ORDER = Keys::compareUtf8;

  private Keys() {}

  public static boolean isValidCacheName(String name) {
    return name != null && CACHE_NAME.matcher(name).matches();
  }

  /**
   * The key's length in UTF-8 bytes, or -1 when it cannot be stored as it is: it holds U+0000
   * (PostgreSQL text cannot) or an unpaired surrogate (it has no UTF-8 form).
   */
  static int utf8Length(String key) {
    int bytes = 0;
    for (int i = 0, n = key.length(); i < n; i++) {
      char c = key.charAt(i);
      if (c == 0) {
        return -1;
      } else if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)) {
        if (i + 1 >= n || !Character.isLowSurrogate(key.charAt(i + 1))) {
          return -1;
        }
        bytes += 4;
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return -1;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  /** Null when the key is valid, else why not. */
  static String keyProblem(String key, int maxKeyBytes) {
    if (key == null || key.isEmpty()) {
      return "the key is empty";
    }
    int bytes = utf8Length(key);
    if (bytes < 0) {
      return "the key holds U+0000 or an unpaired surrogate, which cannot be stored";
    }
    if (bytes > maxKeyBytes) {
      return "the key is " + bytes + " bytes in UTF-8, the limit is " + maxKeyBytes;
    }
    return null;
  }

  static int compareUtf8(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char ca = a.charAt(i);
      char cb = b.charAt(i);
      if (ca != cb) {
        return Integer.compare(codePointOrder(ca), codePointOrder(cb));
      }
    }
    return Integer.compare(a.length(), b.length());
  }

  /**
   * Maps a UTF-16 unit so that units compare in code point order: surrogates (0xD800..0xDFFF,
   * only ever parts of code points above U+FFFF) move above U+E000..U+FFFF. Valid at the first
   * unit where two well-formed strings differ, which is either the start of a code point in both
   * or a low surrogate in both.
   */
  private static int codePointOrder(char c) {
    if (c >= 0xE000) {
      return c - 0x800;
    }
    if (c >= 0xD800) {
      return c + 0x2000;
    }
    return c;
  }
}
