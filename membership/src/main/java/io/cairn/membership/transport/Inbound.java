package io.cairn.membership.transport;

import io.cairn.membership.Address;
import io.cairn.membership.NodeId;
import io.vertx.core.buffer.Buffer;

/**
 * A message from a peer.
 *
 * @param from the peer's node id, as it said in its handshake
 * @param fromAddress the peer's advertised address, where it can be reached
 */
public record Inbound(NodeId from, Address fromAddress, Channel channel, Buffer payload) {}
