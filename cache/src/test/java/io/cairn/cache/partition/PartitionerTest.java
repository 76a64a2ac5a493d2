package io.cairn.cache.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PartitionerTest {
  private static int murmur(byte[] data, int seed) {
    return Murmur3.x86_32(data, 0, data.length, seed);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  /**
   * Published MurmurHash3_x86_32 vectors: the table in Ian Boyd's answer to "MurmurHash - what is
   * it?" (https://stackoverflow.com/a/31929528), checked there against the smhasher reference
   * (https://github.com/aappleby/smhasher/blob/master/src/MurmurHash3.cpp); they cover the empty
   * input, seeds, every tail length and sign bits in the input.
   */
  @Test
  void murmur3MatchesPublishedVectors() {
    assertThat(murmur(bytes(), 0)).isEqualTo(0);
    assertThat(murmur(bytes(), 1)).isEqualTo(0x514E28B7);
    assertThat(murmur(bytes(), 0xffffffff)).isEqualTo(0x81F16F39);
    assertThat(murmur(bytes(0xff, 0xff, 0xff, 0xff), 0)).isEqualTo(0x76293B50);
    assertThat(murmur(bytes(0x21, 0x43, 0x65, 0x87), 0)).isEqualTo(0xF55B516B);
    assertThat(murmur(bytes(0x21, 0x43, 0x65, 0x87), 0x5082EDEE)).isEqualTo(0x2362F9DE);
    assertThat(murmur(bytes(0x21, 0x43, 0x65), 0)).isEqualTo(0x7E4A8634);
    assertThat(murmur(bytes(0x21, 0x43), 0)).isEqualTo(0xA0F7B07A);
    assertThat(murmur(bytes(0x21), 0)).isEqualTo(0x72661CF4);
    assertThat(murmur(bytes(0, 0, 0, 0), 0)).isEqualTo(0x2362F9DE);
    assertThat(murmur(bytes(0, 0, 0), 0)).isEqualTo(0x85F0B427);
    assertThat(murmur(bytes(0, 0), 0)).isEqualTo(0x30F4C306);
    assertThat(murmur(bytes(0), 0)).isEqualTo(0x514E28B7);
    int seed = 0x9747b28c;
    assertThat(murmur(utf8("aaaa"), seed)).isEqualTo(0x5A97808A);
    assertThat(murmur(utf8("aaa"), seed)).isEqualTo(0x283E0130);
    assertThat(murmur(utf8("aa"), seed)).isEqualTo(0x5D211726);
    assertThat(murmur(utf8("a"), seed)).isEqualTo(0x7FA09EA6);
    assertThat(murmur(utf8("abcd"), seed)).isEqualTo(0xF0478627);
    assertThat(murmur(utf8("abc"), seed)).isEqualTo(0xC84A62DD);
    assertThat(murmur(utf8("ab"), seed)).isEqualTo(0x74875592);
    assertThat(murmur(utf8("Hello, world!"), seed)).isEqualTo(0x24884CBA);
    assertThat(murmur(utf8("The quick brown fox jumps over the lazy dog"), seed)).isEqualTo(0x2FA826CD);
    // Seed 0, as Cairn uses it: "hello" is the usual example (e.g. Wikipedia's MurmurHash page).
    assertThat(Partitioner.hash(utf8("hello"))).isEqualTo(0x248BFA47);
    assertThat(Partitioner.hash(utf8("The quick brown fox jumps over the lazy dog"))).isEqualTo(0x2E4FF723);
  }

  @Test
  void hashesAnOffsetSliceLikeACopy() {
    byte[] framed = utf8("xxHello, world!yy");
    assertThat(Murmur3.x86_32(framed, 2, 13, 0x9747b28c)).isEqualTo(0x24884CBA);
  }

  /**
   * Where keys live at the default count. Fixed here so that any change to the hash, the encoding
   * or the reduction fails this test: such a change would move keys between partitions across a
   * rolling upgrade. Negative hashes are included on purpose (floorMod, not %).
   */
  @Test
  void partitionsAt271AreFixedForever() {
    Partitioner p = Partitioner.withDefaultCount();
    String[][] table = {
      {"", "0"},
      {"0", "146"}, // hash -764297089
      {"1", "83"},
      {"42", "13"}, // hash -1135041482
      {"a", "90"},
      {"user-1", "7"},
      {"user-2", "168"},
      {"user:1001", "171"},
      {"Hello, world!", "189"},
      {"The quick brown fox jumps over the lazy dog", "46"},
      {"caf\u00e9", "29"},
      {"\u65e5\u672c", "233"},
      {"\ud83d\ude00", "211"},
      {"session/7f3a", "129"},
    };
    for (String[] row : table) {
      assertThat(p.partitionOf(row[0])).as("partition of '%s'", row[0]).isEqualTo(Integer.parseInt(row[1]));
      assertThat(p.partitionOf(utf8(row[0]))).isEqualTo(Integer.parseInt(row[1]));
    }
    assertThat(Partitioner.hash(utf8("0"))).isEqualTo(-764297089);
    assertThat(Math.floorMod(-764297089, 271)).isEqualTo(146).isNotEqualTo(-764297089 % 271);
  }

  @Test
  void everyPartitionIsInRangeForEveryCount() {
    SplittableRandom random = new SplittableRandom(8);
    for (int count : new int[] {1, 2, 7, 271, 65_535}) {
      Partitioner p = new Partitioner(count);
      for (int i = 0; i < 2_000; i++) {
        byte[] key = new byte[random.nextInt(40)];
        random.nextBytes(key);
        assertThat(p.partitionOf(key)).isBetween(0, count - 1);
      }
    }
    assertThat(new Partitioner(1).partitionOf("anything")).isZero();
  }

  @Test
  void similarKeysSpreadEvenly() {
    Partitioner p = Partitioner.withDefaultCount();
    int[] counts = new int[271];
    int keys = 271 * 200;
    for (int i = 0; i < keys; i++) {
      counts[p.partitionOf("user-" + i)]++;
    }
    // 200 expected per partition; a binomial standard deviation is about 14.
    for (int c : counts) {
      assertThat(c).isBetween(130, 270);
    }
  }

  @Test
  void refusesCountsOutsideTheRangeAndKeysWithoutUtf8() {
    assertThatThrownBy(() -> new Partitioner(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 to 65535");
    assertThatThrownBy(() -> new Partitioner(65_536)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Partitioner(-271)).isInstanceOf(IllegalArgumentException.class);
    Partitioner p = Partitioner.withDefaultCount();
    assertThatThrownBy(() -> p.partitionOf("a\ud800")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unpaired surrogate");
    assertThatThrownBy(() -> p.partitionOf("\udc00a")).isInstanceOf(IllegalArgumentException.class);
    assertThat(p.partitionCount()).isEqualTo(271);
  }
}
