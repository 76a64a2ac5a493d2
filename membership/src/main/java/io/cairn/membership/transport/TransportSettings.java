package io.cairn.membership.transport;

import io.cairn.membership.Address;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Settings of the node-to-node transport. Each is a trade-off; {@link #defaults()} listens on
 * 127.0.0.1:7071.
 *
 * @param host the interface to bind ({@code cluster.host}); 0.0.0.0 binds all, and then {@code
 *     cluster.advertise} should name an address the peers can reach.
 * @param port the port to bind ({@code cluster.port}); 0 picks a free one at start.
 * @param advertise the address peers are told to use ({@code cluster.advertise}); null: the bound
 *     host and actual port. A port of 0 here means "the actual port".
 * @param connectTimeout how long to wait for a TCP connection and the protocol handshake ({@code
 *     cluster.connect-timeout}). Lower: a dead peer is declared unreachable sooner; too low fails
 *     on a slow network.
 * @param maxFrameBytes the largest frame accepted or sent ({@code cluster.max-frame-bytes}). A
 *     peer that sends more is disconnected. Higher: bigger messages (Raft snapshots chunks, cache
 *     values), more memory a bad peer can make this node buffer.
 * @param sendQueueBytes bytes queued for one peer, not yet written to its socket ({@code
 *     cluster.send-queue-bytes}); past it one-way messages are dropped and requests wait. Higher:
 *     rides out longer stalls, more memory per slow peer.
 * @param reconnectBackoffMin the shortest wait before reconnecting to a peer that could not be
 *     reached ({@code cluster.reconnect-backoff-min}); it doubles after each failure.
 * @param reconnectBackoffMax the longest such wait ({@code cluster.reconnect-backoff-max}).
 *     Lower: a restarted peer is reached sooner; more connection attempts to a dead one.
 * @param idleTimeout a connection with no traffic either way for this long is closed ({@code
 *     cluster.idle-timeout}); zero keeps idle connections open.
 */
public record TransportSettings(
    String host,
    int port,
    Address advertise,
    Duration connectTimeout,
    int maxFrameBytes,
    int sendQueueBytes,
    Duration reconnectBackoffMin,
    Duration reconnectBackoffMax,
    Duration idleTimeout) {

  public static final int DEFAULT_PORT = 7071;
  public static final int DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
  public static final int DEFAULT_SEND_QUEUE_BYTES = 4 * 1024 * 1024;
  /** Frames smaller than this cannot hold a header; see {@link FrameCodec}. */
  static final int MIN_MAX_FRAME_BYTES = 1024;

  public TransportSettings {
    Objects.requireNonNull(host, "cluster.host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("cluster.host must not be empty");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("cluster.port must be 0 to 65535, not " + port);
    }
    positive(connectTimeout, "cluster.connect-timeout");
    if (maxFrameBytes < MIN_MAX_FRAME_BYTES) {
      throw new IllegalArgumentException(
          "cluster.max-frame-bytes must be at least " + MIN_MAX_FRAME_BYTES + ", not " + maxFrameBytes);
    }
    if (sendQueueBytes < 1) {
      throw new IllegalArgumentException(
          "cluster.send-queue-bytes must be positive, not " + sendQueueBytes);
    }
    positive(reconnectBackoffMin, "cluster.reconnect-backoff-min");
    positive(reconnectBackoffMax, "cluster.reconnect-backoff-max");
    if (reconnectBackoffMax.compareTo(reconnectBackoffMin) < 0) {
      throw new IllegalArgumentException(
          "cluster.reconnect-backoff-max ("
              + reconnectBackoffMax
              + ") must not be shorter than cluster.reconnect-backoff-min ("
              + reconnectBackoffMin
              + ")");
    }
    Objects.requireNonNull(idleTimeout, "cluster.idle-timeout");
    if (idleTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "cluster.idle-timeout must be zero (off) or positive, not " + idleTimeout);
    }
    if (advertise != null && isWildcard(advertise.host())) {
      throw new IllegalArgumentException(
          "cluster.advertise must be an address peers can reach, not " + advertise);
    }
  }

  /** 127.0.0.1:7071, 5 s connect timeout, 16 MiB frames, 4 MiB per peer, backoff 50 ms to 5 s. */
  public static TransportSettings defaults() {
    return new TransportSettings(
        "127.0.0.1",
        DEFAULT_PORT,
        null,
        Duration.ofSeconds(5),
        DEFAULT_MAX_FRAME_BYTES,
        DEFAULT_SEND_QUEUE_BYTES,
        Duration.ofMillis(50),
        Duration.ofSeconds(5),
        Duration.ZERO);
  }

  public TransportSettings withHost(String host) {
    return new TransportSettings(host, port, advertise, connectTimeout, maxFrameBytes,
        sendQueueBytes, reconnectBackoffMin, reconnectBackoffMax, idleTimeout);
  }

  public TransportSettings withPort(int port) {
    return new TransportSettings(host, port, advertise, connectTimeout, maxFrameBytes,
        sendQueueBytes, reconnectBackoffMin, reconnectBackoffMax, idleTimeout);
  }

  public TransportSettings withAdvertise(Address advertise) {
    return new TransportSettings(host, port, advertise, connectTimeout, maxFrameBytes,
        sendQueueBytes, reconnectBackoffMin, reconnectBackoffMax, idleTimeout);
  }

  public TransportSettings withConnectTimeout(Duration connectTimeout) {
    return new TransportSettings(host, port, advertise, connectTimeout, maxFrameBytes,
        sendQueueBytes, reconnectBackoffMin, reconnectBackoffMax, idleTimeout);
  }

  public TransportSettings withMaxFrameBytes(int maxFrameBytes) {
    return new TransportSettings(host, port, advertise, connectTimeout, maxFrameBytes,
        sendQueueBytes, reconnectBackoffMin, reconnectBackoffMax, idleTimeout);
  }

  public TransportSettings withSendQueueBytes(int sendQueueBytes) {
    return new TransportSettings(host, port, advertise, connectTimeout, maxFrameBytes,
        sendQueueBytes, reconnectBackoffMin, reconnectBackoffMax, idleTimeout);
  }

  public TransportSettings withReconnectBackoff(Duration min, Duration max) {
    return new TransportSettings(host, port, advertise, connectTimeout, maxFrameBytes,
        sendQueueBytes, min, max, idleTimeout);
  }

  public TransportSettings withIdleTimeout(Duration idleTimeout) {
    return new TransportSettings(host, port, advertise, connectTimeout, maxFrameBytes,
        sendQueueBytes, reconnectBackoffMin, reconnectBackoffMax, idleTimeout);
  }

  // The one place the socket options are built, for both ends of every connection.
  // TLS goes here when it comes: setSsl(true) plus key and trust options on both, with client
  // authentication required on the server, so that only cluster members can connect.

  NetServerOptions netServerOptions() {
    NetServerOptions o =
        new NetServerOptions().setHost(host).setPort(port).setTcpNoDelay(true).setReuseAddress(true);
    if (!idleTimeout.isZero()) {
      o.setIdleTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, idleTimeout.toMillis()))).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    }
    return o;
  }

  NetClientOptions netClientOptions() {
    NetClientOptions o =
        new NetClientOptions()
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
            .setTcpNoDelay(true)
            .setReconnectAttempts(0); // the transport reconnects itself, with backoff and jitter
    if (!idleTimeout.isZero()) {
      o.setIdleTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, idleTimeout.toMillis()))).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    }
    return o;
  }

  static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0");
  }

  private static void positive(Duration d, String key) {
    Objects.requireNonNull(d, key);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + " must be positive, not " + d);
    }
  }
}
