package io.cairn.membership.swim;

import io.cairn.membership.Address;
import io.cairn.membership.NodeId;
import java.util.List;

/**
 * The messages of the membership protocol. Every message names its sender; most carry piggybacked
 * gossip. A {@code switch} over {@link #kind()} is checked for exhaustiveness.
 */
public sealed interface SwimMessage {
  enum Kind {
    PING,
    PING_REQ,
    ACK,
    NACK,
    GOSSIP,
    PUSH_PULL
  }

  Kind kind();

  NodeId from();

  /** The piggybacked updates (the full state for PUSH_PULL). */
  List<Update> updates();

  /** A direct probe of {@code target}; answered by an {@link Ack} with the same {@code seq}. */
  record Ping(long seq, NodeId from, Address fromAddress, NodeId target, List<Update> updates)
      implements SwimMessage {
    public Ping {
      updates = List.copyOf(updates);
    }

    @Override
    public Kind kind() {
      return Kind.PING;
    }
  }

  /**
   * Asks {@code from}'s peer to probe {@code target} for it; the peer answers {@link Ack} when
   * the target answers, {@link Nack} when it does not within its probe timeout.
   */
  record PingReq(
      long seq,
      NodeId from,
      Address fromAddress,
      NodeId target,
      Address targetAddress,
      List<Update> updates)
      implements SwimMessage {
    public PingReq {
      updates = List.copyOf(updates);
    }

    @Override
    public Kind kind() {
      return Kind.PING_REQ;
    }
  }

  /** The answer to a {@link Ping} or, relayed, to a {@link PingReq}. */
  record Ack(long seq, NodeId from, List<Update> updates) implements SwimMessage {
    public Ack {
      updates = List.copyOf(updates);
    }

    @Override
    public Kind kind() {
      return Kind.ACK;
    }
  }

  /**
   * An intermediary's "I could not reach the target either" (Lifeguard): it tells the requester
   * that its own link works, so a missing ack is the target's fault and not its own.
   */
  record Nack(long seq, NodeId from) implements SwimMessage {
    @Override
    public Kind kind() {
      return Kind.NACK;
    }

    @Override
    public List<Update> updates() {
      return List.of();
    }
  }

  /** Gossip alone, sent to a few random members each gossip interval. */
  record Gossip(NodeId from, List<Update> updates) implements SwimMessage {
    public Gossip {
      updates = List.copyOf(updates);
    }

    @Override
    public Kind kind() {
      return Kind.GOSSIP;
    }
  }

  /**
   * A full-state exchange (anti-entropy): the sender's whole member table. The receiver merges it
   * and, when {@code reply} is false, answers with its own table ({@code reply} true). A
   * {@code join} exchange is the one a joining node sends to its seeds.
   */
  record PushPull(
      NodeId from, Address fromAddress, boolean join, boolean reply, List<Update> updates)
      implements SwimMessage {
    public PushPull {
      updates = List.copyOf(updates);
    }

    @Override
    public Kind kind() {
      return Kind.PUSH_PULL;
    }
  }
}
