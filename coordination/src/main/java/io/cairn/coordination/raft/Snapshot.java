package io.cairn.coordination.raft;

import io.cairn.membership.NodeId;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The state machine's state after applying every entry up to {@code index} (whose term is {@code
 * term}), with the voter set in force at that index. It replaces the log up to {@code index}: a
 * node compacts its log behind one, and a leader sends one ({@link RaftMessage.InstallSnapshot}) to
 * a follower that needs entries the leader no longer has.
 *
 * @param data the state machine's own encoding of its state; opaque to Raft
 */
public record Snapshot(long index, long term, List<NodeId> voters, byte[] data) {
  public Snapshot {
    voters = List.copyOf(voters);
    Objects.requireNonNull(data, "data");
    if (index < 1 || term < 1) {
      throw new IllegalArgumentException("a snapshot covers at least entry 1: " + index + "@" + term);
    }
    if (voters.isEmpty() || voters.stream().distinct().count() != voters.size()) {
      throw new IllegalArgumentException("a snapshot's voters are distinct and not empty: " + voters);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Snapshot s && s.index == index && s.term == term && s.voters.equals(voters)
        && Arrays.equals(s.data, data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(index, term, voters, Arrays.hashCode(data));
  }

  @Override
  public String toString() {
    return "Snapshot[" + index + "@" + term + " voters=" + voters + " " + data.length + "B]";
  }
}
