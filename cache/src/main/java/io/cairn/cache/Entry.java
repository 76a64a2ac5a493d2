package io.cairn.cache;

import java.time.Instant;
import java.util.Objects;

/**
 * One cache entry: the bytes that were put, their media type, and a version.
 *
 * <p>Versions of a key only ever increase, also across a delete and a new put and across a
 * restart, so an ETag handed out once never matches a later, different value.
 *
 * @param expiresAt when the entry expires (wall clock, for people and for the store), or null
 */
public record Entry(String key, byte[] value, String contentType, long version, Instant expiresAt) {
  public Entry {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(contentType, "contentType");
  }
}
