package io.cairn.cache.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cache.CacheSpec;
import io.cairn.cache.CacheSpec.Capacity;
import io.cairn.cache.CacheSpec.StoreKind;
import io.cairn.cache.cluster.ClusterCommand.Define;
import io.cairn.cache.cluster.ClusterCommand.Join;
import io.cairn.cache.cluster.ClusterCommand.Reassign;
import io.cairn.cache.cluster.ClusterCommand.SetTarget;
import io.cairn.cache.cluster.ClusterCommand.Synced;
import io.cairn.cache.cluster.ClusterCommand.Transfer;
import io.cairn.cache.partition.PartitionTable;
import io.cairn.membership.NodeId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The leader's {@link Rebalancer} over random clusters driving a real {@link ClusterMap}, with
 * owners that fill their pending replicas and hand partitions over at once: members join, fail
 * and come back (a new session), caches ask for 0 to 3 backups. After every step: never more
 * pending replicas than allowed beyond those a restart made, epochs only grow, no partition
 * without an owner while there are members; and once the members stay put, the holders reach the
 * target exactly and the leader proposes nothing more.
 *
 * <p>{@code -Dcairn.rebalancer.trials=N} (default 30, a few seconds), {@code -Dcairn.rebalancer.seed=S}.
 */
class RebalancerPropertyTest {
  private static final int TRIALS = Integer.getInteger("cairn.rebalancer.trials", 30);
  private static final long SEED = Long.getLong("cairn.rebalancer.seed", 20261206L);
  private static final long DELAY = 2_000;
  private static final int MAX_MIGRATIONS = 4;
  private static final long ORPHAN = 5_000;

  @Test
  void holdersConvergeToTheTargetWithinTheMigrationBound() {
    long steps = 0;
    for (int trial = 0; trial < TRIALS; trial++) {
      long seed = SEED + trial;
      try {
        steps += new Trial(new SplittableRandom(seed)).run();
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError("seed " + seed + " (-Dcairn.rebalancer.trials=1 -Dcairn.rebalancer.seed=" + seed
            + "): " + e.getMessage(), e);
      }
    }
    System.out.println("RebalancerPropertyTest: " + TRIALS + " trials, " + steps + " commands");
  }

  private static final class Trial {
    final SplittableRandom random;
    final ClusterMap map = new ClusterMap();
    final Rebalancer rebalancer = new Rebalancer(DELAY, MAX_MIGRATIONS, ORPHAN);
    final Set<Long> live = new HashSet<>();
    final int partitions;
    long index;
    long now;
    long session;
    long lastEpoch;
    long commands;
    int restartPending;

    Trial(SplittableRandom random) {
      this.random = random;
      this.partitions = random.nextInt(3) == 0 ? 1 + random.nextInt(40) : 271;
    }

    long run() {
      int n = 1 + random.nextInt(5);
      List<NodeId> nodes = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        nodes.add(NodeId.of("n" + i));
      }
      Set<NodeId> up = new HashSet<>();
      for (int i = 0; i < n; i++) {
        join(nodes.get(i), "z" + random.nextInt(3));
        up.add(nodes.get(i));
      }
      apply(new Define(new CacheDef("c", new CacheSpec(Capacity.entries(10), null, StoreKind.JDBC,
          random.nextInt(4)), 0)));
      for (int round = 0; round < 6; round++) {
        int roll = random.nextInt(4);
        NodeId someone = nodes.get(random.nextInt(nodes.size()));
        if (roll == 0 && !up.contains(someone)) {
          join(someone, "z" + random.nextInt(3));
          up.add(someone);
        } else if (roll == 1 && up.contains(someone) && up.size() > 1) {
          long s = map.view().members().get(someone).session();
          live.remove(s);
          map.sessionsEnded(++index, List.of(s));
          up.remove(someone);
          check();
        } else if (roll == 2 && up.contains(someone)) {
          join(someone, map.view().members().get(someone).zone()); // restarted
        }
        settle();
      }
      return commands;
    }

    void join(NodeId node, String zone) {
      long s = ++session;
      live.add(s);
      if (map.view().members().containsKey(node)) { // a restart: what it backed up is pending again
        for (Holders h : map.view().assignments().all()) {
          restartPending += ClusterMap.restarted(h, node).pending().size() - h.pending().size();
        }
      }
      apply(new Join(node, s, zone, partitions, "embedded"));
    }

    /** Runs the leader and the owners until nothing moves, then checks the holders are the target. */
    void settle() {
      for (int i = 0; i < 100_000; i++) {
        now += 100 + random.nextInt(400);
        Optional<ClusterCommand> next = rebalancer.next(map.view(), now);
        next.ifPresent(this::apply);
        boolean owners = owners();
        if (next.isEmpty() && !owners && now > Math.max(DELAY, ORPHAN) * 2 + lastChange) {
          ClusterView v = map.view();
          PartitionTable t = v.target();
          assertThat(t).isNotNull();
          assertThat(t.nodes()).isSubsetOf(v.members().keySet());
          for (int p = 0; p < partitions; p++) {
            Holders h = v.assignments().holders(p);
            assertThat(h.owner()).as("partition " + p).isEqualTo(t.owner(p));
            assertThat(h.backups()).as("partition " + p).containsExactlyInAnyOrderElementsOf(t.backups(p));
            assertThat(h.pending()).as("partition " + p).isEmpty();
          }
          assertThat(t.backupCount()).isEqualTo(Math.min(v.backupsWanted(), v.members().size() - 1));
          assertThat(v.members()).containsKeys(v.assignments().ownedCounts().keySet().toArray(new NodeId[0]));
          restartPending = 0;
          return;
        }
      }
      throw new AssertionError("did not settle: " + map.view());
    }

    long lastChange;

    /** An owner fills one pending replica or hands one partition over; whether work is left or was done. */
    boolean owners() {
      ClusterView v = map.view();
      PartitionTable t = v.target();
      if (t == null) {
        return false;
      }
      boolean waiting = false;
      for (int p = 0; p < partitions; p++) {
        Holders h = v.assignments().holders(p);
        if (h.owner() == null || !v.members().containsKey(h.owner())) {
          continue; // an owner that left: only the leader's adoption moves it on
        }
        waiting |= !h.pending().isEmpty();
        long ownerSession = v.members().get(h.owner()).session();
        if (!h.pending().isEmpty() && random.nextInt(3) == 0) {
          NodeId n = h.pending().get(0);
          apply(new Synced(p, h.owner(), ownerSession, n, v.members().get(n).session(), n.equals(t.owner(p))));
          return true;
        }
        if (!h.owner().equals(t.owner(p)) && h.backups().contains(t.owner(p))) {
          apply(new Transfer(p, h.owner(), ownerSession, t.owner(p)));
          return true;
        }
      }
      return waiting;
    }

    void apply(ClusterCommand c) {
      ClusterResult r = map.apply(++index, c, live::contains);
      commands++;
      if (c instanceof SetTarget || c instanceof Reassign) {
        assertThat(r).as(c.toString()).isInstanceOf(ClusterResult.Done.class);
      }
      check();
    }

    long lastRevision;

    void check() {
      ClusterView v = map.view();
      if (v.revision() != lastRevision) {
        lastRevision = v.revision();
        lastChange = now;
      }
      if (!v.formed()) {
        return;
      }
      long e = v.assignments().epoch();
      assertThat(e).isGreaterThanOrEqualTo(lastEpoch);
      lastEpoch = e;
      assertThat(v.assignments().pendingCount()).isLessThanOrEqualTo(MAX_MIGRATIONS + restartPending);
      for (int p = 0; p < partitions; p++) {
        Holders h = v.assignments().holders(p);
        assertThat(h.owner()).as("partition " + p).isNotNull();
        for (NodeId n : h.backups()) {
          assertThat(v.members()).as("partition " + p).containsKey(n);
        }
        for (NodeId n : h.pending()) {
          assertThat(v.members()).as("partition " + p).containsKey(n);
        }
      }
    }
  }
}
