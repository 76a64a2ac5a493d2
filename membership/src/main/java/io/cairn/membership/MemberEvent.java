package io.cairn.membership;

import java.util.Objects;

/**
 * A change in this node's view of the group.
 *
 * @param kind what happened
 * @param member the member after the change
 * @param previous its status before the change, null when it was not known before
 */
public record MemberEvent(Kind kind, Member member, MemberStatus previous) {
  public enum Kind {
    /** A member not known before, or known as DEAD or LEFT, is ALIVE. */
    JOINED,
    /** An ALIVE member announced new metadata under a higher incarnation. */
    UPDATED,
    /** A member is suspected of having failed. */
    SUSPECTED,
    /** A SUSPECT member refuted the suspicion. */
    REFUTED,
    /** A member was declared dead after nobody refuted its suspicion in time. */
    DIED,
    /** A member left gracefully. */
    LEFT,
    /** A DEAD or LEFT member was forgotten after the retention time. */
    REMOVED
  }

  public MemberEvent {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(member, "member");
  }
}
