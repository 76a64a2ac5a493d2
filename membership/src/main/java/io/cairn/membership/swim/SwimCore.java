package io.cairn.membership.swim;

import io.cairn.membership.Address;
import io.cairn.membership.Member;
import io.cairn.membership.MemberMetadata;
import io.cairn.membership.NodeId;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * SWIM-style membership as a pure state machine. Not thread-safe: the shell confines it to one
 * context. Time comes in as monotonic nanoseconds with every input; randomness from the generator
 * it is given; messages leave through {@link #drainEffects()}.
 */
public final class SwimCore {
  public SwimCore(
      SwimSettings settings,
      NodeId id,
      MemberMetadata metadata,
      boolean seeded,
      RandomGenerator random,
      long nowNanos) {
    throw new UnsupportedOperationException("being written");
  }

  /**
   * The seeds as last resolved: {@code others} are seed addresses that are not this node;
   * {@code selfIsSeed} says whether this node's own address was among them. A seeded node that
   * is its only seed forms a group of one.
   */
  public void seeds(long nowNanos, List<Address> others, boolean selfIsSeed) {}

  public void tick(long nowNanos) {}

  public void receive(long nowNanos, SwimMessage message) {}

  /** A local intent: leave the group. The LEFT update goes to every live member at once. */
  public void leave(long nowNanos) {}

  public SwimEffects drainEffects() {
    return SwimEffects.NONE;
  }

  public Member local() {
    return null;
  }

  /** Every known member, this node included, sorted by id. */
  public List<Member> members() {
    return List.of();
  }

  public Optional<Member> member(NodeId id) {
    return Optional.empty();
  }

  /** The phi of a monitored peer at {@code nowNanos}; empty when it is not monitored. */
  public OptionalDouble phi(NodeId id, long nowNanos) {
    return OptionalDouble.empty();
  }

  /** The peers this node monitors now. */
  public Set<NodeId> monitored() {
    return Set.of();
  }

  public boolean joined() {
    return false;
  }

  /** Lifeguard's local health: 0 when healthy, up to awarenessMax. */
  public int awareness() {
    return 0;
  }
}
