package io.cairn.membership;

/**
 * A member's status as this node sees it. For one incarnation the order is ALIVE < SUSPECT <
 * DEAD; LEFT is a DEAD that the member announced itself, and is never counted as a failure.
 */
public enum MemberStatus {
  ALIVE,
  SUSPECT,
  DEAD,
  LEFT;

  /** True for DEAD and LEFT: the member takes no part until it rejoins with a new incarnation. */
  public boolean isGone() {
    return this == DEAD || this == LEFT;
  }
}
