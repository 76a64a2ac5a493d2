package io.cairn.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cache.CacheSettings.StoreSettings;
import io.cairn.cache.cluster.ClusterMap;
import io.cairn.cache.cluster.ClusterView;
import io.cairn.cache.cluster.Holders;
import io.cairn.coordination.Coordination;
import io.cairn.coordination.CoordinationSettings;
import io.cairn.coordination.ReplicatedPrimitives;
import io.cairn.coordination.machine.CoordinationState;
import io.cairn.coordination.raft.RaftSettings;
import io.cairn.coordination.shell.RaftListener;
import io.cairn.membership.Address;
import io.cairn.membership.Member;
import io.cairn.membership.MemberMetadata;
import io.cairn.membership.MemberStatus;
import io.cairn.membership.NodeId;
import io.cairn.membership.testing.FakeMembership;
import io.cairn.membership.transport.Faults;
import io.cairn.membership.transport.TransportSettings;
import io.cairn.membership.transport.VertxTransport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The caches of a cluster in this JVM on real sockets: each node has its own Vert.x, its own
 * cluster transport on an ephemeral loopback port (all sharing one {@link Faults}), its own
 * coordination log and embedded store under a temporary directory, and a membership double that
 * lists every node at its current address. The first three nodes (or all, if fewer) are the
 * coordination group's voters. {@link #crash} closes a node's Vert.x without a goodbye; {@link
 * #start} brings it back from its log and store on a new port.
 */
final class CacheCluster implements AutoCloseable {
  static final Duration EVENTUALLY = Duration.ofSeconds(60);
  final List<NodeId> ids = new ArrayList<>();
  final Faults faults;
  final ClusterSettings settings;
  private final Path root;
  private final StoreSettings store;
  private final int voters;
  private final Node[] nodes;
  private final FakeMembership[] views;

  /** One running node. */
  record Node(NodeId id, Vertx vertx, VertxTransport transport, Coordination coordination,
      ReplicatedPrimitives primitives, ClusterCacheService caches, SimpleMeterRegistry registry) {}

  CacheCluster(int size, Path root, Faults faults, ClusterSettings settings) {
    this(size, root, faults, settings, StoreSettings.defaults());
  }

  /** With {@code store} for every node: a shared PostgreSQL, or each its embedded store (the default). */
  CacheCluster(int size, Path root, Faults faults, ClusterSettings settings, StoreSettings store) {
    this.store = store;
    this.root = root;
    this.faults = faults;
    this.settings = settings;
    this.voters = Math.min(3, size);
    this.nodes = new Node[size];
    this.views = new FakeMembership[size];
    for (int i = 0; i < size; i++) {
      ids.add(NodeId.of("n" + (i + 1)));
      views[i] = new FakeMembership(ids.get(i).value());
    }
  }

  /** Quick enough for tests: a 2 s lease, 1 s stabilization, 8 migrations at once. */
  static ClusterSettings fastSettings() {
    return new ClusterSettings("", Duration.ofSeconds(2), Duration.ofSeconds(8), Duration.ofSeconds(1), 8,
        Duration.ofSeconds(30));
  }

  int size() {
    return nodes.length;
  }

  void startAll() {
    for (int i = 0; i < nodes.length; i++) {
      startTransportOf(i);
    }
    for (int i = 0; i < nodes.length; i++) {
      startRestOf(i);
    }
  }

  /** Starts node {@code i} (again): from its log and store, on a new port. */
  void start(int i) {
    startTransportOf(i);
    startRestOf(i);
  }

  /** Closes node {@code i}'s Vert.x at once: its sockets close, its log and store stay. */
  void crash(int i) {
    Node n = nodes[i];
    nodes[i] = null;
    if (n != null) {
      await(n.vertx().close());
    }
    for (FakeMembership view : views) {
      Member old = view.member(ids.get(i)).orElseThrow();
      view.set(new Member(old.id(), MemberStatus.DEAD, old.incarnation(), old.metadata()));
    }
  }

  boolean running(int i) {
    return nodes[i] != null;
  }

  Node node(int i) {
    Node n = nodes[i];
    if (n == null) {
      throw new IllegalStateException(ids.get(i) + " is not running");
    }
    return n;
  }

  /**
   * Waits until every running node serves and has the same, newest view of the cluster map, in
   * which the target gives every running node partitions and each partition's holders are the
   * target's (its owner and backups, nothing pending). One node's view alone could be behind, and
   * show as settled a map that a later change (an expired lease) has unsettled.
   */
  void awaitSettled() {
    eventually(() -> {
      ClusterView v = null;
      for (int i = 0; i < nodes.length; i++) {
        if (running(i)) {
          assertThat(caches(i).serving()).as(ids.get(i) + " serves").isTrue();
          ClusterView mine = caches(i).view();
          if (v != null) {
            assertThat(mine.revision()).as(ids.get(i) + "'s view").isEqualTo(v.revision());
          }
          v = mine;
        }
      }
      assertThat(v.target()).isNotNull();
      for (int i = 0; i < nodes.length; i++) {
        if (running(i)) {
          assertThat(v.target().nodes()).as("the target gives " + ids.get(i) + " partitions").contains(ids.get(i));
        }
      }
      for (int p = 0; p < v.partitionCount(); p++) {
        Holders h = v.assignments().holders(p);
        int partition = p;
        assertThat(h.pending()).as(() -> describe(partition)).isEmpty();
        assertThat(h.owner()).as(() -> describe(partition)).isEqualTo(v.target().owner(p));
        assertThat(h.backups()).as(() -> describe(partition))
            .containsExactlyInAnyOrderElementsOf(v.target().backups(p));
      }
      return null;
    });
  }

  /** Partition {@code p} as every running node's replica core sees it, a line each (for failure messages). */
  String describe(int p) {
    StringBuilder b = new StringBuilder("partition " + p + ":");
    for (int i = 0; i < nodes.length; i++) {
      if (running(i) && nodes[i].caches() != null) {
        b.append("\n  ").append(await(nodes[i].caches().describe(p)));
      }
    }
    return b.toString();
  }

  /** Node {@code i}'s caches; an {@link IllegalStateException} while it is down or still starting. */
  ClusterCacheService caches(int i) {
    ClusterCacheService caches = node(i).caches();
    if (caches == null) {
      throw new IllegalStateException(ids.get(i) + " is still starting");
    }
    return caches;
  }

  void startTransportOf(int i) {
    Vertx vertx = Vertx.vertx();
    VertxTransport transport = new VertxTransport(vertx, ids.get(i),
        TransportSettings.defaults().withHost("127.0.0.1").withPort(0)
            .withReconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200)),
        new SimpleMeterRegistry(), faults, new SplittableRandom(i));
    Promise<Void> started = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> transport.start().onComplete(started));
    await(started.future());
    Address address = transport.localAddress();
    for (FakeMembership view : views) {
      long incarnation = view.member(ids.get(i)).map(m -> m.incarnation() + 1).orElse(1L);
      view.set(new Member(ids.get(i), MemberStatus.ALIVE, incarnation, MemberMetadata.of(address)));
    }
    nodes[i] = new Node(ids.get(i), vertx, transport, null, null, null, null);
  }

  void startRestOf(int i) {
    Node n = nodes[i];
    Path dir = root.resolve(ids.get(i).value());
    CoordinationSettings cs = new CoordinationSettings(dir.resolve("raft"), voters, ids.subList(0, voters),
        Duration.ZERO, Duration.ofSeconds(5), 10_000, Duration.ZERO, CoordinationSettings.DEFAULT_MAX_PENDING_REQUESTS,
        RaftSettings.LAN);
    ClusterMap map = new ClusterMap();
    CoordinationState machine = new CoordinationState(map);
    Coordination c = new Coordination(cs, views[i], n.transport(), machine, machine::answer, RaftListener.NONE);
    ReplicatedPrimitives primitives = new ReplicatedPrimitives(n.vertx(), c, machine);
    await(n.vertx().deployVerticle(c));
    primitives.start();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CacheSettings cacheSettings = new CacheSettings(dir, 1024, 1 << 20, store, 271);
    CacheService engine = await(CacheServices.openForCluster(n.vertx(), cacheSettings, registry));
    ClusterCacheService caches = await(CacheServices.startCluster(n.vertx(), engine, settings, List.of(),
        new CacheServices.Cluster(ids.get(i), c, primitives, machine, map, n.transport(), views[i]), registry,
        reason -> { throw new IllegalStateException(reason); }));
    nodes[i] = new Node(n.id(), n.vertx(), n.transport(), c, primitives, caches, registry);
  }

  @Override
  public void close() {
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i] != null) {
        Vertx v = nodes[i].vertx();
        nodes[i] = null;
        await(v.close());
      }
    }
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw cause instanceof RuntimeException re ? re : new RuntimeException(cause);
    }
  }

  /** Retries {@code action} until it returns without throwing, for at most {@link #EVENTUALLY}. */
  static <T> T eventually(Supplier<T> action) {
    long deadline = System.nanoTime() + EVENTUALLY.toNanos();
    while (true) {
      try {
        return action.get();
      } catch (RuntimeException | AssertionError e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }
}
