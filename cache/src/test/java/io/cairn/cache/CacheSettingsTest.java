package io.cairn.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CacheSettingsTest {
  @Test
  void storeSettingsNeverPrintThePassword() {
    var s = new CacheSettings.StoreSettings("jdbc:postgresql://db/cairn", "cairn", "s3cret-pw", 4,
        Duration.ofSeconds(2), 5, Duration.ofSeconds(5), Duration.ofMinutes(1));
    assertThat(s.toString()).doesNotContain("s3cret-pw").contains("password=***").contains("user=cairn");
    assertThat(CacheSettings.StoreSettings.defaults().toString()).contains("password=null");
  }
}
