package io.cairn.cache.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.cache.partition.PartitionPlanner.Node;
import io.cairn.membership.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PartitionPlannerTest {
  private static List<Node> nodes(String... ids) {
    List<Node> out = new ArrayList<>();
    for (String id : ids) {
      out.add(Node.of(id));
    }
    return out;
  }

  private static PartitionTable plan(Optional<PartitionTable> previous, List<Node> members, int partitions, int backups) {
    PartitionTable t = PartitionPlanner.plan(previous, members, partitions, backups);
    List<Node> sorted = new ArrayList<>(members);
    sorted.sort((a, b) -> a.id().compareTo(b.id()));
    TableChecks.valid(t, sorted, partitions, backups);
    TableChecks.ownersBalanced(t, sorted);
    TableChecks.zonesSpread(t, sorted);
    return t;
  }

  @Test
  void aFirstTableIsBalancedAtEpochOne() {
    List<Node> three = nodes("a", "b", "c");
    PartitionTable t = plan(Optional.empty(), three, 271, 1);
    assertThat(t.epoch()).isEqualTo(1);
    assertThat(TableChecks.counts(t, three, true)).containsExactly(91, 90, 90);
    assertThat(TableChecks.counts(t, three, false)).containsExactlyInAnyOrder(181, 181, 180);
  }

  @Test
  void nothingChangedGivesBackThePreviousTable() {
    PartitionTable t = plan(Optional.empty(), nodes("a", "b", "c"), 271, 2);
    assertThat(PartitionPlanner.plan(Optional.of(t), nodes("c", "a", "b"), 271, 2)).isSameAs(t);
  }

  @Test
  void aLeaverIsReplacedByItsBackupsAndNothingElseMoves() {
    List<Node> four = nodes("a", "b", "c", "d");
    PartitionTable before = plan(Optional.empty(), four, 271, 1);
    PartitionTable after = plan(Optional.of(before), nodes("a", "b", "d"), 271, 1);
    assertThat(after.epoch()).isEqualTo(2);
    NodeId c = NodeId.of("c");
    for (int p = 0; p < 271; p++) {
      if (before.owner(p).equals(c)) {
        assertThat(after.owner(p)).as("partition %d", p).isEqualTo(before.backups(p).get(0));
      } else {
        assertThat(after.owner(p)).as("partition %d", p).isEqualTo(before.owner(p));
      }
    }
    assertThat(TableChecks.replicasBalanced(after, nodes("a", "b", "d"))).isTrue();
  }

  @Test
  void aJoinerTakesItsShareAndOnlyItsShareMoves() {
    PartitionTable before = plan(Optional.empty(), nodes("a", "b", "c"), 271, 1);
    PartitionTable after = plan(Optional.of(before), nodes("a", "b", "c", "d"), 271, 1);
    int moved = 0;
    for (int p = 0; p < 271; p++) {
      if (!before.owner(p).equals(after.owner(p))) {
        moved++;
        assertThat(after.owner(p)).isEqualTo(NodeId.of("d"));
      }
    }
    assertThat(moved).isEqualTo(67); // floor(271/4): a keeps the 68th, it owned one more before
    assertThat(TableChecks.replicasBalanced(after, nodes("a", "b", "c", "d"))).isTrue();
  }

  /** From one node to two with one backup: the old owner backs up what it hands over, losing no copy. */
  @Test
  void aDemotedOwnerBacksUpThePartitionItGaveAway() {
    PartitionTable alone = plan(Optional.empty(), nodes("a"), 271, 1);
    assertThat(alone.backupCount()).isZero();
    PartitionTable two = plan(Optional.of(alone), nodes("a", "b"), 271, 1);
    for (int p = 0; p < 271; p++) {
      assertThat(two.replicas(p)).contains(NodeId.of("a"));
    }
  }

  @Test
  void replicasSpanZonesEvenWhenThatCostsBalance() {
    List<Node> even = List.of(Node.of("a", "z1"), Node.of("b", "z1"), Node.of("c", "z1"),
        Node.of("d", "z2"), Node.of("e", "z2"), Node.of("f", "z2"));
    PartitionTable t = plan(Optional.empty(), even, 271, 1);
    assertThat(TableChecks.replicasBalanced(t, even)).isTrue();

    // One member alone in z1 must hold a replica of every partition: zones before balance.
    List<Node> lopsided = List.of(Node.of("a", "z1"), Node.of("b", "z2"), Node.of("c", "z2"),
        Node.of("d", "z2"), Node.of("e", "z2"), Node.of("f", "z2"));
    PartitionTable l = plan(Optional.empty(), lopsided, 271, 1);
    assertThat(TableChecks.counts(l, lopsided, false)[0]).isEqualTo(271);
    assertThat(TableChecks.counts(l, lopsided, true)[0]).isBetween(45, 46);

    // Three replicas over two zones: both zones in every partition.
    plan(Optional.empty(), even, 271, 2);
  }

  @Test
  void membersWithoutAZoneShareOneUnnamedZone() {
    List<Node> mixed = List.of(Node.of("a"), Node.of("b"), Node.of("c", "z1"));
    PartitionTable t = plan(Optional.empty(), mixed, 64, 1);
    for (int p = 0; p < 64; p++) {
      assertThat(t.replicas(p)).contains(NodeId.of("c"));
    }
  }

  @Test
  void fewerPartitionsThanMembers() {
    List<Node> twelve = new ArrayList<>();
    for (int i = 10; i < 22; i++) {
      twelve.add(Node.of("n" + i));
    }
    PartitionTable t = plan(Optional.empty(), twelve, 7, 3);
    assertThat(TableChecks.counts(t, twelve, true)).containsOnly(0, 1);
    assertThat(TableChecks.counts(t, twelve, false)).containsOnly(2, 3);
    PartitionTable one = plan(Optional.of(t), twelve, 7, 3);
    assertThat(one).isSameAs(t);
    assertThat(plan(Optional.empty(), twelve, 1, 0).nodes()).hasSize(1);
  }

  @Test
  void backupsAreCappedByTheMembers() {
    PartitionTable t = plan(Optional.empty(), nodes("a", "b"), 271, 3);
    assertThat(t.backupCount()).isEqualTo(1);
    PartitionTable more = plan(Optional.of(t), nodes("a", "b", "c", "d", "e"), 271, 3);
    assertThat(more.backupCount()).isEqualTo(3);
  }

  @Test
  void refusesWhatCannotBePlanned() {
    PartitionTable t = plan(Optional.empty(), nodes("a"), 271, 0);
    assertThatThrownBy(() -> PartitionPlanner.plan(Optional.of(t), nodes("a"), 272, 0))
        .hasMessageContaining("cannot change");
    assertThatThrownBy(() -> PartitionPlanner.plan(Optional.empty(), nodes("a", "a"), 271, 0))
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> PartitionPlanner.plan(Optional.empty(), List.of(), 271, 0))
        .hasMessageContaining("at least one member");
    assertThatThrownBy(() -> PartitionPlanner.plan(Optional.empty(), nodes("a"), 271, 4))
        .hasMessageContaining("backups");
    assertThatThrownBy(() -> PartitionPlanner.plan(Optional.empty(), nodes("a"), 0, 0))
        .hasMessageContaining("partition count");
  }

  @Test
  void planningFromHoldersKeepsWhatTheyHoldAndTheEpochWhenNothingMoves() {
    PartitionTable t = plan(Optional.empty(), nodes("a", "b", "c"), 271, 1);
    List<List<NodeId>> holders = new ArrayList<>();
    for (int p = 0; p < 271; p++) {
      holders.add(t.replicas(p));
    }
    PartitionTable same = PartitionPlanner.plan(7, holders, nodes("a", "b", "c"), 1);
    assertThat(same.epoch()).isEqualTo(7);
    assertThat(same.sameAssignments(t)).isTrue();
    // in the middle of a migration: partition 0 has a third holder; a fourth member joined
    List<NodeId> three = new ArrayList<>(t.replicas(0));
    NodeId extra = List.of(NodeId.of("a"), NodeId.of("b"), NodeId.of("c")).stream()
        .filter(n -> !three.contains(n)).findFirst().orElseThrow();
    three.add(extra);
    holders.set(0, three);
    holders.set(1, List.of());
    PartitionTable next = PartitionPlanner.plan(7, holders, nodes("a", "b", "c", "d"), 1);
    assertThat(next.epoch()).isEqualTo(8);
    TableChecks.valid(next, nodes("a", "b", "c", "d"), 271, 1);
    TableChecks.ownersBalanced(next, nodes("a", "b", "c", "d"));
  }
}
