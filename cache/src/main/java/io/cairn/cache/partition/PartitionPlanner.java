package io.cairn.cache.partition;

import io.cairn.membership.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Computes the next partition table from the previous one and the current members: a pure,
 * deterministic function (no clock, no randomness, no I/O), so every replica of the coordination
 * group that runs it on the same inputs gets the same table, byte for byte.
 *
 * <h2>What a table it returns guarantees</h2>
 *
 * With {@code n} members, {@code P} partitions, {@code r = min(backups + 1, n)} replicas per
 * partition and {@code z} distinct zones among the members (members without a zone, {@code ""},
 * together count as one unnamed zone):
 *
 * <ol>
 *   <li><b>Validity.</b> Every partition has an owner and {@code r - 1} backups, all distinct
 *       members.
 *   <li><b>Ownership balance, always.</b> Every member owns {@code floor(P/n)} or {@code
 *       ceil(P/n)} partitions.
 *   <li><b>Zones, always when {@code z >= 2}.</b> The replicas of every partition are in {@code
 *       min(r, z)} distinct zones: as many as the partition has replicas, or every zone when there
 *       are fewer zones than replicas. This is always possible (the owner's zone plus one member of
 *       each other zone), so "where possible" means exactly that. It is never traded for balance.
 *   <li><b>Replica balance.</b> Every member holds (owns or backs up) {@code floor(P·r/n)} or
 *       {@code ceil(P·r/n)} replicas when {@code z <= 1}, and when every zone has as many members
 *       as every other (tested, not proved, for those: up to 12 members and 4 zones). Otherwise
 *       rule 3 may forbid it: one member alone in its zone, beside five in another, must hold a
 *       replica of every partition when {@code r >= 2}. The planner then keeps rules 1-3 and moves
 *       backups from fuller to emptier members for as long as a move keeps the zone rule.
 *   <li><b>Minimal movement.</b> Every owner that is still a member and within its share keeps its
 *       partitions, where a share is {@code floor(P/n)} plus one for the {@code P mod n} members
 *       that own most already. So when one member leaves a balanced table, exactly the
 *       partitions it owned change owner; each goes to one of its surviving backups whenever the
 *       shares allow (a maximum matching of those partitions to backups below their share, the
 *       backup furthest below it first), else to the member furthest below its share. When one
 *       member joins a balanced table, exactly the partitions it is given ({@code floor(P/(n+1))}
 *       or {@code ceil(P/(n+1))}) change owner, taken from the members above their new share,
 *       preferring partitions whose backups could take over. Every backup is kept while its
 *       holder is a member other than the owner and the zone rule allows; a demoted owner takes a
 *       free backup slot of its old partition, since it has the data. New backups go first to the
 *       members that back up the owner's other partitions least (so that when an owner leaves,
 *       its partitions can be promoted onto many members), then to those holding fewest; then
 *       balancing moves the backups that hold no data yet before those that do.
 *   <li><b>Determinism.</b> The result depends on the set of members (not their order), the
 *       previous table, {@code P} and {@code backups}; every tie is broken by node id order.
 *   <li><b>Epochs.</b> The result has the previous epoch when nothing changed (it is then the
 *       previous table itself), the previous epoch plus one otherwise, and 1 without a previous
 *       table. Planning again from its own result for the same members changes nothing, so a
 *       membership event that changes no member costs no new epoch.
 * </ol>
 *
 * <p>Cost: O(P·r·n) for the placement, plus up to O(P·r) per balancing move (and O(n·P·r) for
 * a pair of members that zones keep from trading), with about {@code P·r/n} moves on a join. On
 * a loaded 2-core machine, 12 members with 3 backups took a few milliseconds per table at P =
 * 271, and 20 to 250 ms at P = 8,192; it grows about as P², so the largest counts (tens of
 * thousands) take seconds and would want a smarter search before anyone uses them.
 */
public final class PartitionPlanner {
  /** A member as the planner sees it: its id and its zone, {@code ""} when it has none. */
  public record Node(NodeId id, String zone) {
    public Node {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(zone, "zone");
    }

    public static Node of(String id) {
      return new Node(NodeId.of(id), "");
    }

    public static Node of(String id, String zone) {
      return new Node(NodeId.of(id), zone);
    }
  }

  private PartitionPlanner() {}

  /**
   * The table that should follow {@code previous} for these members.
   *
   * @param previous the table in force, if there is one
   * @param members the current members, in any order, at least one, ids distinct
   * @param partitionCount the cluster's partition count: the previous table's
   * @param backups how many backups a partition should have, 0 to {@value
   *     PartitionTable#MAX_BACKUPS}; fewer when there are not enough members
   * @throws IllegalArgumentException if there are no members, an id repeats, the counts are out of
   *     range, or the previous table has another partition count (changing it would re-hash every
   *     key: the count is fixed for the life of a cluster)
   */
  public static PartitionTable plan(
      Optional<PartitionTable> previous, Collection<Node> members, int partitionCount, int backups) {
    Partitioner.checkPartitionCount(partitionCount);
    if (backups < 0 || backups > PartitionTable.MAX_BACKUPS) {
      throw new IllegalArgumentException("backups is 0 to " + PartitionTable.MAX_BACKUPS + ", not " + backups);
    }
    if (members.isEmpty()) {
      throw new IllegalArgumentException("a partition table needs at least one member");
    }
    previous.ifPresent(t -> {
      if (t.partitionCount() != partitionCount) {
        throw new IllegalArgumentException("the previous table has " + t.partitionCount()
            + " partitions, not " + partitionCount + ": the partition count cannot change");
      }
    });
    List<List<NodeId>> before = previous.map(PartitionPlanner::replicasOf).orElse(null);
    PartitionTable planned = new Placement(before, members, partitionCount, backups).place();
    if (previous.isPresent() && previous.get().sameAssignments(planned)) {
      return previous.get();
    }
    return planned.withEpoch(previous.map(t -> t.epoch() + 1).orElse(1L));
  }

  /**
   * The table that should follow partitions held as {@code holders} now (for each partition its
   * replicas, owner first, in any number: a cluster in the middle of migrations, or short of
   * members after failures), with {@code epoch}. The same guarantees as {@link #plan}, with
   * {@code holders} in the place of the previous table's replicas; the result has epoch {@code
   * epoch} if it gives every partition exactly its holders, else {@code epoch + 1}.
   *
   * @param holders the replicas of each of the {@code holders.size()} partitions; an empty list
   *     for a partition nobody holds
   */
  public static PartitionTable plan(long epoch, List<? extends List<NodeId>> holders, Collection<Node> members,
      int backups) {
    int partitionCount = holders.size();
    Partitioner.checkPartitionCount(partitionCount);
    if (backups < 0 || backups > PartitionTable.MAX_BACKUPS) {
      throw new IllegalArgumentException("backups is 0 to " + PartitionTable.MAX_BACKUPS + ", not " + backups);
    }
    if (members.isEmpty()) {
      throw new IllegalArgumentException("a partition table needs at least one member");
    }
    PartitionTable planned = new Placement(holders, members, partitionCount, backups).place();
    for (int p = 0; p < partitionCount; p++) {
      if (!planned.replicas(p).equals(holders.get(p))) {
        return planned.withEpoch(epoch + 1);
      }
    }
    return planned.withEpoch(Math.max(1, epoch));
  }

  private static List<List<NodeId>> replicasOf(PartitionTable t) {
    List<List<NodeId>> all = new ArrayList<>(t.partitionCount());
    for (int p = 0; p < t.partitionCount(); p++) {
      all.add(t.replicas(p));
    }
    return all;
  }

  /** One run of the planner: the members as indexes 0..n-1 in id order. */
  private static final class Placement {
    private final int partitions;
    private final int n;
    private final int replicas;
    private final NodeId[] ids;
    private final int[] zone;
    /** How many distinct zones a partition's replicas must span (1: no zone rule). */
    private final int span;
    /** The previous replicas of each partition as member indexes, -1 for a departed node. */
    private final int[][] before;
    private final int[] owner;
    private final int[] owned;
    private final int[][] backup;
    private final int[] held;
    /** pairs[o][b]: how many partitions owned by o have b as a backup (spread, for promotion). */
    private final int[][] pairs;
    /** How many of each member's backups were placed by this run: they hold no data yet. */
    private final int[] fresh;
    /** Scratch for counting zones: zone z was seen in the current count when seen[z] == stamp. */
    private final int[] seen;
    private int stamp;

    Placement(List<? extends List<NodeId>> previous, Collection<Node> members, int partitions, int backups) {
      this.partitions = partitions;
      List<Node> sorted = new ArrayList<>(members);
      sorted.sort(Comparator.comparing(Node::id));
      n = sorted.size();
      ids = new NodeId[n];
      zone = new int[n];
      TreeMap<String, Integer> zones = new TreeMap<>();
      for (Node m : sorted) {
        zones.putIfAbsent(m.zone(), 0);
      }
      int z = 0;
      for (var e : zones.entrySet()) {
        e.setValue(z++);
      }
      TreeMap<NodeId, Integer> index = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        ids[i] = sorted.get(i).id();
        zone[i] = zones.get(sorted.get(i).zone());
        if (index.put(ids[i], i) != null) {
          throw new IllegalArgumentException("member " + ids[i] + " is listed twice");
        }
      }
      replicas = Math.min(backups + 1, n);
      span = zones.size() >= 2 ? Math.min(replicas, zones.size()) : 1;
      before = new int[partitions][];
      for (int p = 0; p < partitions; p++) {
        if (previous == null) {
          before[p] = new int[0];
        } else {
          List<NodeId> rs = previous.get(p);
          before[p] = new int[rs.size()];
          for (int k = 0; k < rs.size(); k++) {
            before[p][k] = index.getOrDefault(rs.get(k), -1);
          }
        }
      }
      owner = new int[partitions];
      owned = new int[n];
      backup = new int[partitions][replicas - 1];
      held = new int[n];
      fresh = new int[n];
      pairs = new int[n][n];
      seen = new int[n];
    }

    PartitionTable place() {
      placeOwners();
      placeBackups();
      List<List<NodeId>> table = new ArrayList<>(partitions);
      for (int p = 0; p < partitions; p++) {
        List<NodeId> rs = new ArrayList<>(replicas);
        rs.add(ids[owner[p]]);
        for (int b : backup[p]) {
          rs.add(ids[b]);
        }
        table.add(rs);
      }
      return PartitionTable.of(1, table);
    }

    // ---- owners ----

    private void placeOwners() {
      Arrays.fill(owner, -1);
      for (int p = 0; p < partitions; p++) {
        if (before[p].length > 0 && before[p][0] >= 0) {
          owner[p] = before[p][0];
          owned[owner[p]]++;
        }
      }
      // Shares: floor(P/n) each, and one more for the P mod n members that own most already.
      int[] backing = new int[n];
      for (int p = 0; p < partitions; p++) {
        for (int k = 1; owner[p] < 0 && k < before[p].length; k++) {
          if (before[p][k] >= 0) {
            backing[before[p][k]]++;
          }
        }
      }
      int[] share = shares(partitions, owned, backing);
      releaseExcess(share);
      assignOrphans(share);
    }

    /**
     * Ownership shares summing to {@code total}: {@code floor(total/n)} each, plus one for the
     * {@code total mod n} members that own the most already, so that no member that stays in a
     * balanced table must give anything up; among equals, those that back up the most orphaned
     * partitions (so they can be promoted), then by id.
     */
    private int[] shares(int total, int[] current, int[] backing) {
      int base = total / n;
      int extra = total % n;
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      Arrays.sort(order, Comparator.<Integer>comparingInt(i -> -current[i])
          .thenComparingInt(i -> -backing[i])
          .thenComparingInt(i -> i));
      int[] share = new int[n];
      for (int k = 0; k < n; k++) {
        share[order[k]] = base + (k < extra ? 1 : 0);
      }
      return share;
    }

    /** Members above their share give up partitions, preferring ones a backup can take over. */
    private void releaseExcess(int[] share) {
      for (int i = 0; i < n; i++) {
        int excess = owned[i] - share[i];
        if (excess <= 0) {
          continue;
        }
        List<Integer> mine = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
          if (owner[p] == i) {
            mine.add(p);
          }
        }
        mine.sort(Comparator.<Integer>comparingInt(p -> promotable(p, share) ? 0 : 1)
            .thenComparingInt(p -> p));
        for (int k = 0; k < excess; k++) {
          owner[mine.get(k)] = -1;
        }
        owned[i] = share[i];
      }
    }

    private boolean promotable(int p, int[] share) {
      for (int k = 1; k < before[p].length; k++) {
        int b = before[p][k];
        if (b >= 0 && owned[b] < share[b]) {
          return true;
        }
      }
      return false;
    }

    /**
     * Gives every partition without an owner to a member below its share: first to a surviving
     * backup (the partitions with the fewest such backups first, so that a backup needed by one
     * partition is not used up by another that had a choice), then to the member furthest below
     * its share.
     */
    private void assignOrphans(int[] share) {
      List<Integer> orphans = new ArrayList<>();
      int[] choices = new int[partitions];
      for (int p = 0; p < partitions; p++) {
        if (owner[p] < 0) {
          orphans.add(p);
          for (int k = 1; k < before[p].length; k++) {
            int b = before[p][k];
            if (b >= 0 && owned[b] < share[b]) {
              choices[p]++;
            }
          }
        }
      }
      orphans.sort(Comparator.<Integer>comparingInt(p -> choices[p]).thenComparingInt(p -> p));
      for (int p : orphans) {
        int best = -1;
        for (int k = 1; k < before[p].length; k++) {
          int b = before[p][k];
          if (b >= 0 && owned[b] < share[b] && (best < 0 || share[b] - owned[b] > share[best] - owned[best])) {
            best = b;
          }
        }
        if (best >= 0) {
          owner[p] = best;
          owned[best]++;
        }
      }
      // Greedy can use up a backup that another orphan needed: augmenting paths (Kuhn's
      // matching) then promote as many orphans as the shares allow.
      for (int p : orphans) {
        if (owner[p] < 0) {
          promote(p, orphans, share, new boolean[n]);
        }
      }
      for (int p = 0; p < partitions; p++) {
        if (owner[p] < 0) {
          int best = -1;
          for (int i = 0; i < n; i++) {
            if (owned[i] < share[i] && (best < 0 || share[i] - owned[i] > share[best] - owned[best])) {
              best = i;
            }
          }
          if (best < 0) {
            throw new IllegalStateException("no member below its share for partition " + p
                + ": shares " + Arrays.toString(share) + ", owned " + Arrays.toString(owned));
          }
          owner[p] = best;
          owned[best]++;
        }
      }
    }

    /**
     * Gives orphan {@code p} to one of its surviving backups, moving other promoted orphans to
     * other backups of theirs to make room if need be; false if no such path exists.
     */
    private boolean promote(int p, List<Integer> orphans, int[] share, boolean[] visited) {
      for (int k = 1; k < before[p].length; k++) {
        int b = before[p][k];
        if (b < 0 || visited[b]) {
          continue;
        }
        visited[b] = true;
        if (owned[b] < share[b]) {
          owner[p] = b;
          owned[b]++;
          return true;
        }
        for (int q : orphans) {
          if (q != p && owner[q] == b && promote(q, orphans, share, visited)) {
            owned[b]--; // q left b ...
            owner[p] = b; // ... and p took its place
            owned[b]++;
            return true;
          }
        }
      }
      return false;
    }

    // ---- backups ----

    private void placeBackups() {
      int count = replicas - 1;
      for (int p = 0; p < partitions; p++) {
        held[owner[p]]++;
        Arrays.fill(backup[p], -1);
      }
      if (count == 0) {
        return;
      }
      keepBackups(count);
      fillBackups(count);
      for (int p = 0; p < partitions; p++) {
        for (int b : backup[p]) {
          if (!heldBefore(p, b)) {
            fresh[b]++;
          }
        }
      }
      balanceBackups(count);
    }

    /**
     * Keeps each previous backup, then the previous owner (it has the data), in that order, while
     * they are members other than the owner and the zone rule can still be met.
     */
    private void keepBackups(int count) {
      for (int p = 0; p < partitions; p++) {
        int chosen = 0;
        int[] candidates = new int[before[p].length];
        int c = 0;
        for (int k = 1; k < before[p].length; k++) {
          candidates[c++] = before[p][k];
        }
        if (before[p].length > 0) {
          candidates[c++] = before[p][0];
        }
        for (int k = 0; k < c && chosen < count; k++) {
          int i = candidates[k];
          if (i >= 0 && !holds(p, i, chosen) && zoneFeasible(p, i, chosen, count)) {
            backup[p][chosen++] = i;
            held[i]++;
            pairs[owner[p]][i]++;
          }
        }
      }
    }

    /** Fills the empty backup slots with the members holding the fewest replicas. */
    private void fillBackups(int count) {
      for (int p = 0; p < partitions; p++) {
        int chosen = 0;
        while (chosen < count && backup[p][chosen] >= 0) {
          chosen++;
        }
        for (; chosen < count; chosen++) {
          int best = -1;
          boolean bestNewZone = false;
          for (int i = 0; i < n; i++) {
            if (holds(p, i, chosen) || !zoneFeasible(p, i, chosen, count)) {
              continue;
            }
            boolean newZone = span > 1 && !inZones(p, zone[i], chosen);
            int o = owner[p];
            if (best < 0 || pairs[o][i] < pairs[o][best]
                || (pairs[o][i] == pairs[o][best] && (held[i] < held[best]
                    || (held[i] == held[best] && newZone && !bestNewZone)))) {
              best = i;
              bestNewZone = newZone;
            }
          }
          if (best < 0) {
            throw new IllegalStateException("no member can back up partition " + p);
          }
          backup[p][chosen] = best;
          held[best]++;
          pairs[owner[p]][best]++;
        }
      }
    }

    /**
     * While some member holds at least two replicas more than another, moves one backup from the
     * fuller to the emptier (directly, or through a third member that gives one and takes one),
     * provided the zone rule still holds. Each move lowers the sum of squared counts, so this ends;
     * when it ends without zones, counts differ by at most one. Pairs are tried fullest first and
     * emptiest first, ties by id; backups placed by this run (no data yet) move before kept ones.
     */
    private void balanceBackups(int count) {
      Integer[] order = new Integer[n];
      boolean moved = true;
      while (moved) {
        moved = false;
        for (int i = 0; i < n; i++) {
          order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingInt(i -> -held[i]).thenComparingInt(i -> i));
        search:
        for (int a = 0; a < n; a++) {
          for (int b = n - 1; b > a; b--) {
            int from = order[a];
            int to = order[b];
            if (held[from] - held[to] < 2) {
              break;
            }
            if (move(from, to, count)) {
              moved = true;
              break search;
            }
            for (int via = 0; via < n; via++) {
              if (via != from && via != to && canMove(via, to, count) >= 0 && canMove(from, via, count) >= 0) {
                move(via, to, count);
                move(from, via, count);
                moved = true;
                break search;
              }
            }
          }
        }
      }
    }

    /** Moves one backup of {@code from} to {@code to}, if some partition allows it. */
    private boolean move(int from, int to, int count) {
      int slot = canMove(from, to, count);
      if (slot < 0) {
        return false;
      }
      int p = slot / count;
      if (!heldBefore(p, from)) {
        fresh[from]--;
      }
      if (!heldBefore(p, to)) {
        fresh[to]++;
      }
      backup[p][slot % count] = to;
      held[from]--;
      held[to]++;
      return true;
    }

    /**
     * The slot ({@code p * count + k}) of a backup of {@code from} that {@code to} could take, or
     * -1: {@code to} must not hold the partition and the zone rule must still hold. A slot filled
     * by this run is preferred to one kept from the previous table.
     */
    private int canMove(int from, int to, int count) {
      int kept = -1;
      for (int p = 0; p < partitions; p++) {
        for (int k = 0; k < count; k++) {
          if (backup[p][k] != from || holds(p, to, count) || (kept >= 0 && fresh[from] == 0)) {
            continue;
          }
          if (span > 1) {
            backup[p][k] = to;
            boolean ok = zonesOf(p) >= span;
            backup[p][k] = from;
            if (!ok) {
              continue;
            }
          }
          if (!heldBefore(p, from)) {
            return p * count + k;
          }
          if (fresh[from] == 0) {
            return p * count + k;
          }
          if (kept < 0) {
            kept = p * count + k;
          }
        }
      }
      return kept;
    }

    private boolean heldBefore(int p, int i) {
      for (int b : before[p]) {
        if (b == i) {
          return true;
        }
      }
      return false;
    }

    /** Whether member {@code i} is the owner of {@code p} or one of its first {@code chosen} backups. */
    private boolean holds(int p, int i, int chosen) {
      if (owner[p] == i) {
        return true;
      }
      for (int k = 0; k < chosen; k++) {
        if (backup[p][k] == i) {
          return true;
        }
      }
      return false;
    }

    private boolean inZones(int p, int z, int chosen) {
      if (zone[owner[p]] == z) {
        return true;
      }
      for (int k = 0; k < chosen; k++) {
        if (zone[backup[p][k]] == z) {
          return true;
        }
      }
      return false;
    }

    /** Whether adding {@code i} as backup {@code chosen} still lets {@code p} span the zones it must. */
    private boolean zoneFeasible(int p, int i, int chosen, int count) {
      if (span <= 1) {
        return true;
      }
      stamp++;
      int covered = see(zone[owner[p]]) + see(zone[i]);
      for (int k = 0; k < chosen; k++) {
        covered += see(zone[backup[p][k]]);
      }
      int slotsLeft = count - chosen - 1;
      return covered + slotsLeft >= span;
    }

    /** How many distinct zones the replicas of {@code p} span. */
    private int zonesOf(int p) {
      stamp++;
      int covered = see(zone[owner[p]]);
      for (int b : backup[p]) {
        covered += see(zone[b]);
      }
      return covered;
    }

    /** 1 if zone {@code z} is new to the current count (and marks it seen), else 0. */
    private int see(int z) {
      if (seen[z] == stamp) {
        return 0;
      }
      seen[z] = stamp;
      return 1;
    }
  }
}
