package io.cairn.node;

import io.cairn.cache.cluster.ClusterMap;
import io.cairn.cache.CacheService;
import io.cairn.cache.CacheServices;
import io.cairn.cache.CacheSettings;
import io.cairn.coordination.Coordination;
import io.cairn.coordination.PrimitiveService;
import io.cairn.coordination.RegisterService;
import io.cairn.coordination.ReplicatedPrimitives;
import io.cairn.coordination.ReplicatedRegisters;
import io.cairn.coordination.machine.CoordinationState;
import io.cairn.membership.Address;
import io.cairn.membership.MemberMetadata;
import io.cairn.membership.Membership;
import io.cairn.membership.shell.MembershipSettings;
import io.cairn.membership.shell.MembershipShell;
import io.cairn.membership.transport.Faults;
import io.cairn.membership.transport.TransportSettings;
import io.cairn.node.config.ClusterSettings;
import io.cairn.node.metrics.CoordinationMetrics;
import io.cairn.node.metrics.MembershipMetrics;
import io.cairn.node.config.CacheDefinition;
import io.cairn.node.config.CairnConfig;
import io.cairn.node.config.Values;
import io.cairn.node.health.Health;
import io.cairn.node.metrics.ActiveRequests;
import io.cairn.node.metrics.Metrics;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Cairn process. It starts in this order: metrics registry, Vert.x, the cache service (which
 * opens the store), the caches of the configuration, the membership, the coordination group's
 * log, {@code http.instances} HTTP
 * verticles that share the port; then it has started, and is ready once the membership has
 * joined its group. It stops in the reverse order, after leaving the group, see {@link #stop()}.
 */
public final class Node {
  private static final Logger log = LoggerFactory.getLogger(Node.class);

  /** How long a stopping node waits for its leave to go out before it stops serving. */
  static final Duration LEAVE_TIMEOUT = Duration.ofSeconds(5);

  private final CairnConfig config;
  private final java.util.function.Consumer<String> fatal;
  private final Health health = new Health();
  private final Promise<Void> started = Promise.promise();
  private Metrics metrics;
  private ActiveRequests active;
  private volatile Vertx vertx;
  private volatile CacheService caches;
  private volatile Membership membership;
  private volatile MembershipMetrics membershipMetrics;
  private volatile String membershipDeployment;
  private volatile MembershipShell membershipShell;
  private volatile Coordination coordination;
  private volatile RegisterService registers;
  private volatile PrimitiveService primitives;
  private volatile CoordinationMetrics coordinationMetrics;
  private volatile String coordinationDeployment;
  private volatile String deploymentId;
  private volatile int port;
  private Future<Void> stopped;

  public Node(CairnConfig config) {
    this(config, reason -> log.error("this node cannot take part in the cluster's caches: {}", reason));
  }

  /**
   * @param fatal told (once, on an event loop) why this node can never take part in the cluster's
   *     caches: another partition count or kind of store than the cluster's; the process should end
   */
  public Node(CairnConfig config, java.util.function.Consumer<String> fatal) {
    this.config = config;
    this.fatal = fatal;
  }

  public Health health() {
    return health;
  }

  /** The port the HTTP API listens on, once started. */
  public int port() {
    return port;
  }

  /**
   * Starts the node. The steps before Vert.x (data directory, metrics) run on the calling thread;
   * the returned Future fails with a {@link StartupFailure} that names the step that failed.
   */
  public Future<Void> start() {
    try {
      Path dataDir = prepareDataDir(config.data().dir());
      int firstPort = listenPort(); // may resolve a host name: not on an event loop
      int clusterPort = clusterPort();
      metrics = Metrics.create(config.node().id());
      active = new ActiveRequests(metrics.registry());
      vertx = Vertx.vertx(new VertxOptions());
      startOnVertx(dataDir, firstPort, clusterPort).onComplete(started);
    } catch (RuntimeException e) {
      started.fail(e);
    }
    return started.future();
  }

  private Future<Void> startOnVertx(Path dataDir, int firstPort, int clusterPort) {
    CacheSettings settings = config.cacheSettings();
    settings = new CacheSettings(dataDir, settings.maxKeyBytes(), settings.maxValueBytes(), settings.store(),
        settings.partitions());
    return CacheServices.openForCluster(vertx, settings, metrics.registry())
        .recover(e -> Future.failedFuture(new StartupFailure("the cache service did not start", e)))
        .compose(engine -> {
          caches = engine;
          health.store(engine::storeStatus);
          return startMembership(clusterPort, firstPort).compose(v -> startCoordination(engine));
        })
        .compose(v -> deployHttp(firstPort, 3))
        .map(v -> {
          health.started();
          log.atInfo()
              .setMessage("ready on http://{}:{}")
              .addArgument(hostForUrl(config.http().host()))
              .addArgument(port)
              .addKeyValue("node", config.node().id())
              .addKeyValue("dataDir", dataDir)
              .addKeyValue("store", config.store().describe(dataDir))
              .addKeyValue("httpInstances", config.http().instances())
              .log();
          return null;
        });
  }

  /**
   * Starts this node's membership and its meters, and hands it to the readiness check: the node
   * is not ready until it has joined its group.
   */
  private Future<Void> startMembership(int clusterPort, int httpPort) {
    ClusterSettings cluster = config.cluster();
    Address advertised = cluster.advertised(clusterPort);
    String apiHost = ClusterSettings.isWildcardHost(config.http().host()) ? advertised.host() : config.http().host();
    MemberMetadata metadata = new MemberMetadata(advertised, "http://" + hostForUrl(apiHost) + ":" + httpPort,
        config.node().zone(), config.node().roles(), version());
    MembershipSettings settings = new MembershipSettings(config.node().nodeId(), metadata.apiAddress(),
        metadata.zone(), metadata.roles(), metadata.version(),
        TransportSettings.defaults().withHost(cluster.host()).withPort(clusterPort).withAdvertise(advertised),
        cluster.seeds().stream().map(Address::toString).toList(),
        cluster.dns() == null ? null : cluster.dns().toString(),
        config.membership(), injectedFaults());
    MembershipShell shell = new MembershipShell(settings, metrics.registry());
    return vertx.deployVerticle(shell)
        .recover(e -> Future.failedFuture(new StartupFailure("the membership did not start", e)))
        .map(id -> {
          membershipDeployment = id;
          membership = shell;
          membershipShell = shell;
          membershipMetrics = new MembershipMetrics(shell, metrics.registry());
          health.membership(shell, cluster.describeSeeds());
          log.atInfo().setMessage("membership started: {} at {}").addArgument(config.node().id()).addArgument(advertised)
              .addKeyValue("seeds", cluster.describeSeeds())
              .log();
          return null;
        });
  }

  /**
   * Starts this node's part in the coordination group: it opens the Raft log under {@code
   * <data.dir>/raft} and restarts as the voter it was, or waits for the group to form (see
   * {@link Coordination}); the node does not wait for that to serve.
   */
  private Future<Void> startCoordination(CacheService engine) {
    ClusterMap map = new ClusterMap();
    CoordinationState machine = new CoordinationState(map);
    CoordinationMetrics meters = new CoordinationMetrics(metrics.registry());
    Coordination c = new Coordination(config.coordination(), membership, membershipShell.transport(), machine,
        machine::answer, meters);
    ReplicatedPrimitives replicated = new ReplicatedPrimitives(vertx, c, machine);
    return vertx.deployVerticle(c)
        .recover(e -> Future.failedFuture(new StartupFailure("the coordination group's log did not open", e)))
        .compose(id -> {
          coordinationDeployment = id;
          coordination = c;
          coordinationMetrics = meters;
          registers = new ReplicatedRegisters(c);
          replicated.start();
          meters.primitives(replicated);
          primitives = replicated;
          List<io.cairn.cache.cluster.CacheDef> configured = new ArrayList<>();
          long now = System.currentTimeMillis();
          for (CacheDefinition d : config.caches()) {
            configured.add(new io.cairn.cache.cluster.CacheDef(d.name(), d.spec(), now));
          }
          CacheServices.Cluster parts = new CacheServices.Cluster(config.node().nodeId(), c, replicated, machine, map,
              membershipShell.transport(), membership);
          return CacheServices.startCluster(vertx, engine, config.cacheClusterSettings(), configured, parts,
              metrics.registry(), fatal);
        })
        .recover(e -> Future.failedFuture(e instanceof StartupFailure ? e
            : new StartupFailure("the cluster's caches did not start", e)))
        .map(cluster -> {
          caches = cluster;
          health.caches(cluster::serving);
          return null;
        });
  }

  /**
   * Faults for benchmarks only: the JVM system property {@code cairn.transport.faults} (for
   * example {@code drop=0.05}) makes the transport drop, delay or duplicate messages. It is not a
   * configuration key and nothing in the API reaches it; when set, the node says so at WARN.
   */
  private static Faults injectedFaults() {
    Faults faults = Faults.fromSystemProperty();
    if (faults != Faults.NONE) {
      log.warn("the cluster transport injects faults for a benchmark: {} (-D{})", faults, Faults.SYSTEM_PROPERTY);
    }
    return faults;
  }

  /** The version of Cairn this jar is, from its manifest; empty when it has none (tests). */
  private static String version() {
    String v = Node.class.getPackage().getImplementationVersion();
    return v == null ? "" : v;
  }

  /**
   * Deploys the HTTP verticles. With {@code http.port: 0} the node picks a free port first, so
   * that every instance shares it (Vert.x gives each server listening on port 0 its own port);
   * if another process takes that port in between, it tries another.
   */
  private Future<Void> deployHttp(int listenPort, int attemptsLeft) {
    HttpServerOptions options = new HttpServerOptions().setHost(config.http().host()).setPort(listenPort);
    Supplier<HttpVerticle> verticle = () -> new HttpVerticle(caches, membership, coordination, registers, primitives,
        config.apiSettings(), metrics, health,
        active, options, config.shutdown().grace());
    return vertx.deployVerticle(verticle, new DeploymentOptions().setInstances(config.http().instances()))
        .map(id -> {
          deploymentId = id;
          port = listenPort;
          return (Void) null;
        })
        .recover(e -> {
          boolean lostRace = config.http().port() == 0 && attemptsLeft > 1 && e.getCause() instanceof BindException;
          return lostRace
              ? vertx.executeBlocking(this::listenPort, false).compose(p -> deployHttp(p, attemptsLeft - 1))
              : Future.failedFuture(e);
        });
  }

  private int listenPort() {
    int configured = config.http().port();
    if (configured != 0) {
      return configured;
    }
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(config.http().host()))) {
      return probe.getLocalPort();
    } catch (IOException e) {
      throw new StartupFailure("cannot listen on " + config.http().host() + ":0", e);
    }
  }

  /** The cluster transport's port: the configured one, or a free one for {@code cluster.port: 0}. */
  private int clusterPort() {
    int configured = config.cluster().port();
    if (configured != 0) {
      return configured;
    }
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(config.cluster().host()))) {
      return probe.getLocalPort();
    } catch (IOException e) {
      throw new StartupFailure("cannot listen on " + config.cluster().host() + ":0", e);
    }
  }

  private static Path prepareDataDir(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    try {
      Files.createDirectories(abs);
    } catch (IOException | RuntimeException e) {
      throw new StartupFailure("data dir " + abs + " cannot be created", e);
    }
    try {
      Path probe = Files.createTempFile(abs, ".write-probe", ".tmp");
      Files.delete(probe);
    } catch (IOException | RuntimeException e) {
      throw new StartupFailure("data dir " + abs + " is not writable", e);
    }
    return abs;
  }

  /**
   * Stops the node, once, whatever state its start reached: it stops being ready, hands over the
   * coordination group's leadership if it leads, announces
   * that it leaves the cluster (waiting at most {@link #LEAVE_TIMEOUT}), stops accepting connections and lets in-flight requests finish within {@code shutdown.grace},
   * closes the cache service (and with it the store), then Vert.x and the registry. Each step
   * runs even when the one before it failed. Waits for a start in progress to settle first.
   */
  public synchronized Future<Void> stop() {
    if (stopped == null) {
      health.stopping();
      log.info("shutdown: not ready any more");
      long begin = System.nanoTime();
      stopped = started.future()
          .transform(ignored -> step("handing over the coordination group's leadership, if this node leads",
              coordination == null ? null : () -> coordination.handOver().mapEmpty()))
          .transform(ignored -> step("leaving the cluster (at most " + Values.formatDuration(LEAVE_TIMEOUT) + ")",
              membership == null ? null : () -> membership.leave().timeout(LEAVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)))
          .transform(ignored -> step("stopping the HTTP servers; " + (active == null ? 0 : active.count())
              + " request(s) in flight get up to " + Values.formatDuration(config.shutdown().grace()),
              deploymentId == null ? null : () -> vertx.undeploy(deploymentId)))
          .transform(ignored -> step("closing the cache service and its store",
              caches == null ? null : () -> caches.close()))
          .transform(ignored -> step("closing the coordination group's log",
              coordinationDeployment == null ? null : () -> vertx.undeploy(coordinationDeployment)))
          .transform(ignored -> step("stopping the membership",
              membershipDeployment == null ? null : () -> vertx.undeploy(membershipDeployment)))
          .transform(ignored -> step("closing Vert.x", vertx == null ? null : () -> vertx.close()))
          .transform(ar -> {
            if (membershipMetrics != null) {
              membershipMetrics.close();
            }
            if (coordinationMetrics != null) {
              coordinationMetrics.close();
            }
            if (metrics != null) {
              metrics.close();
            }
            log.info("shutdown: done in {} ms", (System.nanoTime() - begin) / 1_000_000);
            return Future.succeededFuture();
          });
    }
    return stopped;
  }

  private static Future<Void> step(String what, Supplier<Future<Void>> action) {
    if (action == null) {
      return Future.succeededFuture();
    }
    log.info("shutdown: {}", what);
    try {
      return action.get().recover(e -> {
        log.warn("shutdown: {} failed: {}", what, StartupFailure.describe(e));
        return Future.succeededFuture();
      });
    } catch (RuntimeException e) {
      log.warn("shutdown: {} failed: {}", what, StartupFailure.describe(e));
      return Future.succeededFuture();
    }
  }

  private static String hostForUrl(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }
}
