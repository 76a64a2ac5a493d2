package io.cairn.cache;

import java.time.Instant;

/** A cache as it is now: its name, its configuration, when it was created, its statistics. */
public record CacheInfo(String name, CacheSpec spec, Instant createdAt, CacheStats stats) {}
