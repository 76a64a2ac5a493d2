package io.cairn.node.config;

/** The checks settings records make of themselves: a failed check names its key. */
public final class Check {
  private Check() {}

  /** Throws a {@link ConfigException} for {@code key} unless {@code condition} holds. */
  public static void that(boolean condition, String key, String message) {
    if (!condition) {
      throw new ConfigException(key, message);
    }
  }

  /** {@code value} must lie in {@code [min, max]}; the message reads like the parser's. */
  public static void inRange(long value, long min, long max, String key) {
    that(value >= min && value <= max, key, Values.rangeText(min, max) + ", got " + value);
  }

  /** {@code value} must be longer than zero. */
  public static void positive(java.time.Duration value, String key) {
    that(value != null && !value.isNegative() && !value.isZero(), key,
        "must be longer than 0, got " + (value == null ? "nothing" : Values.formatDuration(value)));
  }

  /** {@code value} must be non-null and not blank. */
  public static void present(String value, String key) {
    that(value != null && !value.isBlank(), key, "must not be empty");
  }
}
