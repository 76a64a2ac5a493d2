package io.cairn.membership.transport;

import io.cairn.membership.Address;
import io.cairn.membership.NodeId;
import io.cairn.membership.transport.TransportMetrics.Dropped;
import io.cairn.membership.transport.TransportMetrics.Rejected;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport over Vert.x TCP sockets.
 *
 * <p>All of its state lives on one event loop: the one of the context that called {@link #start}.
 * {@link #send} and {@link #request} hop there from other threads; they only touch a per-peer byte
 * count on the caller's thread, so that a full queue is refused before anything is allocated on
 * the loop.
 *
 * <p>Each remote address gets one outbound connection, dialled on first use, that carries this
 * node's one-way messages and requests; the peer's answers come back on it. Peers dial their own
 * connection to this node the same way. A connection starts with HELLO {node id, advertised
 * address} answered by HELLO_ACK {node id}; see {@link FrameCodec} for the bytes.
 *
 * <p>Memory per peer is bounded: at most {@code sendQueueBytes} of frames queued (while
 * connecting, or written but not yet flushed to the socket), and at most as many bytes in at most
 * {@value #MAX_WAITING_REQUESTS} requests waiting for room. One-way messages that find the queue
 * full are dropped; requests wait for room until their timeout (then OVERLOADED: never sent).
 *
 * <p>A peer that cannot be reached is retried after a backoff that doubles from {@code
 * reconnectBackoffMin} to {@code reconnectBackoffMax}, each wait drawn uniformly between the
 * minimum and the current cap (full jitter) from the given random source; while it lasts, one-way
 * messages to the peer are dropped and requests fail UNREACHABLE at once. A connection that was
 * up and is lost is redialled at the next message without waiting.
 */
public final class VertxTransport implements Transport {
  private static final Logger log = LoggerFactory.getLogger(VertxTransport.class);

  /** Requests that may wait for room in one peer's send queue. */
  static final int MAX_WAITING_REQUESTS = 1024;

  private final Vertx vertx;
  private final NodeId localId;
  private final TransportSettings settings;
  private final Faults faults;
  private final RandomGenerator random;
  private final TransportMetrics metrics;
  private final int maxPayload;

  private final Map<Channel, Handler<Inbound>> messageHandlers = new ConcurrentHashMap<>();
  private final Map<Channel, Function<Inbound, Future<Buffer>>> requestHandlers =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Address, Peer> peers = new ConcurrentHashMap<>();
  private final AtomicLong correlationIds = new AtomicLong();

  // Confined to the event loop.
  private final Map<Long, PendingRequest> pending = new HashMap<>();
  private final Set<InboundConnection> inbound = new HashSet<>();
  private NetServer server;
  private NetClient client;

  private volatile Context context;
  private volatile Thread loopThread;
  private volatile Address localAddress;
  private volatile boolean started;
  private volatile boolean closed;
  private volatile Future<Void> closing;

  /**
   * @param faults {@link Faults#NONE} in production
   * @param random the source of reconnect jitter; used on the event loop only
   */
  public VertxTransport(
      Vertx vertx,
      NodeId localId,
      TransportSettings settings,
      MeterRegistry registry,
      Faults faults,
      RandomGenerator random) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.localId = Objects.requireNonNull(localId, "localId");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.faults = Objects.requireNonNull(faults, "faults");
    this.random = Objects.requireNonNull(random, "random");
    this.metrics = new TransportMetrics(Objects.requireNonNull(registry, "registry"));
    this.maxPayload = FrameCodec.maxPayload(settings.maxFrameBytes());
  }

  // ---------------------------------------------------------------- the public surface

  @Override
  public synchronized Future<Void> start() {
    if (started) {
      return Future.failedFuture(new IllegalStateException("the transport was already started"));
    }
    Context current = Vertx.currentContext();
    Context ctx;
    if (current != null && current.owner() == vertx) {
      if (!current.isEventLoopContext()) {
        return Future.failedFuture(new IllegalStateException(
            "start the transport on an event-loop context, not a worker"));
      }
      ctx = current;
    } else {
      ctx = vertx.getOrCreateContext(); // from a thread of no context: a fresh event-loop context
    }
    started = true;
    context = ctx;
    Promise<Void> result = Promise.promise();
    ctx.runOnContext(v -> {
      loopThread = Thread.currentThread();
      server = vertx.createNetServer(settings.netServerOptions()).connectHandler(this::accepted);
      client = vertx.createNetClient(settings.netClientOptions());
      server.listen().onComplete(ar -> {
        if (ar.failed()) {
          result.fail(new IllegalStateException("cannot listen on " + settings.host() + ":"
              + settings.port() + " (cluster.host, cluster.port): " + ar.cause().getMessage(),
              ar.cause()));
          return;
        }
        int port = ar.result().actualPort();
        Address adv = settings.advertise();
        localAddress = adv == null
            ? new Address(settings.host(), port)
            : adv.port() == 0 ? new Address(adv.host(), port) : adv;
        if (adv == null && TransportSettings.isWildcard(settings.host())) {
          log.warn("{} listens on {}:{} and advertises {}, which peers cannot dial; "
              + "set cluster.advertise", localId, settings.host(), port, localAddress);
        }
        log.info("{} cluster transport listening on {}:{}, advertised as {}",
            localId, settings.host(), port, localAddress);
        result.complete();
      });
    });
    return result.future();
  }

  @Override
  public Address localAddress() {
    Address a = localAddress;
    if (a == null) {
      throw new IllegalStateException("the transport has not started");
    }
    return a;
  }

  @Override
  public NodeId localId() {
    return localId;
  }

  @Override
  public void onMessage(Channel channel, Handler<Inbound> handler) {
    messageHandlers.put(Objects.requireNonNull(channel, "channel"),
        Objects.requireNonNull(handler, "handler"));
  }

  @Override
  public void onRequest(Channel channel, Function<Inbound, Future<Buffer>> handler) {
    requestHandlers.put(Objects.requireNonNull(channel, "channel"),
        Objects.requireNonNull(handler, "handler"));
  }

  @Override
  public void send(Address to, Channel channel, Buffer payload) {
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(payload, "payload");
    if (payload.length() > maxPayload) {
      throw new IllegalArgumentException("a payload of " + payload.length()
          + " bytes does not fit a frame of cluster.max-frame-bytes " + settings.maxFrameBytes());
    }
    if (closed) {
      metrics.dropped(Dropped.CLOSED);
      return;
    }
    if (context == null) {
      throw new IllegalStateException("start the transport before sending");
    }
    Peer peer = peer(to);
    // Reserve before encoding: a full queue costs the caller no copy of the payload.
    if (!peer.reserve(FrameCodec.frameBytes(payload.length()))) {
      metrics.dropped(Dropped.QUEUE_FULL);
      log.debug("{} dropped a {} message to {}: send queue full", localId, channel.tag(), to);
      return;
    }
    Buffer frame = FrameCodec.encode(FrameType.ONEWAY, channel.code(), 0, payload);
    OutFrame out = new OutFrame(frame, channel, null);
    onLoop(() -> dispatch(peer, out));
  }

  @Override
  public Future<Buffer> request(Address to, Channel channel, Buffer payload, Duration timeout) {
    if (to == null || channel == null || payload == null || timeout == null) {
      return Future.failedFuture(new NullPointerException("to, channel, payload and timeout"));
    }
    if (timeout.isNegative() || timeout.isZero()) {
      return Future.failedFuture(new IllegalArgumentException(
          "a request timeout must be positive, not " + timeout));
    }
    if (payload.length() > maxPayload) {
      return Future.failedFuture(new IllegalArgumentException("a payload of " + payload.length()
          + " bytes does not fit a frame of cluster.max-frame-bytes " + settings.maxFrameBytes()));
    }
    if (closed) {
      return Future.failedFuture(TransportException.closed());
    }
    if (context == null) {
      return Future.failedFuture(new IllegalStateException("start the transport before requests"));
    }
    long id = correlationIds.incrementAndGet();
    Buffer frame = FrameCodec.encode(FrameType.REQUEST, channel.code(), id, payload);
    Peer peer = peer(to);
    PendingRequest req =
        new PendingRequest(id, peer, channel, timeout, System.nanoTime() + timeout.toNanos());
    OutFrame out = new OutFrame(frame, channel, req);
    req.frame = out;
    switch (peer.admitRequest(frame.length())) {
      case QUEUED -> onLoop(() -> submit(req, false));
      case WAITING -> onLoop(() -> submit(req, true));
      case REFUSED -> {
        return Future.failedFuture(TransportException.overloaded(to,
            "is full and " + MAX_WAITING_REQUESTS + " requests already wait for room"));
      }
    }
    return req.promise.future();
  }

  @Override
  public synchronized Future<Void> close() {
    if (closing != null) {
      return closing;
    }
    closed = true;
    if (context == null) {
      closing = Future.succeededFuture();
      return closing;
    }
    Promise<Void> done = Promise.promise();
    closing = done.future();
    onLoop(() -> {
      for (PendingRequest req : new ArrayList<>(pending.values())) {
        finish(req, null, TransportException.closed());
      }
      for (Peer peer : peers.values()) {
        peer.cancelHandshakeTimer();
        for (OutFrame f : peer.connecting) {
          peer.release(f.size());
        }
        peer.connecting.clear();
        for (OutFrame f : peer.waiters) {
          peer.unwait(f.size());
        }
        peer.waiters.clear();
        NetSocket s = peer.socket;
        if (s != null) {
          s.close();
        }
      }
      for (InboundConnection c : new ArrayList<>(inbound)) {
        c.socket.close();
      }
      // Vert.x closes a socket after its pending writes are flushed, which a peer that stopped
      // reading never lets happen: do not wait for such sockets longer than a connect timeout
      // (Vert.x itself closes them when it stops).
      long grace = vertx.setTimer(settings.connectTimeout().toMillis(), t -> {
        if (done.tryComplete()) {
          log.warn("{} cluster transport closed; a peer that does not read kept its connection open", localId);
        }
      });
      Future.join(server.close(), client.close()).onComplete(ar -> {
        vertx.cancelTimer(grace);
        if (done.tryComplete()) {
          log.info("{} cluster transport closed", localId);
        }
      });
    });
    return closing;
  }

  // ---------------------------------------------------------------- for tests in this package

  long queuedBytes(Address to) {
    Peer p = peers.get(to);
    return p == null ? 0 : p.queuedBytes();
  }

  long waitingBytes(Address to) {
    Peer p = peers.get(to);
    return p == null ? 0 : p.waitingBytes();
  }

  // ---------------------------------------------------------------- outbound, on the loop

  private Peer peer(Address to) {
    return peers.computeIfAbsent(to, a -> new Peer(a, settings.sendQueueBytes()));
  }

  private void onLoop(Runnable task) {
    if (Thread.currentThread() == loopThread) {
      guarded(task);
    } else {
      context.runOnContext(v -> guarded(task));
    }
  }

  private void guarded(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      log.error("{} cluster transport bug", localId, e);
    }
  }

  private void submit(PendingRequest req, boolean waiting) {
    Peer peer = req.peer;
    if (closed) {
      if (waiting) {
        peer.unwait(req.frame.size());
      } else {
        peer.release(req.frame.size());
      }
      req.promise.tryFail(TransportException.closed());
      return;
    }
    pending.put(req.id, req);
    long remainingNanos = req.deadlineNanos - System.nanoTime();
    long delayMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(remainingNanos + 999_999));
    req.timerId = vertx.setTimer(delayMs, t -> guarded(() -> timedOut(req)));
    req.waiting = waiting;
    if (waiting) {
      peer.waiters.add(req.frame);
      promoteWaiters(peer);
    } else {
      dispatch(peer, req.frame);
    }
  }

  private void timedOut(PendingRequest req) {
    if (req.isDone()) {
      return;
    }
    Peer peer = req.peer;
    if (req.waiting) {
      peer.waiters.remove(req.frame);
      peer.unwait(req.frame.size());
      req.waiting = false;
      finish(req, null, TransportException.overloaded(peer.address,
          "stayed full for the whole request timeout of " + req.timeout.toMillis() + " ms"));
    } else {
      peer.inflight.remove(req.id);
      finish(req, null, TransportException.timeout(peer.address, req.channel, req.timeout));
    }
  }

  private void finish(PendingRequest req, Buffer response, Throwable failure) {
    pending.remove(req.id);
    req.peer.inflight.remove(req.id);
    if (req.timerId >= 0) {
      vertx.cancelTimer(req.timerId);
    }
    if (req.waiting) {
      req.peer.waiters.remove(req.frame);
      req.peer.unwait(req.frame.size());
      req.waiting = false;
    }
    if (failure == null) {
      req.promise.tryComplete(response);
    } else {
      req.promise.tryFail(failure);
    }
  }

  /** Moves waiting requests into the queue while there is room, oldest first. */
  private void promoteWaiters(Peer peer) {
    if (peer.promoting) {
      return; // an outer call is already looping
    }
    peer.promoting = true;
    try {
      while (!peer.waiters.isEmpty()) {
        OutFrame head = peer.waiters.peek();
        if (!peer.promote(head.size())) {
          return;
        }
        peer.waiters.poll();
        head.request.waiting = false;
        dispatch(peer, head);
      }
    } finally {
      peer.promoting = false;
    }
  }

  /** A frame whose bytes are reserved in the peer's queue goes on its way. */
  private void dispatch(Peer peer, OutFrame f) {
    if (closed) {
      discard(peer, f);
      return;
    }
    switch (peer.state) {
      case CONNECTED -> transmit(peer, f);
      case CONNECTING -> peer.connecting.add(f);
      case IDLE -> {
        if (peer.failures > 0 && System.nanoTime() - peer.retryAtNanos < 0) {
          reject(peer, f, "in reconnect backoff after " + peer.failures + " failed attempts");
        } else {
          peer.connecting.add(f);
          connect(peer);
        }
      }
    }
  }

  /** Faults decide, then the frame is written, later, twice, or never. */
  private void transmit(Peer peer, OutFrame f) {
    if (f.request != null && f.request.isDone()) {
      discard(peer, f);
      return;
    }
    Faults.Decision d = f.faulted ? Faults.Decision.PASS : faults.decide(localId, peer.remoteId);
    f.faulted = true;
    if (d.drop()) {
      metrics.dropped(Dropped.FAULT);
      log.debug("{} fault: dropped a {} frame to {}", localId, f.channel.tag(), peer.remoteId);
      discard(peer, f); // a request then times out, as on a lossy network
      return;
    }
    if (d.delayNanos() > 0) {
      NetSocket socket = peer.socket;
      long ms = Math.max(1, TimeUnit.NANOSECONDS.toMillis(d.delayNanos()));
      vertx.setTimer(ms, t -> guarded(() -> {
        if (peer.state == PeerState.CONNECTED && peer.socket == socket) {
          write(peer, f, d.duplicate());
        } else {
          dispatch(peer, f);
        }
      }));
      return;
    }
    write(peer, f, d.duplicate());
  }

  private void write(Peer peer, OutFrame f, boolean twice) {
    if (closed || (f.request != null && f.request.isDone())) {
      discard(peer, f);
      return;
    }
    if (f.request != null) {
      peer.inflight.put(f.request.id, f.request);
    }
    int size = f.size();
    peer.socket.write(f.bytes).onComplete(ar -> guarded(() -> {
      peer.release(size);
      promoteWaiters(peer);
    }));
    metrics.out(f.channel, size);
    if (twice) {
      peer.socket.write(f.bytes.copy());
      metrics.out(f.channel, size);
    }
    if (log.isDebugEnabled()) {
      log.debug("{} -> {} {} {} ({} bytes{})", localId, peer.remoteId, f.channel.tag(),
          f.request == null ? "message" : "request " + f.request.id, size, twice ? ", twice" : "");
    }
  }

  /** Gives back a frame's reservation without sending it. */
  private void discard(Peer peer, OutFrame f) {
    peer.release(f.size());
    promoteWaiters(peer);
  }

  private void reject(Peer peer, OutFrame f, String why) {
    if (f.request == null) {
      metrics.dropped(Dropped.UNREACHABLE);
      log.debug("{} dropped a {} message to {}: {}", localId, f.channel.tag(), peer.address, why);
    } else if (!f.request.isDone()) {
      finish(f.request, null, TransportException.unreachable(peer.address, why));
    }
    discard(peer, f);
  }

  private void connect(Peer peer) {
    peer.state = PeerState.CONNECTING;
    long attempt = ++peer.attempt;
    client.connect(peer.address.port(), peer.address.host()).onComplete(ar -> onLoop(() -> {
      if (peer.attempt != attempt || peer.state != PeerState.CONNECTING) {
        if (ar.succeeded()) {
          ar.result().close();
        }
        return;
      }
      if (ar.failed()) {
        connectFailed(peer, String.valueOf(ar.cause().getMessage()));
      } else {
        connected(peer, ar.result());
      }
    }));
  }

  private void connected(Peer peer, NetSocket socket) {
    if (closed) {
      socket.close();
      return;
    }
    peer.socket = socket;
    FrameReader reader = new FrameReader(settings.maxFrameBytes(), new FrameReader.Sink() {
      @Override
      public boolean frame(Buffer body) {
        return onClientFrame(peer, socket, body);
      }

      @Override
      public void problem(FrameReader.Problem problem, String detail) {
        protocolError(socket, "to " + peer.address, problem == FrameReader.Problem.OVERSIZE
            ? Rejected.OVERSIZE : Rejected.MALFORMED, detail);
      }
    });
    socket.handler(bytes -> guarded(() -> reader.handle(bytes)));
    socket.exceptionHandler(e ->
        log.debug("{} connection to {}: {}", localId, peer.address, e.toString()));
    socket.closeHandler(v -> onLoop(() -> outboundClosed(peer, socket)));
    socket.write(FrameCodec.encode(FrameType.HELLO, 0, 0, FrameCodec.hello(localId, localAddress)));
    peer.handshakeTimer = vertx.setTimer(settings.connectTimeout().toMillis(), t -> onLoop(() -> {
      peer.handshakeTimer = -1;
      if (peer.socket == socket && peer.state == PeerState.CONNECTING) {
        peer.socket = null;
        socket.close();
        connectFailed(peer, "no HELLO_ACK within cluster.connect-timeout "
            + settings.connectTimeout().toMillis() + " ms");
      }
    }));
  }

  private boolean onClientFrame(Peer peer, NetSocket socket, Buffer body) {
    if (peer.socket != socket) {
      return false;
    }
    String where = "to " + peer.address;
    Frame frame;
    try {
      frame = FrameCodec.decode(body);
    } catch (CodecException e) {
      return protocolError(socket, where,
          FrameCodec.isOtherVersion(body) ? Rejected.VERSION : Rejected.MALFORMED, e.getMessage());
    }
    switch (frame.type()) {
      case HELLO_ACK -> {
        if (peer.state != PeerState.CONNECTING) {
          return protocolError(socket, where, Rejected.MALFORMED, "a second HELLO_ACK");
        }
        NodeId remote;
        try {
          remote = FrameCodec.decodeHelloAck(frame.payload());
        } catch (CodecException e) {
          return protocolError(socket, where, Rejected.MALFORMED, e.getMessage());
        }
        handshakeDone(peer, remote);
        return true;
      }
      case RESPONSE, ERROR -> {
        if (peer.state != PeerState.CONNECTED) {
          return protocolError(socket, where, Rejected.MALFORMED,
              frame.type() + " before HELLO_ACK");
        }
        answered(peer, frame, body.length());
        return true;
      }
      default -> {
        return protocolError(socket, where, Rejected.MALFORMED,
            "a server does not send " + frame.type());
      }
    }
  }

  private void handshakeDone(Peer peer, NodeId remote) {
    peer.cancelHandshakeTimer();
    peer.state = PeerState.CONNECTED;
    peer.remoteId = remote;
    peer.failures = 0;
    peer.counted = true;
    metrics.connectionsOut.incrementAndGet();
    if (peer.downReported || !peer.everConnected) {
      log.info("{} connected to {} at {}", localId, remote, peer.address);
    }
    peer.downReported = false;
    peer.everConnected = true;
    List<OutFrame> queued = new ArrayList<>(peer.connecting);
    peer.connecting.clear();
    for (OutFrame f : queued) {
      if (peer.state == PeerState.CONNECTED) {
        transmit(peer, f);
      } else {
        dispatch(peer, f);
      }
    }
  }

  private void answered(Peer peer, Frame frame, int size) {
    PendingRequest req = peer.inflight.get(frame.correlationId());
    if (req == null) {
      log.debug("{} ignored a late or duplicate answer {} from {}",
          localId, frame.correlationId(), peer.remoteId);
      return;
    }
    metrics.in(req.channel, size + FrameCodec.LENGTH_BYTES);
    if (frame.type() == FrameType.RESPONSE) {
      finish(req, frame.payload(), null);
    } else {
      TransportException error;
      try {
        error = FrameCodec.decodeError(frame.payload());
      } catch (CodecException e) {
        error = new TransportException(TransportException.Reason.REMOTE_ERROR,
            "an unreadable error from " + peer.remoteId);
      }
      finish(req, null, error);
    }
  }

  private void outboundClosed(Peer peer, NetSocket socket) {
    if (peer.socket != socket) {
      return;
    }
    peer.socket = null;
    peer.cancelHandshakeTimer();
    if (peer.state == PeerState.CONNECTED) {
      peer.state = PeerState.IDLE;
      if (peer.counted) {
        peer.counted = false;
        metrics.connectionsOut.decrementAndGet();
      }
      if (!closed) {
        log.info("{} lost its connection to {} at {}", localId, peer.remoteId, peer.address);
        peer.downReported = true;
      }
      for (PendingRequest req : new ArrayList<>(peer.inflight.values())) {
        finish(req, null, TransportException.lost(peer.address));
      }
    } else if (peer.state == PeerState.CONNECTING) {
      connectFailed(peer, "the connection closed during the handshake");
    }
  }

  private void connectFailed(Peer peer, String why) {
    peer.state = PeerState.IDLE;
    peer.failures++;
    long min = settings.reconnectBackoffMin().toNanos();
    long max = settings.reconnectBackoffMax().toNanos();
    int shift = Math.min(peer.failures - 1, 30);
    long cap = Math.min(max, min << shift < 0 ? max : min << shift);
    long backoff = cap > min ? min + random.nextLong(cap - min + 1) : min;
    peer.retryAtNanos = System.nanoTime() + backoff;
    if (!closed) {
      if (!peer.downReported) {
        log.info("{} cannot reach {}: {}; retrying with backoff up to {} ms", localId,
            peer.address, why, settings.reconnectBackoffMax().toMillis());
        peer.downReported = true;
      } else {
        log.debug("{} still cannot reach {} ({} attempts): {}", localId, peer.address,
            peer.failures, why);
      }
    }
    List<OutFrame> queued = new ArrayList<>(peer.connecting);
    peer.connecting.clear();
    for (OutFrame f : queued) {
      reject(peer, f, why);
    }
  }

  // ---------------------------------------------------------------- inbound, on the loop

  private void accepted(NetSocket socket) {
    if (Thread.currentThread() != loopThread) {
      // Vert.x hands connections to the context that listened; this would be a bug of ours.
      log.error("{} accepted a connection off its event loop; closing it", localId);
      socket.close();
      return;
    }
    if (closed) {
      socket.close();
      return;
    }
    InboundConnection c = new InboundConnection(socket);
    inbound.add(c);
    socket.setWriteQueueMaxSize(settings.sendQueueBytes());
    FrameReader reader = new FrameReader(settings.maxFrameBytes(), new FrameReader.Sink() {
      @Override
      public boolean frame(Buffer body) {
        return onServerFrame(c, body);
      }

      @Override
      public void problem(FrameReader.Problem problem, String detail) {
        protocolError(socket, "from " + c.describe(), problem == FrameReader.Problem.OVERSIZE
            ? Rejected.OVERSIZE : Rejected.MALFORMED, detail);
      }
    });
    socket.handler(bytes -> guarded(() -> reader.handle(bytes)));
    socket.exceptionHandler(e ->
        log.debug("{} connection from {}: {}", localId, c.describe(), e.toString()));
    socket.closeHandler(v -> onLoop(() -> inboundClosed(c)));
    c.helloTimer = vertx.setTimer(settings.connectTimeout().toMillis(), t -> onLoop(() -> {
      c.helloTimer = -1;
      if (c.remoteId == null && !c.closed) {
        log.warn("{} closes the connection from {}: no HELLO within cluster.connect-timeout",
            localId, c.describe());
        metrics.rejected(Rejected.MALFORMED);
        socket.close();
      }
    }));
  }

  private boolean onServerFrame(InboundConnection c, Buffer body) {
    if (c.closed) {
      return false;
    }
    String where = "from " + c.describe();
    Frame frame;
    try {
      frame = FrameCodec.decode(body);
    } catch (CodecException e) {
      return protocolError(c.socket, where,
          FrameCodec.isOtherVersion(body) ? Rejected.VERSION : Rejected.MALFORMED, e.getMessage());
    }
    if (c.remoteId == null) {
      if (frame.type() != FrameType.HELLO) {
        return protocolError(c.socket, where, Rejected.MALFORMED,
            "the first frame was " + frame.type() + ", not HELLO");
      }
      FrameCodec.Hello hello;
      try {
        hello = FrameCodec.decodeHello(frame.payload());
      } catch (CodecException e) {
        return protocolError(c.socket, where, Rejected.MALFORMED, e.getMessage());
      }
      c.remoteId = hello.nodeId();
      c.remoteAddress = hello.address();
      if (c.helloTimer >= 0) {
        vertx.cancelTimer(c.helloTimer);
        c.helloTimer = -1;
      }
      c.counted = true;
      metrics.connectionsIn.incrementAndGet();
      log.debug("{} accepted a connection from {} at {}", localId, c.remoteId, c.remoteAddress);
      c.socket.write(FrameCodec.encode(FrameType.HELLO_ACK, 0, 0, FrameCodec.helloAck(localId)));
      return true;
    }
    int size = body.length() + FrameCodec.LENGTH_BYTES;
    switch (frame.type()) {
      case ONEWAY -> received(c, frame, size);
      case REQUEST -> requested(c, frame, size);
      default -> {
        return protocolError(c.socket, where, Rejected.MALFORMED,
            "a client does not send " + frame.type() + " after HELLO");
      }
    }
    return true;
  }

  private void received(InboundConnection c, Frame frame, int size) {
    Channel channel = Channel.fromCode(frame.channelCode());
    if (channel == null) {
      metrics.dropped(Dropped.UNKNOWN_CHANNEL);
      log.debug("{} dropped a message on unknown channel {} from {}",
          localId, frame.channelCode(), c.remoteId);
      return;
    }
    metrics.in(channel, size);
    Handler<Inbound> handler = messageHandlers.get(channel);
    if (handler == null) {
      metrics.dropped(Dropped.NO_HANDLER);
      log.debug("{} dropped a {} message from {}: no handler", localId, channel.tag(), c.remoteId);
      return;
    }
    log.debug("{} <- {} {} message ({} bytes)", localId, c.remoteId, channel.tag(), size);
    try {
      handler.handle(new Inbound(c.remoteId, c.remoteAddress, channel, frame.payload()));
    } catch (RuntimeException e) {
      log.warn("{} {} message handler failed on a message from {}",
          localId, channel.tag(), c.remoteId, e);
    }
  }

  private void requested(InboundConnection c, Frame frame, int size) {
    long id = frame.correlationId();
    Channel channel = Channel.fromCode(frame.channelCode());
    if (channel == null) {
      metrics.dropped(Dropped.UNKNOWN_CHANNEL);
      respond(c, frame.channelCode(), id, Future.failedFuture(
          "unknown channel " + frame.channelCode() + " at " + localId));
      return;
    }
    metrics.in(channel, size);
    Function<Inbound, Future<Buffer>> handler = requestHandlers.get(channel);
    if (handler == null) {
      metrics.dropped(Dropped.NO_HANDLER);
      respond(c, channel.code(), id, Future.failedFuture(
          "no " + channel.tag() + " request handler at " + localId));
      return;
    }
    log.debug("{} <- {} {} request {} ({} bytes)", localId, c.remoteId, channel.tag(), id, size);
    Future<Buffer> answer;
    try {
      answer = handler.apply(new Inbound(c.remoteId, c.remoteAddress, channel, frame.payload()));
      if (answer == null) {
        answer = Future.failedFuture("the " + channel.tag() + " handler returned no future");
      }
    } catch (RuntimeException e) {
      answer = Future.failedFuture(e);
    }
    answer.onComplete(ar -> onLoop(() -> respond(c, channel.code(), id, ar)));
  }

  private void respond(InboundConnection c, int channelCode, long id, AsyncResult<Buffer> ar) {
    if (closed || c.closed) {
      return;
    }
    Buffer frame;
    if (ar.succeeded() && ar.result() != null && ar.result().length() <= maxPayload) {
      frame = FrameCodec.encode(FrameType.RESPONSE, channelCode, id, ar.result());
    } else {
      String why = ar.succeeded()
          ? ar.result() == null ? "the handler answered null"
              : "a response of " + ar.result().length() + " bytes does not fit a frame"
          : String.valueOf(ar.cause().getMessage());
      frame = FrameCodec.encode(FrameType.ERROR, channelCode, id,
          FrameCodec.error(TransportException.Reason.REMOTE_ERROR, why));
    }
    Faults.Decision d = faults.decide(localId, c.remoteId);
    if (d.drop()) {
      metrics.dropped(Dropped.FAULT);
      log.debug("{} fault: dropped the answer to {} of {}", localId, id, c.remoteId);
      return;
    }
    if (d.delayNanos() > 0) {
      long ms = Math.max(1, TimeUnit.NANOSECONDS.toMillis(d.delayNanos()));
      vertx.setTimer(ms, t -> guarded(() -> writeAnswer(c, channelCode, frame, d.duplicate())));
    } else {
      writeAnswer(c, channelCode, frame, d.duplicate());
    }
  }

  private void writeAnswer(InboundConnection c, int channelCode, Buffer frame, boolean twice) {
    if (closed || c.closed) {
      return;
    }
    if (c.socket.writeQueueFull()) {
      metrics.dropped(Dropped.QUEUE_FULL);
      log.debug("{} dropped an answer to {}: its socket is full", localId, c.remoteId);
      return;
    }
    Channel channel = Channel.fromCode(channelCode);
    c.socket.write(frame);
    if (twice) {
      c.socket.write(frame.copy());
    }
    if (channel != null) {
      metrics.out(channel, frame.length());
      if (twice) {
        metrics.out(channel, frame.length());
      }
    }
  }

  private void inboundClosed(InboundConnection c) {
    c.closed = true;
    inbound.remove(c);
    if (c.helloTimer >= 0) {
      vertx.cancelTimer(c.helloTimer);
    }
    if (c.counted) {
      c.counted = false;
      metrics.connectionsIn.decrementAndGet();
      log.debug("{} connection from {} closed", localId, c.remoteId);
    }
  }

  /** Closes a connection that broke the protocol; false, so that its reader stops. */
  private boolean protocolError(NetSocket socket, String where, Rejected reason, String detail) {
    log.warn("{} closes the connection {}: {} ({})", localId, where, detail,
        reason.name().toLowerCase(java.util.Locale.ROOT));
    metrics.rejected(reason);
    socket.close();
    return false;
  }

  // ---------------------------------------------------------------- state

  private enum PeerState {
    IDLE,
    CONNECTING,
    CONNECTED
  }

  private enum Admission {
    QUEUED,
    WAITING,
    REFUSED
  }

  /** One remote address. The byte counts are shared with callers' threads; the rest is loop-only. */
  private final class Peer {
    final Address address;
    private final int limit;
    private final Object lock = new Object();
    private long queuedBytes; // guarded by lock
    private long waitingBytes; // guarded by lock
    private int waitingCount; // guarded by lock

    PeerState state = PeerState.IDLE;
    NetSocket socket;
    NodeId remoteId;
    long attempt;
    int failures;
    long retryAtNanos;
    long handshakeTimer = -1;
    boolean downReported;
    boolean everConnected;
    boolean counted;
    boolean promoting;
    final ArrayDeque<OutFrame> connecting = new ArrayDeque<>();
    final ArrayDeque<OutFrame> waiters = new ArrayDeque<>();
    final Map<Long, PendingRequest> inflight = new HashMap<>();

    Peer(Address address, int limit) {
      this.address = address;
      this.limit = limit;
    }

    /** Room for {@code n} more bytes; an empty queue takes any one frame. */
    boolean reserve(int n) {
      synchronized (lock) {
        if (queuedBytes == 0 || queuedBytes + n <= limit) {
          queuedBytes += n;
          return true;
        }
        return false;
      }
    }

    Admission admitRequest(int n) {
      synchronized (lock) {
        if (waitingCount == 0 && (queuedBytes == 0 || queuedBytes + n <= limit)) {
          queuedBytes += n;
          return Admission.QUEUED;
        }
        if (waitingCount < MAX_WAITING_REQUESTS && (waitingBytes == 0 || waitingBytes + n <= limit)) {
          waitingCount++;
          waitingBytes += n;
          return Admission.WAITING;
        }
        return Admission.REFUSED;
      }
    }

    boolean promote(int n) {
      synchronized (lock) {
        if (queuedBytes == 0 || queuedBytes + n <= limit) {
          queuedBytes += n;
          waitingBytes -= n;
          waitingCount--;
          return true;
        }
        return false;
      }
    }

    void release(int n) {
      synchronized (lock) {
        queuedBytes -= n;
      }
    }

    void unwait(int n) {
      synchronized (lock) {
        waitingBytes -= n;
        waitingCount--;
      }
    }

    long queuedBytes() {
      synchronized (lock) {
        return queuedBytes;
      }
    }

    long waitingBytes() {
      synchronized (lock) {
        return waitingBytes;
      }
    }

    void cancelHandshakeTimer() {
      if (handshakeTimer >= 0) {
        vertx.cancelTimer(handshakeTimer);
        handshakeTimer = -1;
      }
    }
  }

  /** A frame on its way out; its bytes are reserved in its peer's queue until written or dropped. */
  private static final class OutFrame {
    final Buffer bytes;
    final Channel channel;
    final PendingRequest request;
    boolean faulted;

    OutFrame(Buffer bytes, Channel channel, PendingRequest request) {
      this.bytes = bytes;
      this.channel = channel;
      this.request = request;
    }

    int size() {
      return bytes.length();
    }
  }

  private static final class PendingRequest {
    final long id;
    final Peer peer;
    final Channel channel;
    final Duration timeout;
    final long deadlineNanos;
    final Promise<Buffer> promise = Promise.promise();
    OutFrame frame;
    long timerId = -1;
    boolean waiting;

    PendingRequest(long id, Peer peer, Channel channel, Duration timeout, long deadlineNanos) {
      this.id = id;
      this.peer = peer;
      this.channel = channel;
      this.timeout = timeout;
      this.deadlineNanos = deadlineNanos;
    }

    boolean isDone() {
      return promise.future().isComplete();
    }
  }

  private static final class InboundConnection {
    final NetSocket socket;
    NodeId remoteId;
    Address remoteAddress;
    long helloTimer = -1;
    boolean counted;
    boolean closed;

    InboundConnection(NetSocket socket) {
      this.socket = socket;
    }

    String describe() {
      return remoteId != null ? remoteId + " at " + remoteAddress : String.valueOf(socket.remoteAddress());
    }
  }
}
