package io.cairn.coordination;

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
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A coordination group in this JVM on real sockets: each node has its own Vert.x, its own
 * cluster transport on an ephemeral loopback port (all sharing one {@link Faults}, so a test can
 * drop, delay and partition), its own write-ahead log under a temporary directory, and a
 * membership double that lists every node at its current address. {@link #crash} closes a node's
 * Vert.x without a goodbye; {@link #restart} brings it back on a new port from its log.
 */
final class CoordinationCluster implements AutoCloseable {
  private static final Duration EVENTUALLY = Duration.ofSeconds(30);
  final List<NodeId> ids = new ArrayList<>();
  final Faults faults;
  private final Path root;
  private final RaftSettings raft;
  private final Duration requestTimeout;
  private final long snapshotEntries;
  private final int voters;
  private final List<NodeId> initialVoters;
  private final Duration settle;
  /** {@code cp.replace-dead-voter-after}; never unless a test sets it before starting. */
  Duration replaceAfter = Duration.ZERO;
  /** {@code cp.max-pending-requests}. */
  int maxPending = CoordinationSettings.DEFAULT_MAX_PENDING_REQUESTS;
  private final Node[] nodes;
  private final FakeMembership[] views;

  /** One running node. */
  record Node(NodeId id, Vertx vertx, VertxTransport transport, Coordination coordination, RegisterService registers,
      ReplicatedPrimitives primitives) {}

  /** {@code size} nodes that are all voters, named in {@code cp.initial-voters}. */
  CoordinationCluster(int size, Path root, Faults faults, RaftSettings raft, Duration requestTimeout,
      long snapshotEntries) {
    this(size, size, true, Duration.ZERO, root, faults, raft, requestTimeout, snapshotEntries);
  }

  /**
   * @param voters {@code cp.voters}
   * @param named whether the first {@code voters} nodes are named in {@code cp.initial-voters};
   *     otherwise the nodes pick them by id after {@code settle}
   */
  CoordinationCluster(int size, int voters, boolean named, Duration settle, Path root, Faults faults, RaftSettings raft,
      Duration requestTimeout, long snapshotEntries) {
    this.root = root;
    this.voters = voters;
    this.settle = settle;
    this.faults = faults;
    this.raft = raft;
    this.requestTimeout = requestTimeout;
    this.snapshotEntries = snapshotEntries;
    this.nodes = new Node[size];
    this.views = new FakeMembership[size];
    for (int i = 0; i < size; i++) {
      ids.add(NodeId.of("n" + (i + 1)));
    }
    for (int i = 0; i < size; i++) {
      views[i] = new FakeMembership(ids.get(i).value());
    }
    this.initialVoters = named ? ids.subList(0, voters) : List.of();
  }

  int size() {
    return nodes.length;
  }

  void startAll() {
    for (int i = 0; i < nodes.length; i++) {
      startTransport(i);
    }
    for (int i = 0; i < nodes.length; i++) {
      startCoordination(i);
    }
  }

  /** Closes node {@code i}'s Vert.x at once: its sockets close, its durable log stays. */
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

  /** Starts node {@code i} again from its log, on a new port. */
  void restart(int i) {
    startTransport(i);
    startCoordination(i);
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

  /** The index of a running node that says it leads, if any. */
  Optional<Integer> leader() {
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i] != null && "LEADER".equals(await(nodes[i].coordination().status()).role())) {
        return Optional.of(i);
      }
    }
    return Optional.empty();
  }

  private void startTransport(int i) {
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
    nodes[i] = new Node(ids.get(i), vertx, transport, null, null, null);
  }

  private void startCoordination(int i) {
    Node n = nodes[i];
    CoordinationSettings settings = new CoordinationSettings(root.resolve(ids.get(i).value()), voters,
        initialVoters, settle, requestTimeout, snapshotEntries, replaceAfter, maxPending, raft);
    CoordinationState machine = new CoordinationState();
    Coordination c = new Coordination(settings, views[i], n.transport(), machine, machine::answer, RaftListener.NONE);
    ReplicatedPrimitives primitives = new ReplicatedPrimitives(n.vertx(), c, machine);
    await(n.vertx().deployVerticle(c));
    primitives.start();
    nodes[i] = new Node(n.id(), n.vertx(), n.transport(), c, new ReplicatedRegisters(c), primitives);
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

  /** Retries {@code action} until it returns without throwing, for at most 30 s. */
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

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
