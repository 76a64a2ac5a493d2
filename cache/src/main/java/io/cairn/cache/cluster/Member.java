package io.cairn.cache.cluster;

import io.cairn.membership.NodeId;
import java.util.Objects;

/**
 * A node that takes part in the caches: its id, the coordination session that is its ownership
 * lease (a new one each time the process starts), its zone ({@code ""} for none), and the log index
 * at which it joined with that session.
 */
public record Member(NodeId id, long session, String zone, long since) {
  public Member {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(zone, "zone");
  }
}
