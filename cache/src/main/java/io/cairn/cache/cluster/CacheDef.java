package io.cairn.cache.cluster;

import io.cairn.cache.CacheSpec;
import java.util.Objects;

/** A cache as the cluster defines it: its name, its configuration, and when it was created. */
public record CacheDef(String name, CacheSpec spec, long createdAtMillis) {
  public CacheDef {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(spec, "spec");
  }
}
