package io.cairn.membership.swim;

import io.cairn.membership.Member;
import io.cairn.membership.MemberMetadata;
import io.cairn.membership.MemberStatus;
import io.cairn.membership.NodeId;
import java.util.Objects;

/**
 * One piece of gossip about one member: its status at an incarnation. ALIVE updates carry the
 * member's metadata; the others may carry it (push-pull does) or not (null).
 *
 * @param from the node that raised a SUSPECT or DEAD; the member itself for ALIVE and LEFT
 */
public record Update(
    NodeId member, MemberStatus status, long incarnation, MemberMetadata metadata, NodeId from) {
  public Update {
    Objects.requireNonNull(member, "member");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(from, "from");
    if (incarnation < 0) {
      throw new IllegalArgumentException("an incarnation is never negative: " + incarnation);
    }
    if (status == MemberStatus.ALIVE && metadata == null) {
      throw new IllegalArgumentException("an ALIVE update carries metadata: " + member);
    }
  }

  public static Update of(Member m, NodeId from) {
    return new Update(m.id(), m.status(), m.incarnation(), m.metadata(), from);
  }
}
