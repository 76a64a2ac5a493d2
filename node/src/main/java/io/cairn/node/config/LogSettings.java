package io.cairn.node.config;

import java.util.List;
import java.util.Locale;

/**
 * Logging.
 *
 * @param level the least severe level logged: DEBUG shows per-request lines and store calls,
 *     WARN only degradation and failures
 */
public record LogSettings(String level) {
  public static final List<String> LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

  public LogSettings {
    Check.that(level != null && LEVELS.contains(level.strip().toUpperCase(Locale.ROOT)), "log.level",
        "must be one of " + String.join(", ", LEVELS) + ", got " + (level == null ? "nothing" : Values.quote(level)));
    level = level.strip().toUpperCase(Locale.ROOT);
  }
}
