package io.cairn.node.config;

import io.cairn.api.ApiSettings;
import io.cairn.cache.CacheSettings;

/**
 * Limits on what a request may carry.
 *
 * @param maxKeyBytes longest entry key in UTF-8 bytes, at most 1024 (the contract's limit)
 * @param maxValueBytes largest entry value: a value is held whole in memory, in the request and
 *     in the cache, so higher allows bigger values at the cost of memory per request
 * @param maxJsonBodyBytes largest JSON request body (cache configuration, bulk-get)
 */
public record LimitsSettings(int maxKeyBytes, long maxValueBytes, long maxJsonBodyBytes) {
  /** The contract's EntryKey maxLength. */
  public static final int MAX_KEY_BYTES = 1024;
  public static final long MAX_BODY_BYTES = 1L << 30;

  public LimitsSettings {
    Check.inRange(maxKeyBytes, 1, MAX_KEY_BYTES, "limits.max-key-bytes");
    checkSize(maxValueBytes, "limits.max-value-bytes");
    checkSize(maxJsonBodyBytes, "limits.max-json-body-bytes");
  }

  public static LimitsSettings defaults() {
    return new LimitsSettings(CacheSettings.DEFAULT_MAX_KEY_BYTES, CacheSettings.DEFAULT_MAX_VALUE_BYTES,
        ApiSettings.DEFAULT_MAX_JSON_BODY_BYTES);
  }

  private static void checkSize(long bytes, String key) {
    Check.that(bytes >= 1 && bytes <= MAX_BODY_BYTES, key,
        "must be from 1 byte to " + Values.formatSize(MAX_BODY_BYTES) + ", got " + Values.formatSize(bytes));
  }
}
