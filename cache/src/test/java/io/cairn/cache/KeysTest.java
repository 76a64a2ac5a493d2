package io.cairn.cache;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeysTest {

  @ParameterizedTest
  @ValueSource(strings = {"a", "users", "Users-2.v1_x", "0", "a.b-c_d"})
  void validCacheNames(String name) {
    assertThat(Keys.isValidCacheName(name)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".a", "-a", "_a", "a/b", "a b", "é", "a:b"})
  void invalidCacheNames(String name) {
    assertThat(Keys.isValidCacheName(name)).isFalse();
  }

  @Test
  void cacheNamesUpTo128Characters() {
    assertThat(Keys.isValidCacheName("a".repeat(128))).isTrue();
    assertThat(Keys.isValidCacheName("a".repeat(129))).isFalse();
    assertThat(Keys.isValidCacheName(null)).isFalse();
  }

  @Test
  void keyLengthIsCountedInUtf8Bytes() {
    assertThat(Keys.keyProblem("a".repeat(1024), 1024)).isNull();
    assertThat(Keys.keyProblem("a".repeat(1025), 1024)).contains("1025 bytes");
    assertThat(Keys.keyProblem("é".repeat(512), 1024)).isNull();
    assertThat(Keys.keyProblem("é".repeat(513), 1024)).contains("1026 bytes");
    assertThat(Keys.keyProblem("\uD83D\uDE00".repeat(256), 1024)).isNull();
    assertThat(Keys.keyProblem("\uD83D\uDE00".repeat(256) + "a", 1024)).contains("1025 bytes");
    assertThat(Keys.keyProblem("€", 2)).contains("3 bytes");
  }

  @Test
  void keysThatCannotBeStoredAreInvalid() {
    assertThat(Keys.keyProblem("", 10)).contains("empty");
    assertThat(Keys.keyProblem(null, 10)).contains("empty");
    assertThat(Keys.keyProblem("a\u0000b", 10)).contains("U+0000");
    assertThat(Keys.keyProblem("a\uD800", 10)).contains("surrogate");
    assertThat(Keys.keyProblem("\uDC00a", 10)).contains("surrogate");
    assertThat(Keys.keyProblem("a/b %2F ?#", 100)).isNull();
  }

  @Test
  void utf8LengthMatchesTheEncoder() {
    var random = new SplittableRandom(7);
    for (int i = 0; i < 5_000; i++) {
      String s = randomString(random);
      assertThat(Keys.utf8Length(s)).isEqualTo(s.getBytes(UTF_8).length);
    }
  }

  /** Against a naive oracle: the unsigned order of the UTF-8 bytes. */
  @Test
  void orderIsTheOrderOfUtf8Bytes() {
    var random = new SplittableRandom(11);
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      keys.add(randomString(random));
    }
    for (int i = 0; i + 1 < keys.size(); i++) {
      String a = keys.get(i);
      String b = keys.get(i + 1);
      int expected = Integer.signum(Arrays.compareUnsigned(a.getBytes(UTF_8), b.getBytes(UTF_8)));
      assertThat(Integer.signum(Keys.compareUtf8(a, b))).as("%s vs %s", a, b).isEqualTo(expected);
    }
    // The case String.compareTo gets wrong: U+FFFD (EF BF BD) sorts before U+1F600 (F0 9F 98 80).
    assertThat(Keys.compareUtf8("\uFFFD", "\uD83D\uDE00")).isNegative();
    assertThat("\uFFFD".compareTo("\uD83D\uDE00")).isPositive();
  }

  private static String randomString(SplittableRandom random) {
    int[] alphabet = {'a', 'b', 'z', 0x7F, 0xE9, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF};
    int length = random.nextInt(5);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < length; i++) {
      sb.appendCodePoint(alphabet[random.nextInt(alphabet.length)]);
    }
    return sb.toString();
  }
}
