package io.cairn.cache;

import io.cairn.cache.cluster.CacheDef;
import io.cairn.cache.cluster.ClusterMap;
import io.cairn.cache.store.BackingStore;
import io.cairn.coordination.Coordination;
import io.cairn.coordination.PrimitiveService;
import io.cairn.coordination.machine.CoordinationState;
import io.cairn.membership.Membership;
import io.cairn.membership.NodeId;
import io.cairn.membership.transport.Transport;
import java.util.List;
import java.util.function.Consumer;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.function.UnaryOperator;

/** Starts the cache service of this node. */
public final class CacheServices {
  private CacheServices() {}

  /**
   * Opens the store (creating its schema), loads the persisted cache definitions and starts
   * background work. The returned service is thread-safe: every HTTP verticle shares it.
   *
   * <p>Fails with an {@link IllegalArgumentException} naming the setting when a setting is invalid
   * (for example {@code store.url} that is neither {@code jdbc:sqlite:} nor
   * {@code jdbc:postgresql:}), with {@code STORE_UNAVAILABLE} when the store cannot be reached, and
   * with an {@link java.io.IOException} when {@code caches.json} cannot be read.
   */
  public static Future<CacheService> start(Vertx vertx, CacheSettings settings, MeterRegistry registry) {
    return start(vertx, settings, registry, UnaryOperator.identity());
  }

  /** What a node's part in the cluster's caches works with: the coordination group and the transport. */
  public record Cluster(NodeId self, Coordination coordination, PrimitiveService primitives, CoordinationState state,
      ClusterMap map, Transport transport, Membership membership) {}

  /**
   * Opens this node's data for a cluster: its store, and no cache yet (the cluster map defines
   * them); {@code caches.json} is not used. Fails as {@link #start} does.
   */
  public static Future<CacheService> openForCluster(Vertx vertx, CacheSettings settings, MeterRegistry registry) {
    return NodeCacheService.startClustered(vertx, settings, registry, UnaryOperator.identity()).map(s -> s);
  }

  /**
   * Starts this node's part in the cluster's caches on {@code engine} (from {@link #openForCluster}):
   * its lease and its replicas; call it once the coordination verticle is deployed. The node joins
   * the cluster map in the background (with the caches of its configuration, {@code configured},
   * each defined unless it exists); until it has, its requests wait.
   *
   * @param fatal told, once, why this node can never join (another partition count or store kind
   *     than the cluster's); the node should stop
   */
  public static Future<ClusterCacheService> startCluster(Vertx vertx, CacheService engine, ClusterSettings settings,
      List<CacheDef> configured, Cluster cluster, MeterRegistry registry, Consumer<String> fatal) {
    NodeCacheService local = (NodeCacheService) engine;
    ReplicaShell[] shell = new ReplicaShell[1];
    CacheMetrics metrics = new CacheMetrics(registry, cluster.self(), () -> shell[0] == null ? Routing.NONE
        : shell[0].routing());
    shell[0] = new ReplicaShell(cluster.self(), settings, local, cluster.coordination(), cluster.primitives(),
        cluster.state(), cluster.map(), cluster.transport(), cluster.membership(),
        local.sharedStore() ? "shared" : "embedded", configured, metrics, fatal);
    return vertx.deployVerticle(shell[0]).map(id -> {
      shell[0].startLeaderDuties();
      return new ClusterCacheService(vertx, cluster.self(), settings, local, shell[0], cluster.coordination(),
          cluster.primitives(), cluster.transport(), cluster.membership(), metrics.replication(), id);
    });
  }

  /** For tests: the store wrapped by {@code decorator} (to count or fault its calls). */
  static Future<CacheService> start(Vertx vertx, CacheSettings settings, MeterRegistry registry,
      UnaryOperator<BackingStore> decorator) {
    if (vertx == null || settings == null || registry == null || decorator == null) {
      return Future.failedFuture(new NullPointerException("vertx, settings and registry are required"));
    }
    return NodeCacheService.start(vertx, settings, registry, decorator, Clock.systemUTC());
  }
}
