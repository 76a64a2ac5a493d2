package io.cairn.cache.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cache.CacheSpec;
import io.cairn.cache.CacheSpec.Capacity;
import io.cairn.cache.CacheSpec.StoreKind;
import io.cairn.cache.cluster.ClusterCommand.Define;
import io.cairn.cache.cluster.ClusterCommand.Join;
import io.cairn.cache.cluster.ClusterCommand.Reassign;
import io.cairn.cache.cluster.ClusterCommand.Remove;
import io.cairn.cache.cluster.ClusterCommand.SetTarget;
import io.cairn.cache.cluster.ClusterCommand.Synced;
import io.cairn.cache.cluster.ClusterCommand.Transfer;
import io.cairn.cache.cluster.ClusterResult.Defined;
import io.cairn.cache.cluster.ClusterResult.Done;
import io.cairn.cache.cluster.ClusterResult.NoSuchCache;
import io.cairn.cache.cluster.ClusterResult.Refused;
import io.cairn.cache.partition.PartitionTable;
import io.cairn.membership.NodeId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClusterMapTest {
  static final NodeId A = NodeId.of("a");
  static final NodeId B = NodeId.of("b");
  static final NodeId C = NodeId.of("c");
  static final int P = 5;

  private final ClusterMap map = new ClusterMap();
  private final Set<Long> live = new HashSet<>(Set.of(1L, 2L, 3L, 4L, 5L, 6L));
  private long index;

  private ClusterResult run(ClusterCommand c) {
    ClusterResult r = ClusterResult.decode(map.apply(++index, c.encode(), live::contains));
    // every result and state survives its encoding
    assertThat(ClusterResult.decode(r.encode())).isEqualTo(r);
    assertThat(ClusterView.decode(map.view().encode())).isEqualTo(map.view());
    return r;
  }

  private Holders holders(int p) {
    return map.view().assignments().holders(p);
  }

  private long epoch() {
    return map.view().assignments().epoch();
  }

  private void end(long session) {
    live.remove(session);
    map.sessionsEnded(++index, List.of(session));
  }

  @Test
  void theFirstNodeFormsTheClusterAndOwnsEveryPartition() {
    assertThat(map.view().formed()).isFalse();
    assertThat(run(new Join(A, 1, "z1", P, "embedded"))).isEqualTo(new Done(1, 1));
    ClusterView v = map.view();
    assertThat(v.formed()).isTrue();
    assertThat(v.partitionCount()).isEqualTo(P);
    assertThat(v.storeKind()).isEqualTo("embedded");
    assertThat(v.members()).containsOnlyKeys(A);
    for (int p = 0; p < P; p++) {
      assertThat(holders(p)).isEqualTo(Holders.owned(A));
    }
  }

  @Test
  void aNodeWithAnotherPartitionCountOrStoreKindOrADeadSessionIsRefused() {
    run(new Join(A, 1, "", P, "embedded"));
    assertThat(run(new Join(B, 2, "", 271, "embedded"))).isInstanceOfSatisfying(Refused.class,
        r -> assertThat(r.reason()).contains("has 5 partitions").contains("configured with 271"));
    assertThat(run(new Join(B, 2, "", P, "shared"))).isInstanceOfSatisfying(Refused.class,
        r -> assertThat(r.reason()).contains("embedded"));
    assertThat(run(new Join(B, 99, "", P, "embedded"))).isInstanceOf(Refused.class);
    assertThat(run(new Join(B, 2, "", 0, "embedded"))).isInstanceOf(Refused.class);
    assertThat(map.view().members()).containsOnlyKeys(A);
    assertThat(run(new Join(A, 1, "", P, "embedded"))).isInstanceOf(Done.class); // the same join again
    assertThat(map.view().members().get(A).since()).isEqualTo(1);
  }

  @Test
  void aFirstJoinWithAnInvalidPartitionCountIsRefused() {
    assertThat(run(new Join(A, 1, "", 70_000, "embedded"))).isInstanceOf(Refused.class);
    assertThat(map.view().formed()).isFalse();
  }

  @Test
  void aJoinDefinesTheCachesOfTheNodesConfigurationThatDoNotExist() {
    CacheDef mine = new CacheDef("mine", CacheSpec.defaults(), 1);
    run(new Join(A, 1, "", P, "embedded", List.of(mine)));
    CacheDef other = new CacheDef("mine", new CacheSpec(Capacity.entries(5), null, StoreKind.NONE, 0), 2);
    run(new Join(B, 2, "", P, "embedded", List.of(other, new CacheDef("theirs", CacheSpec.defaults(), 3))));
    assertThat(map.view().caches()).containsOnlyKeys("mine", "theirs");
    assertThat(map.view().caches().get("mine")).isEqualTo(mine); // a cache that exists is left as it is
  }

  @Test
  void cachesAreDefinedReconfiguredAndRemoved() {
    CacheSpec spec = new CacheSpec(Capacity.entries(10), null, StoreKind.JDBC, 2);
    assertThat(run(new Define(new CacheDef("users", spec, 1000)))).isEqualTo(
        new Defined(new CacheDef("users", spec, 1000), true, 1));
    assertThat(map.view().backupsWanted()).isEqualTo(2);
    // the same again changes nothing
    assertThat(run(new Define(new CacheDef("users", spec, 2000)))).isEqualTo(
        new Defined(new CacheDef("users", spec, 1000), false, 1));
    CacheSpec bigger = new CacheSpec(Capacity.bytes(1 << 20), Duration.ofSeconds(5), StoreKind.JDBC, 0);
    assertThat(run(new Define(new CacheDef("users", bigger, 3000)))).isEqualTo(
        new Defined(new CacheDef("users", bigger, 1000), false, 3));
    assertThat(run(new Define(new CacheDef("users", new CacheSpec(Capacity.entries(1), null, StoreKind.NONE, 0), 1))))
        .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.reason()).contains("store cannot change"));
    assertThat(run(new Define(new CacheDef("-bad", spec, 1)))).isInstanceOf(Refused.class);
    assertThat(run(new Remove("users"))).isInstanceOf(Done.class);
    assertThat(run(new Remove("users"))).isEqualTo(new NoSuchCache("users"));
    assertThat(map.view().caches()).isEmpty();
    assertThat(map.view().backupsWanted()).isEqualTo(CacheSpec.DEFAULT_BACKUPS);
  }

  /** a owns everything, b and c back every partition up: [a, b, c]. */
  private void threeNodes() {
    run(new Join(A, 1, "", P, "embedded"));
    run(new Join(B, 2, "", P, "embedded"));
    run(new Join(C, 3, "", P, "embedded"));
    List<Move> adds = new ArrayList<>();
    for (int p = 0; p < P; p++) {
      adds.add(new Move(p, B));
      adds.add(new Move(p, C));
    }
    run(new Reassign(adds, List.of()));
    for (int p = 0; p < P; p++) {
      assertThat(holders(p)).isEqualTo(new Holders(A, List.of(), List.of(B, C)));
      run(new Synced(p, A, 1, B, 2, false));
      run(new Synced(p, A, 1, C, 3, false));
      assertThat(holders(p)).isEqualTo(new Holders(A, List.of(B, C), List.of()));
    }
  }

  @Test
  void aSessionThatEndsHandsItsPartitionsToItsFirstBackup() {
    threeNodes();
    long before = epoch();
    end(1);
    assertThat(map.view().members()).containsOnlyKeys(B, C);
    assertThat(epoch()).isEqualTo(before + 1);
    for (int p = 0; p < P; p++) {
      assertThat(holders(p)).isEqualTo(new Holders(B, List.of(C), List.of()));
    }
    end(99); // nobody's session: nothing changes
    assertThat(epoch()).isEqualTo(before + 1);
  }

  @Test
  void withoutABackupAPartitionWaitsForItsOwnerUntilAMemberAdoptsIt() {
    run(new Join(A, 1, "", P, "embedded"));
    run(new Join(B, 2, "", P, "embedded"));
    run(new Join(C, 3, "", P, "embedded"));
    run(new Reassign(List.of(new Move(0, B)), List.of()));
    long e = epoch();
    end(1);
    assertThat(map.view().members()).containsOnlyKeys(B, C);
    assertThat(holders(0)).isEqualTo(new Holders(A, List.of(), List.of(B))); // a is gone, but had it all
    assertThat(holders(1)).isEqualTo(Holders.owned(A));
    assertThat(epoch()).isEqualTo(e);
    run(new ClusterCommand.Adopt(List.of(new Move(0, B), new Move(1, C), new Move(2, A))));
    assertThat(holders(0)).isEqualTo(Holders.owned(B)); // the pending replica: part of the data
    assertThat(holders(1)).isEqualTo(Holders.owned(C)); // nothing of it
    assertThat(holders(2)).isEqualTo(Holders.owned(A)); // a is no member: nobody adopts for it
    assertThat(epoch()).isEqualTo(e + 1);
    live.add(10L);
    run(new Join(A, 10, "", P, "embedded")); // a comes back: it owns what nobody adopted, with its store
    for (int p = 2; p < P; p++) {
      assertThat(holders(p)).isEqualTo(Holders.owned(A));
    }
    run(new ClusterCommand.Adopt(List.of(new Move(2, B)))); // its owner is back: nothing to adopt
    assertThat(holders(2)).isEqualTo(Holders.owned(A));
  }

  @Test
  void whenEveryMemberIsGoneEachPartitionWaitsForItsLastOwner() {
    threeNodes();
    end(1);
    end(2);
    end(3);
    assertThat(map.view().members()).isEmpty();
    for (int p = 0; p < P; p++) {
      assertThat(holders(p)).isEqualTo(Holders.owned(C));
    }
    live.add(11L);
    run(new Join(C, 11, "", P, "embedded"));
    for (int p = 0; p < P; p++) {
      assertThat(holders(p)).isEqualTo(Holders.owned(C));
    }
  }

  @Test
  void aRestartedNodeRefillsWhatItHeldAndHandsOwnershipToABackup() {
    threeNodes();
    run(new Transfer(1, A, 1, C));
    assertThat(holders(1)).isEqualTo(new Holders(C, List.of(A, B), List.of()));
    live.add(10L);
    run(new Join(A, 10, "", P, "embedded")); // a again, in a new process
    assertThat(map.view().members().get(A).session()).isEqualTo(10);
    assertThat(holders(0)).isEqualTo(new Holders(B, List.of(C), List.of(A)));
    assertThat(holders(1)).isEqualTo(new Holders(C, List.of(B), List.of(A)));
    end(1); // its old session expires: it is not its session any more
    assertThat(map.view().members()).containsKey(A);
  }

  @Test
  void aRestartedOwnerWithoutBackupsKeepsItsPartitions() {
    run(new Join(A, 1, "", P, "embedded"));
    live.add(10L);
    run(new Join(A, 10, "", P, "embedded"));
    for (int p = 0; p < P; p++) {
      assertThat(holders(p)).isEqualTo(Holders.owned(A));
    }
  }

  @Test
  void onlyTheOwnerWithItsCurrentSessionReportsSyncsAndTransfers() {
    threeNodes();
    long e = epoch();
    assertThat(run(new Transfer(0, B, 2, C))).isInstanceOf(Refused.class); // b does not own it
    assertThat(run(new Transfer(0, A, 7, C))).isInstanceOf(Refused.class); // an old session of a
    assertThat(run(new Transfer(0, A, 1, A))).isInstanceOf(Refused.class); // not a backup
    assertThat(run(new Synced(0, A, 1, B, 2, false))).isInstanceOf(Refused.class); // b is no longer pending
    assertThat(run(new Synced(99, A, 1, B, 2, false))).isInstanceOf(Refused.class);
    assertThat(epoch()).isEqualTo(e);
    run(new Reassign(List.of(), List.of(new Move(0, C))));
    run(new Reassign(List.of(new Move(0, C)), List.of()));
    assertThat(run(new Synced(0, A, 1, C, 99, true))).isInstanceOf(Refused.class); // not c's session
    assertThat(run(new Synced(0, A, 1, C, 3, true))).isInstanceOf(Done.class);
    assertThat(holders(0)).isEqualTo(new Holders(C, List.of(A, B), List.of()));
  }

  @Test
  void reassignSkipsWhatNoLongerAppliesAndNeverDropsTheOwner() {
    threeNodes();
    long e = epoch();
    NodeId stranger = NodeId.of("x");
    run(new Reassign(List.of(new Move(0, stranger), new Move(0, B), new Move(-1, C)),
        List.of(new Move(0, A), new Move(P, B))));
    assertThat(epoch()).isEqualTo(e);
    run(new Reassign(List.of(), List.of(new Move(0, B), new Move(1, C))));
    assertThat(epoch()).isEqualTo(e + 1);
    assertThat(holders(0)).isEqualTo(new Holders(A, List.of(C), List.of()));
    assertThat(holders(1)).isEqualTo(new Holders(A, List.of(B), List.of()));
  }

  @Test
  void aTargetMustNameMembersAndMatchThePartitionCount() {
    run(new Join(A, 1, "", P, "embedded"));
    List<List<NodeId>> replicas = new ArrayList<>();
    for (int p = 0; p < P; p++) {
      replicas.add(List.of(A));
    }
    PartitionTable t = PartitionTable.of(1, replicas);
    assertThat(run(new SetTarget(t))).isInstanceOf(Done.class);
    assertThat(map.view().target()).isEqualTo(t);
    List<List<NodeId>> withB = new ArrayList<>(replicas);
    withB.set(0, List.of(B));
    assertThat(run(new SetTarget(PartitionTable.of(2, withB)))).isInstanceOf(Refused.class);
    assertThat(run(new SetTarget(PartitionTable.of(2, replicas.subList(0, 3))))).isInstanceOf(Refused.class);
    assertThat(map.view().target()).isEqualTo(t);
  }

  @Test
  void partitionCommandsBeforeTheClusterFormedAreRefused() {
    assertThat(run(new Reassign(List.of(), List.of()))).isInstanceOf(Refused.class);
    assertThat(run(new Transfer(0, A, 1, B))).isInstanceOf(Refused.class);
  }

  @Test
  void malformedCommandsAreRefusedAndChangeNothing() {
    run(new Join(A, 1, "", P, "embedded"));
    ClusterView before = map.view();
    for (byte[] bad : List.of(new byte[0], new byte[] {99}, new byte[] {ClusterCommand.JOIN, 0, 0})) {
      assertThat(ClusterResult.decode(map.apply(++index, bad, live::contains))).isInstanceOf(Refused.class);
    }
    assertThat(map.view()).isEqualTo(before);
  }

  @Test
  void aSnapshotRestoresTheSameState() {
    threeNodes();
    run(new Define(new CacheDef("c1", CacheSpec.defaults(), 5)));
    ClusterMap copy = new ClusterMap();
    copy.restore(map.snapshot());
    assertThat(copy.view()).isEqualTo(map.view());
    assertThat(copy.snapshot()).isEqualTo(map.snapshot());
  }

  @Test
  void everyCommandSurvivesItsEncoding() {
    List<ClusterCommand> all = List.of(new Join(A, 1, "z", 271, "shared"),
        new Join(B, 2, "", 7, "embedded", List.of(new CacheDef("x", CacheSpec.defaults(), 4))),
        new Define(new CacheDef("c", new CacheSpec(Capacity.bytes(5), Duration.ofMillis(7), StoreKind.NONE, 3), 9)),
        new Remove("c"), new Reassign(List.of(new Move(1, A)), List.of(new Move(2, B))),
        new Synced(3, A, 4, B, 5, true), new Transfer(6, A, 7, C));
    for (ClusterCommand c : all) {
      assertThat(ClusterCommand.decode(c.encode())).isEqualTo(c);
    }
  }
}
