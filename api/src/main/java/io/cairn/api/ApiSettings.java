package io.cairn.api;

/**
 * Limits the API enforces before a request reaches a module.
 *
 * @param maxKeyBytes longest entry key, in UTF-8 bytes (400 invalid-key past it)
 * @param maxValueBytes largest entry value (413 value-too-large past it)
 * @param maxJsonBodyBytes largest JSON request body (413 payload-too-large past it)
 */
public record ApiSettings(int maxKeyBytes, long maxValueBytes, long maxJsonBodyBytes) {
  public static final long DEFAULT_MAX_JSON_BODY_BYTES = 4L * 1024 * 1024;

  public ApiSettings {
    // A body is read into one buffer, so no limit can pass what one buffer holds.
    check(maxKeyBytes, "limits.max-key-bytes");
    check(maxValueBytes, "limits.max-value-bytes");
    check(maxJsonBodyBytes, "limits.max-json-body-bytes");
  }

  private static void check(long value, String key) {
    if (value < 1 || value > Integer.MAX_VALUE - 64) {
      throw new IllegalArgumentException(key + " must be between 1 and " + (Integer.MAX_VALUE - 64) + ", is " + value);
    }
  }
}
