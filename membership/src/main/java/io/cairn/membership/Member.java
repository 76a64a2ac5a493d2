package io.cairn.membership;

import java.util.Objects;

/**
 * A member as this node sees it: its id, status, incarnation and metadata. Immutable; a change
 * makes a new Member.
 *
 * @param incarnation raised only by the member itself, to refute a suspicion or to rejoin
 */
public record Member(NodeId id, MemberStatus status, long incarnation, MemberMetadata metadata) {
  public Member {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(metadata, "metadata");
    if (incarnation < 0) {
      throw new IllegalArgumentException("an incarnation is never negative: " + incarnation);
    }
  }

  public Address address() {
    return metadata.clusterAddress();
  }

  public Member with(MemberStatus newStatus, long newIncarnation) {
    return new Member(id, newStatus, newIncarnation, metadata);
  }
}
