package io.cairn.membership.transport;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.membership.Address;
import io.cairn.membership.NodeId;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Transports on real sockets on 127.0.0.1, each node with its own Vertx. Deadlines are generous
 * (the build machine is small and shared); assertions are about behaviour, not speed.
 */
class VertxTransportIT {
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final Duration SHORT = Duration.ofMillis(400);

  private final List<Vertx> vertxes = new ArrayList<>();
  private final List<Node> nodes = new ArrayList<>();

  /** One node: its transport, its meters, and everything it received. */
  private final class Node {
    final NodeId id;
    final Vertx vertx;
    final VertxTransport transport;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final ConcurrentLinkedQueue<Inbound> received = new ConcurrentLinkedQueue<>();
    final AtomicBoolean handlersOnEventLoop = new AtomicBoolean(true);

    Node(String id, TransportSettings settings, Faults faults) {
      this.id = NodeId.of(id);
      this.vertx = newVertx();
      this.transport = new VertxTransport(vertx, this.id, settings, registry, faults,
          new SplittableRandom(id.hashCode()));
      for (Channel c : Channel.values()) {
        transport.onMessage(c, in -> {
          handlersOnEventLoop.compareAndSet(true, Vertx.currentContext() != null
              && Vertx.currentContext().isEventLoopContext());
          received.add(in);
        });
        transport.onRequest(c, in -> Future.succeededFuture(
            Buffer.buffer(id + " got ").appendBuffer(in.payload())));
      }
      join(transport.start());
      nodes.add(this);
    }

    Address address() {
      return transport.localAddress();
    }

    double counter(String name, String... tags) {
      var c = registry.find(name).tags(tags).counter();
      return c == null ? 0 : c.count();
    }

    double gauge(String name, String... tags) {
      var g = registry.find(name).tags(tags).gauge();
      return g == null ? 0 : g.value();
    }

    List<String> texts() {
      return received.stream().map(in -> in.payload().toString()).toList();
    }

    void close() {
      nodes.remove(this);
      join(transport.close());
      join(vertx.close());
      vertxes.remove(vertx);
    }
  }

  private Vertx newVertx() {
    Vertx v = Vertx.vertx(new VertxOptions()
        .setEventLoopPoolSize(2)
        .setMaxEventLoopExecuteTime(200)
        .setMaxEventLoopExecuteTimeUnit(MILLISECONDS)
        .setBlockedThreadCheckInterval(100)
        .setBlockedThreadCheckIntervalUnit(MILLISECONDS));
    vertxes.add(v);
    return v;
  }

  private static TransportSettings settings() {
    return TransportSettings.defaults()
        .withPort(0)
        .withConnectTimeout(Duration.ofSeconds(5))
        .withReconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200));
  }

  private Node node(String id) {
    return new Node(id, settings(), Faults.NONE);
  }

  @AfterEach
  void closeEverything() {
    for (Node n : new ArrayList<>(nodes)) {
      join(n.transport.close());
    }
    for (Vertx v : new ArrayList<>(vertxes)) {
      join(v.close());
    }
  }

  // ------------------------------------------------------------------ delivery

  @Test
  void oneWayMessagesTravelBothWaysWithTheSendersIdentity() {
    Node a = node("a");
    Node b = node("b");

    a.transport.send(b.address(), Channel.MEMBERSHIP, Buffer.buffer("to b"));
    b.transport.send(a.address(), Channel.RAFT, Buffer.buffer("to a"));

    await().atMost(DEADLINE).until(() -> b.received.size() == 1 && a.received.size() == 1);
    Inbound atB = b.received.peek();
    assertThat(atB.from()).isEqualTo(a.id);
    assertThat(atB.fromAddress()).isEqualTo(a.address());
    assertThat(atB.channel()).isEqualTo(Channel.MEMBERSHIP);
    assertThat(atB.payload().toString()).isEqualTo("to b");
    Inbound atA = a.received.peek();
    assertThat(atA.from()).isEqualTo(b.id);
    assertThat(atA.channel()).isEqualTo(Channel.RAFT);
    assertThat(a.handlersOnEventLoop).isTrue();
    assertThat(b.handlersOnEventLoop).isTrue();

    assertThat(a.counter("cairn.transport.messages", "direction", "out", "channel", "membership"))
        .isEqualTo(1);
    assertThat(b.counter("cairn.transport.messages", "direction", "in", "channel", "membership"))
        .isEqualTo(1);
    assertThat(b.counter("cairn.transport.bytes", "direction", "in", "channel", "membership"))
        .isEqualTo(FrameCodec.frameBytes(4));
    assertThat(a.gauge("cairn.transport.connections", "direction", "out")).isEqualTo(1);
    assertThat(a.gauge("cairn.transport.connections", "direction", "in")).isEqualTo(1);
  }

  @Test
  void messagesFromOneSenderArriveInOrderOverOneConnection() {
    Node a = node("a");
    Node b = node("b");
    for (int i = 0; i < 500; i++) {
      a.transport.send(b.address(), Channel.REPLICATION, Buffer.buffer("m" + i));
    }
    await().atMost(DEADLINE).until(() -> b.received.size() == 500);
    List<String> want = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      want.add("m" + i);
    }
    assertThat(b.texts()).isEqualTo(want);
    assertThat(a.gauge("cairn.transport.connections", "direction", "out")).isEqualTo(1);
    assertThat(b.gauge("cairn.transport.connections", "direction", "in")).isEqualTo(1);
  }

  @Test
  void requestsGetTheirAnswersFromAnyThread() throws Exception {
    Node a = node("a");
    Node b = node("b");

    assertThat(join(a.transport.request(b.address(), Channel.RAFT, Buffer.buffer("x"), SHORT.multipliedBy(10)))
        .toString()).isEqualTo("b got x");

    var all = new ConcurrentLinkedQueue<Future<Buffer>>();
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      int id = t;
      threads[t] = new Thread(() -> {
        for (int i = 0; i < 50; i++) {
          all.add(a.transport.request(b.address(), Channel.REPLICATION,
              Buffer.buffer(id + "/" + i), DEADLINE));
        }
      });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    for (Future<Buffer> f : all) {
      assertThat(join(f).toString()).startsWith("b got ");
    }
    assertThat(all).hasSize(200);
  }

  @Test
  void aFailingHandlerOrNoHandlerIsARemoteError() {
    Node a = node("a");
    Node b = node("b");
    b.transport.onRequest(Channel.RAFT, in -> Future.failedFuture("not the leader"));
    b.transport.onRequest(Channel.REPLICATION, in -> {
      throw new IllegalStateException("boom");
    });

    assertThat(failure(a.transport.request(b.address(), Channel.RAFT, Buffer.buffer(), DEADLINE)))
        .satisfies(e -> assertThat(e.reason()).isEqualTo(TransportException.Reason.REMOTE_ERROR))
        .hasMessageContaining("not the leader");
    assertThat(failure(a.transport.request(b.address(), Channel.REPLICATION, Buffer.buffer(), DEADLINE)))
        .satisfies(e -> assertThat(e.reason()).isEqualTo(TransportException.Reason.REMOTE_ERROR))
        .hasMessageContaining("boom");
  }

  @Test
  void aRequestWithoutAnAnswerTimesOut() {
    Node a = node("a");
    Node b = node("b");
    b.transport.onRequest(Channel.RAFT, in -> Promise.<Buffer>promise().future()); // never answers

    TransportException e =
        failure(a.transport.request(b.address(), Channel.RAFT, Buffer.buffer("?"), SHORT));

    assertThat(e.reason()).isEqualTo(TransportException.Reason.TIMEOUT);
  }

  @Test
  void closingFailsPendingRequestsWithClosed() {
    Node a = node("a");
    Node b = node("b");
    b.transport.onRequest(Channel.RAFT, in -> Promise.<Buffer>promise().future());
    Future<Buffer> pending = a.transport.request(b.address(), Channel.RAFT, Buffer.buffer(), DEADLINE);
    await().atMost(DEADLINE).until(() ->
        b.counter("cairn.transport.messages", "direction", "in", "channel", "raft") == 1);

    join(a.transport.close());

    assertThat(failure(pending).reason()).isEqualTo(TransportException.Reason.CLOSED);
    assertThat(failure(a.transport.request(b.address(), Channel.RAFT, Buffer.buffer(), DEADLINE))
        .reason()).isEqualTo(TransportException.Reason.CLOSED);
  }

  // ------------------------------------------------------------------ reaching peers

  @Test
  void aRequestToAClosedPortFailsUnreachablePromptly() throws Exception {
    Node a = node("a");
    int port;
    try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    Address nobody = new Address("127.0.0.1", port);

    long t0 = System.nanoTime();
    TransportException e = failure(a.transport.request(nobody, Channel.RAFT, Buffer.buffer(), DEADLINE));
    assertThat(e.reason()).isEqualTo(TransportException.Reason.UNREACHABLE);
    // Refused, not timed out: well under the 30 s request timeout even on a loaded machine.
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));

    a.transport.send(nobody, Channel.MEMBERSHIP, Buffer.buffer("lost"));
    await().atMost(DEADLINE).until(() ->
        a.counter("cairn.transport.dropped", "reason", "unreachable") >= 1);
  }

  @Test
  void itReconnectsWhenThePeerRestartsOnTheSamePort() {
    Node a = node("a");
    Node b = node("b");
    Address bAddress = b.address();
    assertThat(join(a.transport.request(bAddress, Channel.RAFT, Buffer.buffer("1"), DEADLINE))
        .toString()).isEqualTo("b got 1");

    b.close();
    TransportException down = failure(a.transport.request(bAddress, Channel.RAFT, Buffer.buffer("2"), SHORT));
    assertThat(down.reason()).isIn(TransportException.Reason.UNREACHABLE, TransportException.Reason.LOST,
        TransportException.Reason.TIMEOUT);

    Node b2 = new Node("b", settings().withPort(bAddress.port()), Faults.NONE);
    assertThat(b2.address()).isEqualTo(bAddress);
    await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() ->
        answered(a.transport.request(bAddress, Channel.RAFT, Buffer.buffer("3"), SHORT)));
    assertThat(a.gauge("cairn.transport.connections", "direction", "out")).isEqualTo(1);
  }

  // ------------------------------------------------------------------ bounded memory

  @Test
  void aStalledPeerGetsDropsAndBackpressureNotUnboundedMemory() {
    int limit = 64 * 1024;
    Node a = new Node("a", settings().withSendQueueBytes(limit), Faults.NONE);
    StalledPeer stalled = new StalledPeer(newVertx());
    Buffer payload = Buffer.buffer(new byte[16 * 1024]);
    int frame = FrameCodec.frameBytes(payload.length());

    // Send for a while: a stalled reader lets the kernel's socket buffers fill (they grow by
    // autotuning, so the first drop does not mean they are full), then the queue. Only then is
    // there no room left for the requests below.
    long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    while (System.nanoTime() - until < 0) {
      a.transport.send(stalled.address, Channel.REPLICATION, payload);
      assertThat(a.transport.queuedBytes(stalled.address)).isLessThanOrEqualTo(limit + frame);
    }
    assertThat(a.counter("cairn.transport.dropped", "reason", "queue-full")).isPositive();

    // Requests wait for room in a bounded list, then fail; none is ever sent.
    List<Future<Buffer>> requests = new ArrayList<>();
    for (int i = 0; i < 3 * VertxTransport.MAX_WAITING_REQUESTS; i++) {
      requests.add(a.transport.request(stalled.address, Channel.REPLICATION, Buffer.buffer(new byte[100]), SHORT));
      assertThat(a.transport.waitingBytes(stalled.address)).isLessThanOrEqualTo(limit + 200);
    }
    // Those that found room were sent and the stalled peer never answers: TIMEOUT. The rest
    // never left: OVERLOADED. Nothing succeeds and nothing else happens.
    int overloaded = 0;
    for (Future<Buffer> f : requests) {
      TransportException.Reason reason = failure(f).reason();
      assertThat(reason).isIn(TransportException.Reason.OVERLOADED, TransportException.Reason.TIMEOUT);
      overloaded += reason == TransportException.Reason.OVERLOADED ? 1 : 0;
    }
    assertThat(overloaded).isPositive();
    assertThat(a.transport.waitingBytes(stalled.address)).isZero();
    assertThat(a.transport.queuedBytes(stalled.address)).isLessThanOrEqualTo(limit + frame);
    // Vert.x closes a socket only once its pending writes are flushed: let them drain.
    stalled.wake();
    await().atMost(DEADLINE).until(() -> a.transport.queuedBytes(stalled.address) == 0);
  }

  // ------------------------------------------------------------------ protocol violations

  @Test
  void anOversizeFrameClosesTheConnectionAndTheNextOneWorks() {
    Node a = node("a");
    Node b = new Node("b", settings().withMaxFrameBytes(4096), Faults.NONE);

    TransportException e = failure(a.transport.request(b.address(), Channel.RAFT,
        Buffer.buffer(new byte[8192]), DEADLINE));

    // sent, then the peer closed the connection: it may have acted on it as far as a knows
    assertThat(e.reason()).isEqualTo(TransportException.Reason.LOST);
    assertThat(b.counter("cairn.transport.rejected", "reason", "oversize")).isEqualTo(1);
    assertThat(b.counter("cairn.transport.dropped", "reason", "malformed")).isEqualTo(1);
    await().atMost(DEADLINE).until(() ->
        answered(a.transport.request(b.address(), Channel.RAFT, Buffer.buffer("small"), SHORT)));
  }

  @Test
  void garbageFromARawClientClosesItsConnectionAndOthersAreStillServed() {
    Node a = node("a");
    Node b = node("b");
    Vertx raw = newVertx();
    assertThat(join(a.transport.request(b.address(), Channel.RAFT, Buffer.buffer("before"), DEADLINE))
        .toString()).isEqualTo("b got before");

    RawClient http = new RawClient(raw, b.address());
    http.socket.write(Buffer.buffer("GET / HTTP/1.1\r\nHost: b\r\n\r\n")); // "GET " is a huge length
    await().atMost(DEADLINE).untilTrue(http.closed);

    RawClient noise = new RawClient(raw, b.address());
    byte[] junk = new byte[200];
    new java.util.Random(1).nextBytes(junk);
    noise.socket.write(Buffer.buffer().appendInt(100).appendBytes(junk)); // a length, then no magic
    await().atMost(DEADLINE).untilTrue(noise.closed);

    assertThat(b.counter("cairn.transport.rejected", "reason", "oversize")).isEqualTo(1);
    assertThat(b.counter("cairn.transport.rejected", "reason", "malformed")).isEqualTo(1);
    assertThat(join(a.transport.request(b.address(), Channel.RAFT, Buffer.buffer("after"), DEADLINE))
        .toString()).isEqualTo("b got after");
  }

  @Test
  void anotherProtocolVersionIsRefusedOnBothEnds() {
    Node b = node("b");
    Vertx raw = newVertx();

    // A client of version 2 says HELLO: the server closes the connection.
    RawClient v2 = new RawClient(raw, b.address());
    v2.socket.write(FrameCodec.encode(2, FrameType.HELLO, 0, 0,
        FrameCodec.hello(NodeId.of("future"), new Address("127.0.0.1", 1))));
    await().atMost(DEADLINE).untilTrue(v2.closed);
    assertThat(b.counter("cairn.transport.rejected", "reason", "version")).isEqualTo(1);

    // A server of version 2 answers HELLO: the client closes, the request fails UNREACHABLE.
    Node a = node("a");
    StalledPeer future = new StalledPeer(raw, 2);
    TransportException e = failure(a.transport.request(future.address, Channel.RAFT, Buffer.buffer(), DEADLINE));
    assertThat(e.reason()).isEqualTo(TransportException.Reason.UNREACHABLE);
    assertThat(a.counter("cairn.transport.rejected", "reason", "version")).isEqualTo(1);
  }

  @Test
  void anUnknownChannelIsDroppedAndCountedAndTheConnectionLives() {
    Node b = node("b");
    RawClient raw = new RawClient(newVertx(), b.address());
    raw.socket.write(FrameCodec.encode(FrameType.HELLO, 0, 0,
        FrameCodec.hello(NodeId.of("newer"), new Address("127.0.0.1", 9))));
    raw.socket.write(FrameCodec.encode(FrameType.ONEWAY, 77, 0, Buffer.buffer("?")));
    raw.socket.write(FrameCodec.encode(FrameType.ONEWAY, Channel.RAFT.code(), 0, Buffer.buffer("ok")));

    await().atMost(DEADLINE).until(() -> b.received.size() == 1);
    assertThat(b.texts()).containsExactly("ok");
    assertThat(b.received.peek().from()).isEqualTo(NodeId.of("newer"));
    assertThat(b.counter("cairn.transport.dropped", "reason", "unknown-channel")).isEqualTo(1);
    assertThat(raw.closed).isFalse();
  }

  // ------------------------------------------------------------------ faults

  @Test
  void dropAllLosesEverythingUntilHealed() {
    Faults faults = new Faults(1).dropAll(1.0);
    Node a = new Node("a", settings(), faults);
    Node b = new Node("b", settings(), faults);

    for (int i = 0; i < 20; i++) {
      a.transport.send(b.address(), Channel.MEMBERSHIP, Buffer.buffer("lost " + i));
    }
    assertThat(failure(a.transport.request(b.address(), Channel.RAFT, Buffer.buffer(), SHORT)).reason())
        .isEqualTo(TransportException.Reason.TIMEOUT);
    await().atMost(DEADLINE).until(() -> a.counter("cairn.transport.dropped", "reason", "fault") == 21);

    faults.heal();
    a.transport.send(b.address(), Channel.MEMBERSHIP, Buffer.buffer("through"));
    await().atMost(DEADLINE).until(() -> b.received.size() == 1);
    assertThat(b.texts()).containsExactly("through"); // one connection, in order: nothing earlier
  }

  @Test
  void aOneWayBlockStopsOneDirectionOnly() {
    Faults faults = new Faults(2);
    Node a = new Node("a", settings(), faults);
    Node b = new Node("b", settings(), faults);
    faults.block(a.id, b.id);

    a.transport.send(b.address(), Channel.MEMBERSHIP, Buffer.buffer("a->b"));
    b.transport.send(a.address(), Channel.MEMBERSHIP, Buffer.buffer("b->a"));
    await().atMost(DEADLINE).until(() -> a.received.size() == 1);
    assertThat(a.texts()).containsExactly("b->a");

    // a's request never reaches b; b's request reaches a, but a's answer is blocked.
    assertThat(failure(a.transport.request(b.address(), Channel.RAFT, Buffer.buffer(), SHORT)).reason())
        .isEqualTo(TransportException.Reason.TIMEOUT);
    assertThat(failure(b.transport.request(a.address(), Channel.RAFT, Buffer.buffer(), SHORT)).reason())
        .isEqualTo(TransportException.Reason.TIMEOUT);
    assertThat(a.counter("cairn.transport.messages", "direction", "in", "channel", "raft")).isEqualTo(1);
    assertThat(b.received).isEmpty();

    faults.heal();
    assertThat(join(a.transport.request(b.address(), Channel.RAFT, Buffer.buffer("x"), DEADLINE))
        .toString()).isEqualTo("b got x");
  }

  @Test
  void aPartitionCutsBothWaysUntilHealed() {
    Faults faults = new Faults(3);
    Node a = new Node("a", settings(), faults);
    Node b = new Node("b", settings(), faults);
    Node c = new Node("c", settings(), faults);
    faults.partition(Set.of(a.id), Set.of(b.id, c.id));

    assertThat(failure(a.transport.request(b.address(), Channel.RAFT, Buffer.buffer(), SHORT)).reason())
        .isEqualTo(TransportException.Reason.TIMEOUT);
    assertThat(failure(c.transport.request(a.address(), Channel.RAFT, Buffer.buffer(), SHORT)).reason())
        .isEqualTo(TransportException.Reason.TIMEOUT);
    assertThat(join(b.transport.request(c.address(), Channel.RAFT, Buffer.buffer("same side"), DEADLINE))
        .toString()).isEqualTo("c got same side");

    faults.heal();
    assertThat(join(a.transport.request(b.address(), Channel.RAFT, Buffer.buffer("x"), DEADLINE))
        .toString()).isEqualTo("b got x");
    assertThat(join(c.transport.request(a.address(), Channel.RAFT, Buffer.buffer("y"), DEADLINE))
        .toString()).isEqualTo("a got y");
  }

  @Test
  void delayedMessagesAllArriveButNoSoonerThanTheDelay() {
    Faults faults = new Faults(4);
    Node a = new Node("a", settings(), faults);
    Node b = new Node("b", settings(), faults);
    // Connect first, so that the measured time is the delay and not the handshake.
    join(a.transport.request(b.address(), Channel.RAFT, Buffer.buffer(), DEADLINE));
    faults.delay(a.id, b.id, Duration.ofMillis(200), Duration.ofMillis(300));

    long t0 = System.nanoTime();
    a.transport.send(b.address(), Channel.MEMBERSHIP, Buffer.buffer("late"));
    await().atMost(DEADLINE).until(() -> b.received.size() == 1);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(200));

    // Many delayed messages may overtake each other, but none is lost.
    faults.heal().delay(a.id, b.id, Duration.ZERO, Duration.ofMillis(30));
    for (int i = 0; i < 200; i++) {
      a.transport.send(b.address(), Channel.MEMBERSHIP, Buffer.buffer("m" + i));
    }
    await().atMost(DEADLINE).until(() -> b.received.size() == 201);
    assertThat(b.texts().stream().distinct().count()).isEqualTo(201);
  }

  @Test
  void duplicatedMessagesArriveTwiceAndARequestCompletesOnce() {
    Faults faults = new Faults(5);
    Node a = new Node("a", settings(), faults);
    Node b = new Node("b", settings(), faults);
    AtomicInteger handled = new AtomicInteger();
    b.transport.onRequest(Channel.RAFT, in -> {
      handled.incrementAndGet();
      return Future.succeededFuture(Buffer.buffer("once"));
    });
    faults.duplicate(a.id, b.id, 1.0);

    for (int i = 0; i < 10; i++) {
      a.transport.send(b.address(), Channel.MEMBERSHIP, Buffer.buffer("d" + i));
    }
    await().atMost(DEADLINE).until(() -> b.received.size() == 20);
    assertThat(b.texts().stream().distinct().count()).isEqualTo(10);

    assertThat(join(a.transport.request(b.address(), Channel.RAFT, Buffer.buffer(), DEADLINE))
        .toString()).isEqualTo("once");
    await().atMost(DEADLINE).until(() -> handled.get() == 2); // the server saw it twice
  }

  // ------------------------------------------------------------------ helpers

  /** A bare TCP client that speaks whatever the test writes. */
  private static final class RawClient {
    final NetSocket socket;
    final AtomicBoolean closed = new AtomicBoolean();

    RawClient(Vertx vertx, Address to) {
      socket = join(vertx.createNetClient().connect(to.port(), to.host()));
      socket.handler(b -> { });
      socket.closeHandler(v -> closed.set(true));
    }
  }

  /**
   * A server that completes the handshake with the given protocol version, then never reads
   * again: a peer that is alive but stuck.
   */
  private static final class StalledPeer {
    final Address address;
    final List<NetSocket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();

    StalledPeer(Vertx vertx) {
      this(vertx, FrameCodec.PROTOCOL_VERSION);
    }

    StalledPeer(Vertx vertx, int version) {
      NetServer server = vertx.createNetServer().connectHandler(socket -> {
        sockets.add(socket);
        socket.handler(first -> {
          socket.pause();
          socket.write(FrameCodec.encode(version, FrameType.HELLO_ACK, 0, 0,
              FrameCodec.helloAck(NodeId.of("stalled"))));
        });
      });
      address = new Address("127.0.0.1", join(server.listen(0, "127.0.0.1")).actualPort());
    }

    /** Reads (and discards) again, so that the sender's buffers drain and its sockets can close. */
    void wake() {
      for (NetSocket s : sockets) {
        s.handler(ignored -> { });
        s.resume();
      }
    }
  }

  private static boolean answered(Future<Buffer> f) {
    try {
      f.toCompletionStage().toCompletableFuture().get(DEADLINE.toSeconds(), SECONDS);
      return true;
    } catch (ExecutionException e) {
      return false;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static <T> T join(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(DEADLINE.toSeconds(), SECONDS);
    } catch (Exception e) {
      throw new AssertionError("expected success, got " + e, e);
    }
  }

  private static TransportException failure(Future<?> f) {
    try {
      f.toCompletionStage().toCompletableFuture().get(DEADLINE.toSeconds(), SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(TransportException.class);
      return (TransportException) e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected a failure, got success");
  }
}
