package io.cairn.cache;

import java.time.Instant;

/** A cache as persisted in {@code caches.json}: its name, configuration and creation time. */
record CacheDefinition(String name, CacheSpec spec, Instant createdAt) {}
