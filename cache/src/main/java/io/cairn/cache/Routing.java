package io.cairn.cache;

import io.cairn.cache.cluster.ClusterView;
import io.cairn.cache.cluster.Member;
import io.cairn.cache.replication.ReplicaCore.Admission;
import io.cairn.membership.NodeId;
import java.util.BitSet;
import java.util.Set;

/**
 * What a node routes by, as its replica core last saw it: the view of the cluster map, whether
 * its lease is valid and until when, and the partitions it is handing over. Immutable, published
 * by the core's context after every change, read by any thread without a lock (a GET that hits
 * memory never leaves its event loop).
 */
final class Routing {
  static final Routing NONE = new Routing(null, ClusterView.EMPTY, false, 0, Set.of());

  final NodeId self;
  final ClusterView view;
  private final boolean leaseHeld;
  private final long leaseUntil;
  private final BitSet handingOver = new BitSet();

  /**
   * @param leaseHeld whether the lease belongs to the session the view names for this node
   * @param leaseUntil the monotonic time the lease stops being valid at
   */
  Routing(NodeId self, ClusterView view, boolean leaseHeld, long leaseUntil, Set<Integer> handingOver) {
    this.self = self;
    this.view = view;
    this.leaseHeld = leaseHeld;
    this.leaseUntil = leaseUntil;
    handingOver.forEach(this.handingOver::set);
  }

  boolean formed() {
    return view.formed();
  }

  long epoch() {
    return view.formed() ? view.assignments().epoch() : 0;
  }

  /** The owner of {@code partition}, or null before the cluster formed. */
  NodeId owner(int partition) {
    return view.formed() ? view.assignments().owner(partition) : null;
  }

  /** The same rule as {@link io.cairn.cache.replication.ReplicaCore#admit}, at {@code nowNanos}. */
  Admission admit(long nowNanos, int partition) {
    if (!view.formed() || partition >= view.partitionCount()) {
      return Admission.RETRY;
    }
    if (!self.equals(view.assignments().owner(partition))) {
      return Admission.NOT_OWNER;
    }
    if (!leaseValid(nowNanos)) {
      return Admission.NO_LEASE;
    }
    return handingOver.get(partition) ? Admission.RETRY : Admission.SERVE;
  }

  /** Whether the view names the session of this node's lease: its current process has joined. */
  boolean joined() {
    return leaseHeld;
  }

  boolean leaseValid(long nowNanos) {
    return leaseHeld && nowNanos - leaseUntil < 0;
  }

  /** Whether {@code node} is a member now (its current session joined). */
  boolean member(NodeId node) {
    Member m = view.members().get(node);
    return m != null;
  }
}
