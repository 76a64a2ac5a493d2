package io.cairn.membership.transport;

import io.cairn.membership.Address;
import io.cairn.membership.NodeId;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.function.Function;

/**
 * Moves bytes between nodes, for membership, Raft and cache replication alike: one-way messages
 * and request/response, per {@link Channel}, over one connection to each peer address.
 *
 * <p>{@link #send} and {@link #request} may be called from any thread. Handlers registered with
 * {@link #onMessage} and {@link #onRequest} run on the Vert.x context that called {@link #start}
 * (register them before start). Delivery is best effort: at most once without faults, in order per
 * peer and channel unless faults delay messages.
 */
public interface Transport {

  /** Binds the listening socket. */
  Future<Void> start();

  /** The address peers use to reach this node (the advertised one); valid after start. */
  Address localAddress();

  NodeId localId();

  /**
   * Sends one message and forgets it. Dropped, and counted in {@code cairn.transport.dropped},
   * when the peer's send queue is full, the peer is in reconnect backoff or cannot be reached,
   * or faults drop it.
   *
   * @throws IllegalArgumentException when the payload is larger than a frame can hold
   */
  void send(Address to, Channel channel, Buffer payload);

  /**
   * Sends a request and waits for the answer of the peer's {@link #onRequest} handler. Fails with
   * a {@link TransportException}: UNREACHABLE or OVERLOADED (never sent), TIMEOUT, LOST or CLOSED
   * (maybe received and acted on), REMOTE_ERROR (the peer's handler failed); or with
   * an {@link IllegalArgumentException} for a payload larger than a frame or a timeout that is
   * not positive. Never throws.
   */
  Future<Buffer> request(Address to, Channel channel, Buffer payload, Duration timeout);

  /** Sets the handler of one-way messages on a channel; without one they are dropped. */
  void onMessage(Channel channel, Handler<Inbound> handler);

  /** Sets the handler of requests on a channel; without one requests get REMOTE_ERROR. */
  void onRequest(Channel channel, Function<Inbound, Future<Buffer>> handler);

  /** Closes the server and every connection; pending requests fail with CLOSED. */
  Future<Void> close();
}
