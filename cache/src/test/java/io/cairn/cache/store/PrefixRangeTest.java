package io.cairn.cache.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PrefixRangeTest {

  @ParameterizedTest
  @CsvSource({
      "a, b",
      "user:, user;",
      "z, {",
      "é, ê",
      "\uD7FF, \uE000",
      "ab\uDBFF\uDFFF, ac",
      "\uFFFF, \uD800\uDC00",
      "\uD83D\uDE00, \uD83D\uDE01"})
  void upperBoundIncrementsTheLastCodePointBelowTheMaximum(String prefix, String upper) {
    assertThat(PrefixRange.upperBound(prefix)).isEqualTo(upper);
  }

  @Test
  void noUpperBoundForAnEmptyPrefixOrOneOfMaximalCodePoints() {
    assertThat(PrefixRange.upperBound("")).isNull();
    assertThat(PrefixRange.upperBound("\uDBFF\uDFFF\uDBFF\uDFFF")).isNull();
  }

  /** Against a naive oracle: s starts with p iff p <= s < upperBound(p), in UTF-8 byte order. */
  @Test
  void theRangeHoldsExactlyTheStringsWithThePrefix() {
    var random = new SplittableRandom(42);
    int[] alphabet = {'a', 'b', 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x10FFFF};
    for (int i = 0; i < 20_000; i++) {
      String p = randomString(random, alphabet, 3);
      String s = randomString(random, alphabet, 4);
      String upper = PrefixRange.upperBound(p);
      boolean inRange = compare(p, s) <= 0 && (upper == null || compare(s, upper) < 0);
      assertThat(inRange).as("prefix %s, string %s", codes(p), codes(s)).isEqualTo(s.startsWith(p));
    }
  }

  private static int compare(String a, String b) {
    return Arrays.compareUnsigned(a.getBytes(UTF_8), b.getBytes(UTF_8));
  }

  private static String randomString(SplittableRandom random, int[] alphabet, int maxLength) {
    int length = random.nextInt(maxLength + 1);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < length; i++) {
      sb.appendCodePoint(alphabet[random.nextInt(alphabet.length)]);
    }
    return sb.toString();
  }

  private static String codes(String s) {
    return Arrays.toString(s.codePoints().mapToObj(Integer::toHexString).toArray());
  }
}
