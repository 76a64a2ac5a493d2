package io.cairn.node.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsing of configuration text: integers, durations ({@code 500ms}, {@code 2s}, {@code 5m},
 * {@code 1h}, {@code 1d} or ISO-8601 {@code PT2S}) and sizes ({@code 1048576}, {@code 512KiB},
 * {@code 1MiB}, {@code 1GiB}). Each parser throws a {@link ConfigException} that quotes the text.
 */
public final class Values {
  private Values() {}

  private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]+");
  private static final Pattern DECIMAL = Pattern.compile("[+-]?[0-9]{1,9}(\\.[0-9]{1,9})?");
  private static final Pattern DURATION = Pattern.compile("([0-9]+)(ms|s|m|h|d)");
  private static final Pattern SIZE = Pattern.compile("([0-9]+)(B|KiB|MiB|GiB)?");

  static final String DURATION_FORMS = "a duration such as 500ms, 2s, 5m, 1h or PT2S";
  static final String SIZE_FORMS = "a size such as 1048576, 512KiB or 1MiB";

  /** An integer in {@code [min, max]}. */
  public static long integer(String key, String text, long min, long max) {
    String t = text.strip();
    if (INTEGER.matcher(t).matches()) {
      try {
        long v = Long.parseLong(t);
        if (v >= min && v <= max) {
          return v;
        }
      } catch (NumberFormatException tooLong) {
        // reported below
      }
    }
    throw new ConfigException(key, rangeText(min, max) + ", got " + quote(text));
  }

  /** A finite decimal number in {@code [min, max]}: {@code 8}, {@code 2.5}. */
  public static double decimal(String key, String text, double min, double max) {
    String t = text.strip();
    if (DECIMAL.matcher(t).matches()) {
      double v = Double.parseDouble(t);
      if (v >= min && v <= max) {
        return v;
      }
    }
    throw new ConfigException(key, "must be a number from " + plain(min) + " to " + plain(max) + ", got " + quote(text));
  }

  private static String plain(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  /** A duration; the settings record checks its bounds. */
  public static Duration duration(String key, String text) {
    String t = text.strip();
    Matcher m = DURATION.matcher(t);
    try {
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        switch (m.group(2)) {
          case "ms": return Duration.ofMillis(n);
          case "s": return Duration.ofSeconds(n);
          case "m": return Duration.ofMinutes(n);
          case "h": return Duration.ofHours(n);
          default: return Duration.ofDays(n);
        }
      }
      if (t.startsWith("P") || t.startsWith("p")) {
        return Duration.parse(t);
      }
    } catch (NumberFormatException | ArithmeticException | DateTimeParseException bad) {
      // reported below
    }
    throw new ConfigException(key, "must be " + DURATION_FORMS + ", got " + quote(text));
  }

  /** A number of bytes; the settings record checks its bounds. */
  public static long size(String key, String text) {
    Matcher m = SIZE.matcher(text.strip());
    if (m.matches()) {
      try {
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        switch (unit) {
          case "KiB": return Math.multiplyExact(n, 1L << 10);
          case "MiB": return Math.multiplyExact(n, 1L << 20);
          case "GiB": return Math.multiplyExact(n, 1L << 30);
          default: return n;
        }
      } catch (NumberFormatException | ArithmeticException tooLarge) {
        // reported below
      }
    }
    throw new ConfigException(key, "must be " + SIZE_FORMS + ", got " + quote(text));
  }

  /** How a size reads best: {@code 1MiB}, {@code 512KiB}, {@code 1000}. */
  public static String formatSize(long bytes) {
    if (bytes > 0 && bytes % (1L << 30) == 0) {
      return bytes / (1L << 30) + "GiB";
    }
    if (bytes > 0 && bytes % (1L << 20) == 0) {
      return bytes / (1L << 20) + "MiB";
    }
    if (bytes > 0 && bytes % (1L << 10) == 0) {
      return bytes / (1L << 10) + "KiB";
    }
    return Long.toString(bytes);
  }

  /** How a duration reads best: {@code 10s}, {@code 500ms}, {@code 5m}. */
  public static String formatDuration(Duration d) {
    if (d.isNegative()) {
      return d.toString();
    }
    long ms = d.toMillis();
    if (!Duration.ofMillis(ms).equals(d)) {
      return d.toString();
    }
    if (ms != 0 && ms % 86_400_000L == 0) {
      return ms / 86_400_000L + "d";
    }
    if (ms != 0 && ms % 3_600_000L == 0) {
      return ms / 3_600_000L + "h";
    }
    if (ms != 0 && ms % 60_000L == 0) {
      return ms / 60_000L + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }

  static String rangeText(long min, long max) {
    return max == Long.MAX_VALUE
        ? "must be an integer of at least " + min
        : "must be an integer from " + min + " to " + max;
  }

  /** Text as an error message quotes it: in double quotes, control characters escaped. */
  static String quote(String text) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
