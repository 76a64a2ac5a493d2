package io.cairn.membership.transport;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The transport's meters:
 *
 * <ul>
 *   <li>{@code cairn.transport.messages}, {@code cairn.transport.bytes}: counters tagged {@code
 *       direction} (in, out) and {@code channel} (membership, raft, replication); bytes are whole
 *       frames.
 *   <li>{@code cairn.transport.dropped}: messages lost on purpose, tagged {@code reason}.
 *   <li>{@code cairn.transport.rejected}: connections closed for breaking the protocol, tagged
 *       {@code reason} (version, oversize, malformed).
 *   <li>{@code cairn.transport.connections}: open, handshaken connections, tagged {@code
 *       direction} (out: this node dialled; in: a peer dialled).
 * </ul>
 */
final class TransportMetrics {
  enum Dropped {
    /** The peer's send queue was full (one-way), or a response found the socket full. */
    QUEUE_FULL("queue-full"),
    /** No connection: refused, lost, or in reconnect backoff. */
    UNREACHABLE("unreachable"),
    /** Dropped by injected {@link Faults}. */
    FAULT("fault"),
    /** A frame that broke the protocol (the connection is closed too). */
    MALFORMED("malformed"),
    /** A channel code this node does not know. */
    UNKNOWN_CHANNEL("unknown-channel"),
    /** A known channel without a handler on this node. */
    NO_HANDLER("no-handler"),
    /** Sent after close. */
    CLOSED("closed");

    final String tag;

    Dropped(String tag) {
      this.tag = tag;
    }
  }

  enum Rejected {
    VERSION,
    OVERSIZE,
    MALFORMED
  }

  private final Map<Channel, Counter> messagesIn = new EnumMap<>(Channel.class);
  private final Map<Channel, Counter> messagesOut = new EnumMap<>(Channel.class);
  private final Map<Channel, Counter> bytesIn = new EnumMap<>(Channel.class);
  private final Map<Channel, Counter> bytesOut = new EnumMap<>(Channel.class);
  private final Map<Dropped, Counter> dropped = new EnumMap<>(Dropped.class);
  private final Map<Rejected, Counter> rejected = new EnumMap<>(Rejected.class);
  final AtomicInteger connectionsIn = new AtomicInteger();
  final AtomicInteger connectionsOut = new AtomicInteger();

  TransportMetrics(MeterRegistry registry) {
    for (Channel c : Channel.values()) {
      messagesIn.put(c, counter(registry, "cairn.transport.messages", "in", c));
      messagesOut.put(c, counter(registry, "cairn.transport.messages", "out", c));
      bytesIn.put(c, counter(registry, "cairn.transport.bytes", "in", c));
      bytesOut.put(c, counter(registry, "cairn.transport.bytes", "out", c));
    }
    for (Dropped d : Dropped.values()) {
      dropped.put(d, Counter.builder("cairn.transport.dropped")
          .description("Messages dropped by the transport")
          .tag("reason", d.tag)
          .register(registry));
    }
    for (Rejected r : Rejected.values()) {
      rejected.put(r, Counter.builder("cairn.transport.rejected")
          .description("Connections closed for breaking the transport protocol")
          .tag("reason", r.name().toLowerCase(java.util.Locale.ROOT))
          .register(registry));
    }
    Gauge.builder("cairn.transport.connections", connectionsIn, AtomicInteger::get)
        .description("Open cluster transport connections")
        .tag("direction", "in")
        .register(registry);
    Gauge.builder("cairn.transport.connections", connectionsOut, AtomicInteger::get)
        .description("Open cluster transport connections")
        .tag("direction", "out")
        .register(registry);
  }

  private static Counter counter(MeterRegistry registry, String name, String direction, Channel c) {
    return Counter.builder(name)
        .tag("direction", direction)
        .tag("channel", c.tag())
        .register(registry);
  }

  void in(Channel channel, int frameBytes) {
    messagesIn.get(channel).increment();
    bytesIn.get(channel).increment(frameBytes);
  }

  void out(Channel channel, int frameBytes) {
    messagesOut.get(channel).increment();
    bytesOut.get(channel).increment(frameBytes);
  }

  void dropped(Dropped reason) {
    dropped.get(reason).increment();
  }

  void rejected(Rejected reason) {
    rejected.get(reason).increment();
    dropped.get(Dropped.MALFORMED).increment();
  }
}
