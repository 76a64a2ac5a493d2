package io.cairn.membership.transport;

import io.cairn.membership.Address;
import java.time.Duration;
import java.util.Objects;

/** Why a {@link Transport#request} failed. The transport's one failure type. */
public final class TransportException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Codes travel in ERROR frames by ordinal: append, never reorder. */
  public enum Reason {
    /**
     * Never sent: no connection to the peer (refused, handshake failed, or in reconnect backoff).
     * Safe to retry elsewhere.
     */
    UNREACHABLE,
    /** Sent, but no answer within the timeout (the peer may still have acted on it). */
    TIMEOUT,
    /**
     * Never sent: the peer's send queue stayed full for the whole timeout, or too many requests
     * were already waiting for room. Safe to retry elsewhere.
     */
    OVERLOADED,
    /** The peer answered with an error: no handler, or the handler failed. */
    REMOTE_ERROR,
    /** This transport was closed before an answer came. */
    CLOSED,
    /** Sent, but the connection was lost before the answer came (the peer may have acted on it). */
    LOST
  }

  private final Reason reason;

  public TransportException(Reason reason, String message) {
    super(message, null, false, false); // an expected outcome: no stack trace to fill
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public Reason reason() {
    return reason;
  }

  static TransportException lost(Address to) {
    return new TransportException(Reason.LOST, "the connection to " + to + " was lost before the answer came");
  }

  static TransportException unreachable(Address to, String why) {
    return new TransportException(Reason.UNREACHABLE, to + " is unreachable: " + why);
  }

  static TransportException timeout(Address to, Channel channel, Duration timeout) {
    return new TransportException(
        Reason.TIMEOUT,
        "no answer from " + to + " on " + channel.tag() + " within " + timeout.toMillis() + " ms");
  }

  static TransportException overloaded(Address to, String why) {
    return new TransportException(Reason.OVERLOADED, "the send queue to " + to + " " + why);
  }

  static TransportException closed() {
    return new TransportException(Reason.CLOSED, "the transport is closed");
  }

  @Override
  public String toString() {
    return "TransportException(" + reason + "): " + getMessage();
  }
}
