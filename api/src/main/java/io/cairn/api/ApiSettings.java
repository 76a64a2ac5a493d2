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
}
