package io.cairn.cache.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cache.cluster.Assignments;
import io.cairn.cache.cluster.ClusterView;
import io.cairn.cache.cluster.Holders;
import io.cairn.cache.cluster.Member;
import io.cairn.cache.replication.ReplicaCore.Action;
import io.cairn.cache.replication.ReplicaCore.Admission;
import io.cairn.cache.replication.ReplicaEffect.Answer;
import io.cairn.cache.replication.ReplicaEffect.DropPartition;
import io.cairn.cache.replication.ReplicaEffect.Send;
import io.cairn.cache.replication.ReplicaEffect.WriteDone;
import io.cairn.cache.replication.ReplicaMessage.Replicate;
import io.cairn.cache.replication.ReplicaMessage.Reply;
import io.cairn.cache.replication.ReplicaMessage.SyncBegin;
import io.cairn.membership.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The replica core's rules, one at a time; {@link ReplicationSimTest} puts them under faults. */
class ReplicaCoreTest {
  static final NodeId A = NodeId.of("a");
  static final NodeId B = NodeId.of("b");
  static final long MS = 1_000_000L;
  static final long T0 = Long.MAX_VALUE - 10_000 * MS; // the clock wraps past Long.MAX_VALUE meanwhile
  static final ReplicaSettings SETTINGS = new ReplicaSettings(1_000 * MS, 100 * MS, 500 * MS);

  private final ReplicaCore a = new ReplicaCore(A, SETTINGS);
  private final ReplicaCore b = new ReplicaCore(B, SETTINGS);

  /** A view at {@code revision}: a (session 1) and b (session 2), partition 0 held as given, 1 owned by b. */
  static ClusterView view(long revision, long epoch, Holders p0) {
    TreeMap<NodeId, Member> members = new TreeMap<>();
    members.put(A, new Member(A, 1, "", 1));
    members.put(B, new Member(B, 2, "", 2));
    return new ClusterView(revision, 2, "embedded", members, new TreeMap<>(),
        Assignments.of(epoch, List.of(p0, Holders.owned(B))), null);
  }

  private static <T> List<T> of(List<ReplicaEffect> effects, Class<T> type) {
    List<T> out = new ArrayList<>();
    for (ReplicaEffect e : effects) {
      if (type.isInstance(e)) {
        out.add(type.cast(e));
      }
    }
    return out;
  }

  @Test
  void anOwnerServesOnlyWithALeaseOfTheSessionItsViewNames() {
    assertThat(a.admit(T0, 0)).isEqualTo(Admission.RETRY); // no view yet
    a.viewChanged(T0, view(5, 1, Holders.owned(A)));
    assertThat(a.admit(T0, 0)).isEqualTo(Admission.NO_LEASE);
    assertThat(a.admit(T0, 1)).isEqualTo(Admission.NOT_OWNER);
    a.leaseRenewed(T0, 7, T0); // a session the view does not name
    assertThat(a.admit(T0, 0)).isEqualTo(Admission.NO_LEASE);
    a.leaseRenewed(T0, 1, T0);
    assertThat(a.admit(T0, 0)).isEqualTo(Admission.SERVE);
    assertThat(a.admit(T0 + 799 * MS, 0)).isEqualTo(Admission.SERVE);
    assertThat(a.admit(T0 + 800 * MS, 0)).isEqualTo(Admission.NO_LEASE); // 80% of the TTL, from the send
    a.leaseRenewed(T0 + 900 * MS, 1, T0 + 500 * MS);
    assertThat(a.admit(T0 + 1_200 * MS, 0)).isEqualTo(Admission.SERVE);
    a.leaseRenewed(T0 + 1_250 * MS, 1, T0 + 100 * MS); // an older keepalive answered late: no going back
    assertThat(a.admit(T0 + 1_250 * MS, 0)).isEqualTo(Admission.SERVE);
    a.leaseEnded(T0 + 1_260 * MS, 1);
    assertThat(a.admit(T0 + 1_260 * MS, 0)).isEqualTo(Admission.NO_LEASE);
  }

  @Test
  void aWriteIsAcknowledgedOnceEveryBackupHasIt() {
    a.viewChanged(T0, view(5, 1, new Holders(A, List.of(B), List.of())));
    a.leaseRenewed(T0, 1, T0);
    a.drainEffects();
    long w = a.beginWrite(T0, 0);
    assertThat(w).isPositive();
    a.replicate(T0, w);
    List<ReplicaEffect> fx = a.drainEffects();
    assertThat(of(fx, Send.class)).containsExactly(new Send(B, new Replicate(0, 1, w, 0)));
    assertThat(of(fx, WriteDone.class)).isEmpty();
    a.tick(T0 + 50 * MS);
    assertThat(of(a.drainEffects(), Send.class)).isEmpty();
    a.tick(T0 + 100 * MS); // unanswered for the retry interval: sent again
    assertThat(of(a.drainEffects(), Send.class)).containsExactly(new Send(B, new Replicate(0, 1, w, 0)));
    a.answered(T0 + 110 * MS, B, new Replicate(0, 1, w, 0), Reply.FAILED);
    assertThat(a.drainEffects()).isEmpty();
    a.answered(T0 + 120 * MS, B, new Replicate(0, 1, w, 0), Reply.OK);
    assertThat(of(a.drainEffects(), WriteDone.class)).containsExactly(new WriteDone(w, true));
    assertThat(a.writesInFlight()).isZero();
  }

  @Test
  void aWriteWhoseBackupLeftTheViewIsAcknowledgedAndOneWhoseOwnerLostThePartitionIsNot() {
    a.viewChanged(T0, view(5, 1, new Holders(A, List.of(B), List.of())));
    a.leaseRenewed(T0, 1, T0);
    long w1 = a.beginWrite(T0, 0);
    a.replicate(T0, w1);
    a.drainEffects();
    a.viewChanged(T0, view(6, 2, Holders.owned(A)));
    assertThat(of(a.drainEffects(), WriteDone.class)).containsExactly(new WriteDone(w1, true));
    long w2 = a.beginWrite(T0, 0);
    a.viewChanged(T0, view(7, 3, new Holders(B, List.of(A), List.of())));
    assertThat(of(a.drainEffects(), WriteDone.class)).containsExactly(new WriteDone(w2, false));
  }

  @Test
  void aWriteWithAllItsAcknowledgementsWaitsForAValidLease() {
    a.viewChanged(T0, view(5, 1, Holders.owned(A)));
    a.leaseRenewed(T0, 1, T0);
    long w = a.beginWrite(T0, 0);
    a.tick(T0 + 900 * MS); // the lease ran out while the write was done locally
    a.replicate(T0 + 900 * MS, w);
    assertThat(of(a.drainEffects(), WriteDone.class)).isEmpty();
    a.leaseRenewed(T0 + 950 * MS, 1, T0 + 940 * MS);
    assertThat(of(a.drainEffects(), WriteDone.class)).containsExactly(new WriteDone(w, true));
  }

  @Test
  void aBackupTakesWritesOnlyFromTheOwnerOfItsViewAndWaitsForANewerView() {
    b.viewChanged(T0, view(5, 1, new Holders(A, List.of(B), List.of())));
    assertThat(b.receive(T0, 1, A, new Replicate(0, 1, 9, 0)).action()).isEqualTo(Action.APPLY);
    assertThat(b.receive(T0, 2, B, new Replicate(0, 1, 9, 0)).action()).isEqualTo(Action.REJECT);
    assertThat(b.receive(T0, 3, A, new Replicate(1, 1, 9, 0)).action()).isEqualTo(Action.REJECT);
    assertThat(b.receive(T0, 4, A, new Replicate(0, 2, 9, 0))).isNull(); // epoch 2: b waits to learn it
    b.drainEffects();
    b.viewChanged(T0, view(6, 2, new Holders(A, List.of(B), List.of())));
    assertThat(of(b.drainEffects(), Answer.class)).containsExactly(
        new Answer(4, new ReplicaCore.Verdict(Action.APPLY, 2)));
    assertThat(b.receive(T0, 5, A, new Replicate(0, 3, 9, 0))).isNull();
    b.tick(T0 + 500 * MS); // it never came
    assertThat(of(b.drainEffects(), Answer.class)).containsExactly(
        new Answer(5, new ReplicaCore.Verdict(Action.REJECT, 2)));
  }

  @Test
  void aPendingReplicaIsEmptiedOncePerSyncAndDropsWhatItNoLongerHolds() {
    b.viewChanged(T0, view(5, 1, new Holders(A, List.of(), List.of(B))));
    assertThat(of(b.drainEffects(), DropPartition.class)).isEmpty(); // b holds both partitions
    assertThat(b.receive(T0, 1, A, new Replicate(0, 1, 9, 0)).action()).isEqualTo(Action.REJECT); // not begun
    assertThat(b.receive(T0, 2, A, new SyncBegin(0, 1, 77)).action()).isEqualTo(Action.APPLY);
    assertThat(b.receive(T0, 3, A, new SyncBegin(0, 1, 77)).action()).isEqualTo(Action.ACK); // a repeat
    assertThat(b.receive(T0, 4, A, new Replicate(0, 1, 9, 0)).action()).isEqualTo(Action.REJECT); // not to this sync
    assertThat(b.receive(T0, 5, A, new Replicate(0, 1, 9, 77)).action()).isEqualTo(Action.APPLY);
    assertThat(b.receive(T0, 6, A, new SyncBegin(0, 1, 76)).action()).isEqualTo(Action.REJECT); // an older sync
    b.viewChanged(T0, view(6, 2, Holders.owned(A)));
    assertThat(of(b.drainEffects(), DropPartition.class)).containsExactly(new DropPartition(0));
  }
}
