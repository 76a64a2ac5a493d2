package io.cairn.cache.partition;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cache.partition.PartitionPlanner.Node;
import io.cairn.membership.NodeId;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The planner's guarantees (PartitionPlanner's Javadoc, rules 1-4) as checks on a table. */
final class TableChecks {
  private TableChecks() {}

  static int zoneCount(List<Node> members) {
    Set<String> zones = new HashSet<>();
    members.forEach(m -> zones.add(m.zone()));
    return zones.size();
  }

  static int replicasPerPartition(List<Node> members, int backups) {
    return Math.min(backups + 1, members.size());
  }

  /** Rule 1: every partition has an owner and r-1 backups, all distinct members. */
  static void valid(PartitionTable t, List<Node> members, int partitions, int backups) {
    Set<NodeId> ids = new HashSet<>();
    members.forEach(m -> ids.add(m.id()));
    int r = replicasPerPartition(members, backups);
    assertThat(t.partitionCount()).isEqualTo(partitions);
    assertThat(t.backupCount()).isEqualTo(r - 1);
    for (int p = 0; p < partitions; p++) {
      List<NodeId> rs = t.replicas(p);
      check(rs.size() == r && new HashSet<>(rs).size() == r && ids.containsAll(rs),
          "partition %d has replicas %s: want %d distinct members of %s", p, rs, r, ids);
    }
  }

  /** Rule 2: owned counts are floor(P/n) or ceil(P/n). */
  static void ownersBalanced(PartitionTable t, List<Node> members) {
    int[] c = counts(t, members, true);
    int p = t.partitionCount();
    int n = members.size();
    for (int i = 0; i < n; i++) {
      check(c[i] >= p / n && c[i] <= (p + n - 1) / n, "%s owns %d of %d partitions over %d nodes",
          members.get(i).id(), c[i], p, n);
    }
  }

  /** Rule 4: replica counts are floor(P·r/n) or ceil(P·r/n). */
  static boolean replicasBalanced(PartitionTable t, List<Node> members) {
    int[] c = counts(t, members, false);
    int total = t.partitionCount() * (t.backupCount() + 1);
    int n = members.size();
    return Arrays.stream(c).allMatch(x -> x >= total / n && x <= (total + n - 1) / n);
  }

  /** Rule 3: with two zones or more, each partition spans min(r, zones) zones. */
  static void zonesSpread(PartitionTable t, List<Node> members) {
    Map<NodeId, String> zone = new HashMap<>();
    members.forEach(m -> zone.put(m.id(), m.zone()));
    int zones = zoneCount(members);
    if (zones < 2) {
      return;
    }
    for (int p = 0; p < t.partitionCount(); p++) {
      Set<String> spanned = new HashSet<>();
      t.replicas(p).forEach(id -> spanned.add(zone.get(id)));
      check(spanned.size() == Math.min(t.backupCount() + 1, zones), "partition %d spans zones %s: %s",
          p, spanned, t.replicas(p));
    }
  }

  static void check(boolean condition, String format, Object... args) {
    if (!condition) {
      throw new AssertionError(String.format(format, args));
    }
  }

  /** Replica (or with {@code ownersOnly} owned-partition) counts per member, in list order. */
  static int[] counts(PartitionTable t, List<Node> members, boolean ownersOnly) {
    Map<NodeId, Integer> index = new HashMap<>();
    for (int i = 0; i < members.size(); i++) {
      index.put(members.get(i).id(), i);
    }
    int[] c = new int[members.size()];
    for (int p = 0; p < t.partitionCount(); p++) {
      List<NodeId> rs = ownersOnly ? List.of(t.owner(p)) : t.replicas(p);
      rs.forEach(id -> c[index.get(id)]++);
    }
    return c;
  }

  /**
   * Decodes {@code bytes}: false if they are refused; if they decode, the table must be valid on
   * its own terms (epoch, one replica count, distinct replicas) and must encode to the same bytes.
   */
  static boolean decodesOnlyIfValid(byte[] bytes) {
    PartitionTable t;
    try {
      t = PartitionTable.decode(bytes);
    } catch (IllegalArgumentException refused) {
      return false;
    }
    assertThat(t.epoch()).isPositive();
    assertThat(t.partitionCount()).isBetween(1, 65_535);
    assertThat(t.backupCount()).isBetween(0, PartitionTable.MAX_BACKUPS);
    for (int p = 0; p < t.partitionCount(); p++) {
      List<NodeId> rs = t.replicas(p);
      check(rs.size() == t.backupCount() + 1 && new HashSet<>(rs).size() == rs.size(),
          "decoded partition %d has replicas %s", p, rs);
    }
    assertThat(t.encode()).isEqualTo(bytes);
    return true;
  }
}
