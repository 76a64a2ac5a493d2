package io.cairn.cache.cluster;

import io.cairn.coordination.machine.ByteReader;
import io.cairn.coordination.machine.ByteWriter;
import io.cairn.membership.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The partitions as they are held now, at one epoch: for every partition its {@link Holders}.
 * Routing follows it: the owner here is the only node that may serve the partition. The epoch
 * grows by one with every committed change. Immutable.
 */
public final class Assignments {
  private final long epoch;
  private final Holders[] holders;

  private Assignments(long epoch, Holders[] holders) {
    if (epoch < 1) {
      throw new IllegalArgumentException("an epoch is at least 1, not " + epoch);
    }
    this.epoch = epoch;
    this.holders = holders;
  }

  /** Epoch 1: every one of {@code partitions} partitions owned by {@code owner}, no backups. */
  public static Assignments initial(int partitions, NodeId owner) {
    Holders[] all = new Holders[partitions];
    Arrays.fill(all, Holders.owned(owner));
    return new Assignments(1, all);
  }

  public static Assignments of(long epoch, List<Holders> holders) {
    return new Assignments(epoch, holders.toArray(new Holders[0]));
  }

  public long epoch() {
    return epoch;
  }

  public int partitionCount() {
    return holders.length;
  }

  public Holders holders(int partition) {
    return holders[partition];
  }

  /** The owner of {@code partition}, or null when nobody holds it. */
  public NodeId owner(int partition) {
    return holders[partition].owner();
  }

  /** Every partition's holders, in partition order. */
  public List<Holders> all() {
    return List.of(holders);
  }

  /** How many partitions each node owns. */
  public Map<NodeId, Integer> ownedCounts() {
    Map<NodeId, Integer> counts = new TreeMap<>();
    for (Holders h : holders) {
      if (h.owner() != null) {
        counts.merge(h.owner(), 1, Integer::sum);
      }
    }
    return counts;
  }

  /** How many pending replicas there are: migrations under way. */
  public int pendingCount() {
    int n = 0;
    for (Holders h : holders) {
      n += h.pending().size();
    }
    return n;
  }

  /** A copy to change: {@link Builder#build} gives the next epoch if anything changed, else this. */
  Builder change() {
    return new Builder(this);
  }

  /** Changes to an {@link Assignments}, applied at once with one new epoch. */
  static final class Builder {
    private final Assignments base;
    private final Holders[] next;
    private boolean changed;

    private Builder(Assignments base) {
      this.base = base;
      this.next = base.holders.clone();
    }

    Holders get(int partition) {
      return next[partition];
    }

    void set(int partition, Holders h) {
      if (!h.equals(next[partition])) {
        next[partition] = h;
        changed = true;
      }
    }

    int partitionCount() {
      return next.length;
    }

    Assignments build() {
      return changed ? new Assignments(base.epoch + 1, next) : base;
    }
  }

  // ---------------------------------------------------------------- encoding

  /** Writes the epoch, a table of the node ids used, and per partition the holders by index. */
  void write(ByteWriter out) {
    Map<NodeId, Integer> index = new HashMap<>();
    List<NodeId> nodes = new ArrayList<>();
    for (Holders h : holders) {
      for (NodeId n : h.all()) {
        if (index.putIfAbsent(n, nodes.size()) == null) {
          nodes.add(n);
        }
      }
    }
    out.i64(epoch).i32(holders.length).i32(nodes.size());
    for (NodeId n : nodes) {
      out.string(n.value());
    }
    for (Holders h : holders) {
      out.i32(h.owner() == null ? -1 : index.get(h.owner()));
      out.u8(h.backups().size());
      for (NodeId n : h.backups()) {
        out.i32(index.get(n));
      }
      out.u8(h.pending().size());
      for (NodeId n : h.pending()) {
        out.i32(index.get(n));
      }
    }
  }

  static Assignments read(ByteReader in) {
    long epoch = in.i64("epoch");
    int partitions = in.count(6, "partitions");
    int nodeCount = in.count(4, "nodes");
    NodeId[] nodes = new NodeId[nodeCount];
    for (int i = 0; i < nodeCount; i++) {
      nodes[i] = NodeId.of(in.string("node id"));
    }
    Holders[] all = new Holders[partitions];
    for (int p = 0; p < partitions; p++) {
      int owner = in.i32("owner");
      NodeId o = owner == -1 ? null : node(nodes, owner);
      List<NodeId> backups = nodeList(in, nodes, "backups");
      List<NodeId> pending = nodeList(in, nodes, "pending");
      all[p] = o == null && backups.isEmpty() && pending.isEmpty() ? Holders.NONE : new Holders(o, backups, pending);
    }
    return new Assignments(epoch, all);
  }

  private static List<NodeId> nodeList(ByteReader in, NodeId[] nodes, String what) {
    int n = in.u8(what);
    List<NodeId> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add(node(nodes, in.i32(what)));
    }
    return list;
  }

  private static NodeId node(NodeId[] nodes, int index) {
    if (index < 0 || index >= nodes.length) {
      throw new IllegalArgumentException("node index " + index + " of " + nodes.length);
    }
    return nodes[index];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Assignments a && a.epoch == epoch && Arrays.equals(a.holders, holders);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(epoch) * 31 + Arrays.hashCode(holders);
  }

  @Override
  public String toString() {
    return "Assignments[epoch " + epoch + ", owned " + ownedCounts() + ", " + pendingCount() + " pending]";
  }
}
