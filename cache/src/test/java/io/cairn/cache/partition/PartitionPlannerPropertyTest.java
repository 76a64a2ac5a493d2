package io.cairn.cache.partition;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cache.partition.PartitionPlanner.Node;
import io.cairn.membership.NodeId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The planner's guarantees over random clusters: 1 to 12 members in 0 to 4 zones, random joins and
 * leaves (one at a time, several at once, and none), 0 to 3 backups, and partition counts from 1
 * to 271 (many smaller than the member count). Every step is checked against every rule.
 *
 * <p>{@code -Dcairn.planner.trials=N} sets the number of clusters (default 100: a few seconds);
 * {@code -Dcairn.planner.seed=S} the first seed (each trial uses seed S + trial, and a failure names
 * it, so {@code -Dcairn.planner.trials=1 -Dcairn.planner.seed=<that seed>} replays it).
 */
class PartitionPlannerPropertyTest {
  private static final int TRIALS = Integer.getInteger("cairn.planner.trials", 100);
  private static final long SEED = Long.getLong("cairn.planner.seed", 20261125L);
  private static final int[] COUNTS = {1, 2, 3, 7, 11, 64, 271, 271, 271};

  private final Stats stats = new Stats();

  @Test
  void everyStepKeepsEveryRule() {
    for (int trial = 0; trial < TRIALS; trial++) {
      long seed = SEED + trial;
      try {
        runCluster(new SplittableRandom(seed));
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
      }
    }
    System.out.println("PartitionPlannerPropertyTest: " + TRIALS + " trials from seed " + SEED + ": " + stats);
    assertThat(stats.steps).isGreaterThan(TRIALS);
  }

  private void runCluster(SplittableRandom random) {
    int partitions = random.nextInt(4) == 0 ? 1 + random.nextInt(300) : COUNTS[random.nextInt(COUNTS.length)];
    int backups = random.nextInt(PartitionTable.MAX_BACKUPS + 1);
    int zones = random.nextInt(5);
    List<Node> members = new ArrayList<>();
    Set<String> used = new HashSet<>();
    for (int i = 1 + random.nextInt(12); i > 0; i--) {
      members.add(newMember(random, zones, used));
    }
    PartitionTable table = step(random, Optional.empty(), members, partitions, backups, Change.FIRST);
    for (int steps = random.nextInt(10); steps > 0; steps--) {
      List<Node> next = new ArrayList<>(members);
      Change change;
      int roll = random.nextInt(10);
      if (roll < 4 && next.size() < 12) {
        next.add(newMember(random, zones, used));
        change = Change.JOIN;
      } else if (roll < 8 && next.size() > 1) {
        next.remove(random.nextInt(next.size()));
        change = Change.LEAVE;
      } else if (roll < 9) {
        for (int k = random.nextInt(3); k >= 0 && next.size() > 1; k--) {
          next.remove(random.nextInt(next.size()));
        }
        for (int k = random.nextInt(3); k >= 0 && next.size() < 12; k--) {
          next.add(newMember(random, zones, used));
        }
        change = Change.SEVERAL;
      } else {
        change = Change.NONE;
      }
      table = step(random, Optional.of(table), next, partitions, backups, change);
      members = next;
    }
  }

  private enum Change { FIRST, JOIN, LEAVE, SEVERAL, NONE }

  private PartitionTable step(SplittableRandom random, Optional<PartitionTable> previous, List<Node> members,
      int partitions, int backups, Change change) {
    List<Node> sorted = new ArrayList<>(members);
    sorted.sort((a, b) -> a.id().compareTo(b.id()));
    PartitionTable t = PartitionPlanner.plan(previous, members, partitions, backups);
    stats.steps++;

    TableChecks.valid(t, sorted, partitions, backups);
    TableChecks.ownersBalanced(t, sorted);
    TableChecks.zonesSpread(t, sorted);
    boolean balanced = TableChecks.replicasBalanced(t, sorted);
    if (TableChecks.zoneCount(sorted) < 2 || equalZones(sorted)) {
      assertThat(balanced).as("replicas balanced without zones or with equal zones: %s", t).isTrue();
    }
    if (TableChecks.zoneCount(sorted) >= 2) {
      stats.zoned++;
      stats.zonedBalanced += balanced ? 1 : 0;
      stats.equalZones += equalZones(sorted) ? 1 : 0;
    }

    // Epochs: +1 on any change, unchanged (and the same object) otherwise.
    if (previous.isEmpty()) {
      assertThat(t.epoch()).isEqualTo(1);
    } else if (previous.get().sameAssignments(t)) {
      assertThat(t).isSameAs(previous.get());
    } else {
      assertThat(t.epoch()).isEqualTo(previous.get().epoch() + 1);
    }
    if (change == Change.NONE) {
      assertThat(t).as("nothing changed").isSameAs(previous.get());
    }

    // Determinism: the members in another order give the same table, byte for byte.
    List<Node> shuffled = new ArrayList<>(members);
    Collections.shuffle(shuffled, new Random(random.nextLong()));
    PartitionTable again = PartitionPlanner.plan(previous, shuffled, partitions, backups);
    assertThat(again).isEqualTo(t);
    assertThat(again.encode()).isEqualTo(t.encode());

    // A fixed point: planning again from the new table for the same members changes nothing.
    PartitionTable settled = PartitionPlanner.plan(Optional.of(t), shuffled, partitions, backups);
    if (settled != t) {
      stats.notSettled++;
      assertThat(TableChecks.zoneCount(sorted)).as("only zone-unbalanced tables may be replanned").isGreaterThan(1);
      assertThat(balanced).isFalse();
    }

    // Encoding: round trip, and corruption is refused or yields another valid table.
    byte[] bytes = t.encode();
    assertThat(PartitionTable.decode(bytes)).isEqualTo(t);
    for (int i = 0; i < 4; i++) {
      byte[] bad = bytes.clone();
      bad[random.nextInt(bad.length)] ^= (byte) (1 + random.nextInt(255));
      if (TableChecks.decodesOnlyIfValid(bad)) {
        stats.corruptAccepted++;
      } else {
        stats.corruptRefused++;
      }
    }

    previous.ifPresent(before -> movement(before, t, members, change));
    return t;
  }

  /** Rule 5 for one join and one leave. */
  private void movement(PartitionTable before, PartitionTable after, List<Node> members, Change change) {
    int p = after.partitionCount();
    Set<Integer> moved = new HashSet<>();
    for (int i = 0; i < p; i++) {
      if (!before.owner(i).equals(after.owner(i))) {
        moved.add(i);
      }
    }
    Set<NodeId> now = new HashSet<>();
    members.forEach(m -> now.add(m.id()));
    if (change == Change.LEAVE) {
      Set<Integer> orphaned = new HashSet<>();
      for (int i = 0; i < p; i++) {
        if (!now.contains(before.owner(i))) {
          orphaned.add(i);
          List<NodeId> survivors = new ArrayList<>(before.backups(i));
          survivors.retainAll(now);
          if (!survivors.isEmpty()) {
            stats.orphansWithBackup++;
            if (survivors.contains(after.owner(i))) {
              stats.promoted++;
            }
          }
        }
      }
      assertThat(moved).as("a leave moves exactly the leaver's partitions").isEqualTo(orphaned);
      stats.leaves++;
    } else if (change == Change.JOIN) {
      NodeId joiner = members.get(members.size() - 1).id();
      int n = members.size();
      for (int i : moved) {
        assertThat(after.owner(i)).as("only the joiner takes partitions").isEqualTo(joiner);
      }
      assertThat(moved.size()).as("moves on a join").isLessThanOrEqualTo((p + n - 1) / n);
      stats.joins++;
      // Replicas placed on a member that did not hold them, beyond those the joiner must get.
      int placed = 0;
      for (int i = 0; i < p; i++) {
        for (NodeId id : after.replicas(i)) {
          if (!id.equals(joiner) && !before.replicas(i).contains(id)) {
            placed++;
          }
        }
      }
      if (after.backupCount() == before.backupCount()) {
        stats.extraPlacementsOnJoin += placed;
        stats.maxExtraPlacementsOnJoin = Math.max(stats.maxExtraPlacementsOnJoin, placed);
        if (TableChecks.zoneCount(members) < 2) {
          stats.extraPlacementsOnJoinNoZones += placed;
        }
      }
    }
  }

  private static boolean equalZones(List<Node> members) {
    java.util.Map<String, Integer> sizes = new java.util.HashMap<>();
    members.forEach(m -> sizes.merge(m.zone(), 1, Integer::sum));
    return new HashSet<>(sizes.values()).size() == 1;
  }

  private static Node newMember(SplittableRandom random, int zones, Set<String> used) {
    String id;
    do {
      id = "n" + Integer.toString(random.nextInt(1_000), 36);
    } while (!used.add(id));
    String zone = zones == 0 ? "" : "zone-" + random.nextInt(zones);
    return new Node(NodeId.of(id), zone);
  }

  private static final class Stats {
    long steps;
    long zoned;
    long zonedBalanced;
    long equalZones;
    long notSettled;
    long corruptAccepted;
    long corruptRefused;
    long leaves;
    long joins;
    long orphansWithBackup;
    long promoted;
    long extraPlacementsOnJoin;
    long extraPlacementsOnJoinNoZones;
    long maxExtraPlacementsOnJoin;

    @Override
    public String toString() {
      return steps + " tables (" + joins + " single joins, " + leaves + " single leaves); zoned " + zoned
          + " (with equal-size zones " + equalZones + "), replica-balanced " + zonedBalanced
          + "; not a fixed point " + notSettled + "; orphans with a surviving backup "
          + orphansWithBackup + ", promoted " + promoted + "; replicas placed on joins beyond the joiner's "
          + extraPlacementsOnJoin + " (without zones " + extraPlacementsOnJoinNoZones + ", max in one join "
          + maxExtraPlacementsOnJoin + "); corrupted encodings refused " + corruptRefused + ", accepted as valid "
          + corruptAccepted;
    }
  }
}
