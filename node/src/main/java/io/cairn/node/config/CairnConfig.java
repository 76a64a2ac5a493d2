package io.cairn.node.config;

import io.cairn.api.ApiSettings;
import io.cairn.cache.CacheSettings;
import io.cairn.coordination.CoordinationSettings;
import io.cairn.membership.swim.SwimSettings;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The node's whole configuration: one immutable tree of settings records, each of which has
 * checked itself. {@link ConfigLoader} builds it from defaults, a YAML file, {@code CAIRN_*}
 * environment variables and command-line flags.
 */
public record CairnConfig(
    NodeSettings node,
    HttpSettings http,
    ClusterSettings cluster,
    SwimSettings membership,
    CoordinationSettings coordination,
    CachePartitioning cache,
    DataSettings data,
    StoreSettings store,
    LimitsSettings limits,
    ShutdownSettings shutdown,
    LogSettings log,
    List<CacheDefinition> caches) {

  public CairnConfig {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(membership, "membership");
    Objects.requireNonNull(coordination, "coordination");
    Objects.requireNonNull(cache, "cache");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(shutdown, "shutdown");
    Objects.requireNonNull(log, "log");
    caches = List.copyOf(caches);
    Set<String> names = new HashSet<>();
    for (int i = 0; i < caches.size(); i++) {
      String name = caches.get(i).name();
      Check.that(names.add(name), "caches[" + i + "].name", "cache " + name + " is defined twice");
    }
  }

  /** The cache module's settings. */
  public CacheSettings cacheSettings() {
    return new CacheSettings(data.dir(), limits.maxKeyBytes(), limits.maxValueBytes(), store.toCache(),
        cache.partitions());
  }

  /** How this node takes part in the cluster's caches. */
  public io.cairn.cache.ClusterSettings cacheClusterSettings() {
    return new io.cairn.cache.ClusterSettings(node.zone() == null ? "" : node.zone(), cache.lease(),
        cache.requestTimeout(), cache.rebalanceDelay(), cache.maxMigrations(), cache.orphanTimeout());
  }

  /** The api module's settings. */
  public ApiSettings apiSettings() {
    return new ApiSettings(limits.maxKeyBytes(), limits.maxValueBytes(), limits.maxJsonBodyBytes());
  }
}
