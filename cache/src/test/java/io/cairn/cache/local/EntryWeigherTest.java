package io.cairn.cache.local;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cache.Entry;
import org.junit.jupiter.api.Test;

class EntryWeigherTest {

  @Test
  void weightIsKeyBytesPlusValueBytesPlusTheOverhead() {
    assertThat(weigh("k", 10)).isEqualTo(1 + 10 + LocalCache.ENTRY_OVERHEAD_BYTES);
    assertThat(weigh("clé", 0)).isEqualTo(4 + LocalCache.ENTRY_OVERHEAD_BYTES);
    assertThat(weigh("\uD83D\uDE00€", 1000)).isEqualTo(4 + 3 + 1000 + LocalCache.ENTRY_OVERHEAD_BYTES);
  }

  @Test
  void keyBytesAreCountedAsUtf8() {
    for (String key : new String[] {"a", "é", "€", "\uD83D\uDE00", "mixed é € \uD83D\uDE00 end"}) {
      assertThat(EntryWeigher.utf8Length(key)).as(key).isEqualTo(key.getBytes(UTF_8).length);
    }
  }

  @Test
  void weightSaturatesAtTheLargestInt() {
    assertThat(EntryWeigher.weightOf("k", Integer.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE);
  }

  private static int weigh(String key, int valueBytes) {
    return EntryWeigher.INSTANCE.weigh(key, new Entry(key, new byte[valueBytes], "x/y", 1, null));
  }
}
