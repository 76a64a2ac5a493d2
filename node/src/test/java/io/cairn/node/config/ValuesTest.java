package io.cairn.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ValuesTest {

  @ParameterizedTest
  @CsvSource({
      "500ms, PT0.5S",
      "0ms, PT0S",
      "2s, PT2S",
      "5m, PT5M",
      "1h, PT1H",
      "1d, PT24H",
      "' 2s ', PT2S",
      "PT2S, PT2S",
      "PT1M30S, PT1M30S",
      "pt10s, PT10S"})
  void parsesDurations(String text, String iso) {
    assertThat(Values.duration("k", text)).isEqualTo(Duration.parse(iso));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "2", "2 s", "2sec", "1.5s", "-2s", "s", "2S", "10y", "P", "PTxS", "99999999999999999999ms",
      "9999999999999999d"})
  void refusesOtherDurations(String text) {
    assertThatThrownBy(() -> Values.duration("shutdown.grace", text))
        .isInstanceOf(ConfigException.class)
        .hasMessage("shutdown.grace: must be a duration such as 500ms, 2s, 5m, 1h or PT2S, got " + Values.quote(text));
  }

  @ParameterizedTest
  @CsvSource({
      "1048576, 1048576",
      "0, 0",
      "1B, 1",
      "512KiB, 524288",
      "1MiB, 1048576",
      "3GiB, 3221225472",
      "' 1MiB ', 1048576"})
  void parsesSizes(String text, long bytes) {
    assertThat(Values.size("k", text)).isEqualTo(bytes);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "1MB", "1mib", "1 MiB", "-1", "1.5MiB", "KiB", "1TiB", "99999999999GiB",
      "99999999999999999999"})
  void refusesOtherSizes(String text) {
    assertThatThrownBy(() -> Values.size("limits.max-value-bytes", text))
        .isInstanceOf(ConfigException.class)
        .hasMessage("limits.max-value-bytes: must be a size such as 1048576, 512KiB or 1MiB, got " + Values.quote(text));
  }

  @Test
  void integersWithinTheirRange() {
    assertThat(Values.integer("k", "0", 0, 10)).isZero();
    assertThat(Values.integer("k", "+10", 0, 10)).isEqualTo(10);
    assertThat(Values.integer("k", " 7 ", 0, 10)).isEqualTo(7);
    assertThatThrownBy(() -> Values.integer("k", "11", 0, 10)).hasMessage("k: must be an integer from 0 to 10, got \"11\"");
    assertThatThrownBy(() -> Values.integer("k", "-1", 0, 10)).hasMessage("k: must be an integer from 0 to 10, got \"-1\"");
    assertThatThrownBy(() -> Values.integer("k", "1e3", 0, 10)).hasMessage("k: must be an integer from 0 to 10, got \"1e3\"");
    assertThatThrownBy(() -> Values.integer("k", "99999999999999999999", 1, Long.MAX_VALUE))
        .hasMessage("k: must be an integer of at least 1, got \"99999999999999999999\"");
  }

  @Test
  void quotesControlCharactersSoTheErrorStaysOneLine() {
    assertThat(Values.quote("a\nb\"c\\")).isEqualTo("\"a\\u000ab\\\"c\\\\\"");
  }

  @ParameterizedTest
  @CsvSource({"1048576, 1MiB", "524288, 512KiB", "1073741824, 1GiB", "1000, 1000", "0, 0"})
  void formatsSizes(long bytes, String text) {
    assertThat(Values.formatSize(bytes)).isEqualTo(text);
  }

  @ParameterizedTest
  @CsvSource({"PT10S, 10s", "PT0.5S, 500ms", "PT5M, 5m", "PT1H, 1h", "PT48H, 2d", "PT0S, 0s", "PT1.0001S, PT1.0001S"})
  void formatsDurations(String iso, String text) {
    assertThat(Values.formatDuration(Duration.parse(iso))).isEqualTo(text);
  }
}
