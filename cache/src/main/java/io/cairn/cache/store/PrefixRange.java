package io.cairn.cache.store;

/**
 * The range of keys that start with a prefix, in the order of their UTF-8 bytes (which is the
 * order of their code points): {@code [prefix, upperBound(prefix))}.
 */
final class PrefixRange {
  private static final int MAX_CODE_POINT = Character.MAX_CODE_POINT;

  private PrefixRange() {}

  /**
   * The least string greater than every string that starts with {@code prefix}, or null when
   * there is none (an empty prefix, or one made only of U+10FFFF). It is the prefix cut after
   * its last code point below U+10FFFF, with that code point incremented (stepping over the
   * surrogate range, which no well-formed string contains).
   */
  static String upperBound(String prefix) {
    int[] codePoints = prefix.codePoints().toArray();
    for (int i = codePoints.length - 1; i >= 0; i--) {
      int cp = codePoints[i];
      if (cp < MAX_CODE_POINT) {
        int next = cp + 1;
        if (next >= Character.MIN_SURROGATE && next <= Character.MAX_SURROGATE) {
          next = Character.MAX_SURROGATE + 1;
        }
        codePoints[i] = next;
        return new String(codePoints, 0, i + 1);
      }
    }
    return null;
  }
}
