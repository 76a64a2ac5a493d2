package io.cairn.cache.cluster;

import io.cairn.cache.cluster.ClusterCommand.Reassign;
import io.cairn.cache.cluster.ClusterCommand.SetTarget;
import io.cairn.cache.partition.PartitionPlanner;
import io.cairn.cache.partition.PartitionTable;
import io.cairn.membership.NodeId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the coordination leader proposes next to move the partitions where they should be: a new
 * target table when the members (or the backups the caches ask for) changed and have stayed so
 * for the stabilization delay, then pending replicas toward that target, at most {@code
 * maxMigrations} at a time, and the drop of replicas the target no longer wants once a partition
 * holds everything the target gives it. Owners hand partitions over themselves ({@link
 * ClusterCommand.Transfer}, {@link ClusterCommand.Synced}); the leader never takes a partition from
 * a live owner. Pure: the caller passes the time and proposes what it returns, one proposal at a
 * time. The state it keeps (when the members last changed) is the leader's own, not replicated: a
 * new leader waits the delay again.
 */
public final class Rebalancer {
  private final long delayNanos;
  private final int maxMigrations;
  private final long orphanNanos;
  /** Partitions whose owner is not a member, and since when this leader has seen them so. */
  private final Map<Integer, Long> orphanedSince = new HashMap<>();
  private Set<NodeId> lastMembers;
  private long changedAt;
  private Set<NodeId> plannedFor;
  private int plannedBackups = -1;

  /**
   * @param delayNanos how long the members must stay the same before the partitions move (a
   *     flapping node does not cause a storm of moves); failures need no delay to be survived,
   *     since backups take over in the cluster map itself
   * @param maxMigrations how many pending replicas may be filled at once, cluster-wide
   * @param orphanNanos how long a partition waits for an owner that left without a backup (it had
   *     the only complete copy, in its store) before a member adopts it, with whatever part of
   *     the data a pending replica of it has, or none
   */
  public Rebalancer(long delayNanos, int maxMigrations, long orphanNanos) {
    if (delayNanos < 0 || maxMigrations < 1 || orphanNanos < 0) {
      throw new IllegalArgumentException("delays of at least 0 and at least one migration");
    }
    this.delayNanos = delayNanos;
    this.maxMigrations = maxMigrations;
    this.orphanNanos = orphanNanos;
  }

  /** The command to propose now, if any. */
  public Optional<ClusterCommand> next(ClusterView view, long nowNanos) {
    if (!view.formed() || view.members().isEmpty()) {
      return Optional.empty();
    }
    Set<NodeId> members = new TreeSet<>(view.members().keySet());
    if (!members.equals(lastMembers)) {
      lastMembers = members;
      changedAt = nowNanos;
    }
    Optional<ClusterCommand> adopt = adoptions(view, members, nowNanos);
    if (adopt.isPresent()) {
      return adopt;
    }
    int backups = Math.min(view.backupsWanted(), PartitionTable.MAX_BACKUPS);
    PartitionTable target = view.target();
    boolean stale = target == null || !members.equals(plannedFor) || backups != plannedBackups
        || !members.containsAll(target.nodes());
    if (stale) {
      if (target != null && nowNanos - changedAt < delayNanos) {
        return Optional.empty();
      }
      PartitionTable next = plan(view, backups);
      plannedFor = members;
      plannedBackups = backups;
      if (target == null || !next.sameAssignments(target)) {
        return Optional.of(new SetTarget(next.withEpoch(target == null ? 1 : target.epoch() + 1)));
      }
    }
    return moves(view, target, members);
  }

  private static PartitionTable plan(ClusterView view, int backups) {
    Assignments a = view.assignments();
    List<List<NodeId>> holders = new ArrayList<>(a.partitionCount());
    for (Holders h : a.all()) {
      holders.add(h.all());
    }
    List<PartitionPlanner.Node> nodes = new ArrayList<>();
    view.members().values().forEach(m -> nodes.add(new PartitionPlanner.Node(m.id(), m.zone())));
    return PartitionPlanner.plan(0, holders, nodes, backups);
  }

  /** Members for the partitions whose owner stayed away past the orphan timeout. */
  private Optional<ClusterCommand> adoptions(ClusterView view, Set<NodeId> members, long nowNanos) {
    Assignments a = view.assignments();
    Map<NodeId, Integer> owned = new TreeMap<>();
    members.forEach(m -> owned.put(m, 0));
    a.ownedCounts().forEach((n, c) -> owned.computeIfPresent(n, (k, v) -> c));
    List<Move> moves = new ArrayList<>();
    for (int p = 0; p < a.partitionCount(); p++) {
      NodeId o = a.owner(p);
      if (o == null || members.contains(o)) {
        orphanedSince.remove(p);
        continue;
      }
      long since = orphanedSince.computeIfAbsent(p, k -> nowNanos);
      if (nowNanos - since < orphanNanos) {
        continue;
      }
      NodeId to = null;
      for (NodeId n : a.holders(p).pending()) {
        if (members.contains(n)) {
          to = n;
          break;
        }
      }
      if (to == null) {
        for (Map.Entry<NodeId, Integer> e : owned.entrySet()) {
          if (to == null || e.getValue() < owned.get(to)) {
            to = e.getKey();
          }
        }
      }
      owned.merge(to, 1, Integer::sum);
      moves.add(new Move(p, to));
    }
    return moves.isEmpty() ? Optional.empty() : Optional.of(new ClusterCommand.Adopt(moves));
  }

  /** Pending replicas toward {@code target}, the most under-replicated partitions first, and drops. */
  private Optional<ClusterCommand> moves(ClusterView view, PartitionTable target, Set<NodeId> members) {
    Assignments a = view.assignments();
    int budget = maxMigrations - a.pendingCount();
    List<Move> adds = new ArrayList<>();
    List<Move> drops = new ArrayList<>();
    for (int pass = 0; pass < 2; pass++) {
      for (int p = 0; p < a.partitionCount() && budget > 0; p++) {
        Holders h = a.holders(p);
        List<NodeId> want = target.replicas(p);
        boolean underReplicated = 1 + h.backups().size() < want.size();
        if (h.owner() == null || !members.contains(h.owner()) || underReplicated != (pass == 0)) {
          continue;
        }
        for (NodeId n : want) {
          if (budget > 0 && !h.holds(n) && members.contains(n)) {
            adds.add(new Move(p, n));
            budget--;
          }
        }
      }
    }
    for (int p = 0; p < a.partitionCount(); p++) {
      Holders h = a.holders(p);
      List<NodeId> want = target.replicas(p);
      for (NodeId n : h.pending()) {
        if (!want.contains(n)) {
          drops.add(new Move(p, n));
        }
      }
      boolean settled = h.owner() != null && h.pending().isEmpty() && h.owner().equals(target.owner(p))
          && h.backups().containsAll(target.backups(p));
      if (settled) {
        for (NodeId n : h.backups()) {
          if (!want.contains(n)) {
            drops.add(new Move(p, n));
          }
        }
      }
    }
    if (adds.isEmpty() && drops.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Reassign(adds, drops));
  }
}
