package io.cairn.cache.partition;

import io.cairn.membership.NodeId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Who holds each partition at one epoch: for every partition an owner and an ordered list of
 * backups, all distinct nodes, and the same number of backups for every partition. A cache
 * configured with fewer backups than the table has uses the first ones. Immutable.
 *
 * <p>The epoch increases by one with every table the coordination group commits, so two tables are
 * ordered by epoch alone and a node can tell that the table it routes by is stale.
 *
 * <p>The table travels through Raft in one canonical encoding (equal tables give equal bytes, and
 * {@link #decode} accepts nothing else), big-endian:
 *
 * <pre>
 * table       = u32 magic "CPTB", u8 format (1), i64 epoch (at least 1),
 *               u16 partition count P (1..65,535), u8 replicas r (1..4: the owner and r-1 backups),
 *               u16 node count N, N nodes, P assignments, and nothing after
 * node        = u8 length (1..63), that many bytes: a valid NodeId, in ASCII;
 *               strictly ascending, and each one holds at least one replica
 * assignment  = r u16 node indexes (each below N, distinct): the owner, then the backups in order
 * </pre>
 */
public final class PartitionTable {
  /** The most backups a partition may have. */
  public static final int MAX_BACKUPS = 3;

  static final int MAGIC = 0x43505442; // "CPTB"
  static final int FORMAT = 1;
  private static final int HEADER_BYTES = 4 + 1 + 8 + 2 + 1 + 2;

  private final long epoch;
  private final NodeId[][] replicas;
  private final List<NodeId> nodes;

  private PartitionTable(long epoch, NodeId[][] replicas) {
    this.epoch = epoch;
    this.replicas = replicas;
    TreeSet<NodeId> all = new TreeSet<>();
    for (NodeId[] r : replicas) {
      all.addAll(Arrays.asList(r));
    }
    this.nodes = List.copyOf(all);
  }

  /**
   * A table at {@code epoch} whose partition {@code p} is held by {@code replicas.get(p)}: the owner
   * first, then the backups in order.
   *
   * @throws IllegalArgumentException if the epoch is below 1, the partition count is outside
   *     1..65,535, a partition has no owner, more than {@value #MAX_BACKUPS} backups, a repeated
   *     node or another number of backups than partition 0
   */
  public static PartitionTable of(long epoch, List<? extends List<NodeId>> replicas) {
    if (epoch < 1) {
      throw new IllegalArgumentException("an epoch is at least 1, not " + epoch);
    }
    Partitioner.checkPartitionCount(replicas.size());
    int r = replicas.get(0).size();
    if (r < 1 || r > MAX_BACKUPS + 1) {
      throw new IllegalArgumentException("a partition has an owner and 0 to " + MAX_BACKUPS
          + " backups, not " + r + " replicas");
    }
    NodeId[][] copy = new NodeId[replicas.size()][];
    for (int p = 0; p < copy.length; p++) {
      List<NodeId> list = replicas.get(p);
      if (list.size() != r) {
        throw new IllegalArgumentException("partition " + p + " has " + list.size()
            + " replicas, partition 0 has " + r + ": every partition has as many");
      }
      copy[p] = list.toArray(new NodeId[0]);
      for (int i = 0; i < r; i++) {
        if (copy[p][i] == null) {
          throw new IllegalArgumentException("partition " + p + ": a replica is null");
        }
        for (int j = 0; j < i; j++) {
          if (copy[p][i].equals(copy[p][j])) {
            throw new IllegalArgumentException("partition " + p + " has " + copy[p][i] + " twice: " + list);
          }
        }
      }
    }
    PartitionTable table = new PartitionTable(epoch, copy);
    if (table.nodes.size() > 0xffff) {
      throw new IllegalArgumentException("a table names at most 65,535 nodes, not " + table.nodes.size());
    }
    return table;
  }

  public long epoch() {
    return epoch;
  }

  public int partitionCount() {
    return replicas.length;
  }

  /** How many backups every partition has. */
  public int backupCount() {
    return replicas[0].length - 1;
  }

  /** The owner of {@code partition}. */
  public NodeId owner(int partition) {
    return replicas[partition][0];
  }

  /** The backups of {@code partition}, in order: first backup first. */
  public List<NodeId> backups(int partition) {
    NodeId[] r = replicas[partition];
    return List.of(Arrays.copyOfRange(r, 1, r.length));
  }

  /** The owner of {@code partition}, then its backups in order. */
  public List<NodeId> replicas(int partition) {
    return List.of(replicas[partition]);
  }

  /** Every node that holds a replica, in ascending order. */
  public List<NodeId> nodes() {
    return nodes;
  }

  /** The same assignments at another epoch (at least 1). */
  public PartitionTable withEpoch(long newEpoch) {
    if (newEpoch < 1) {
      throw new IllegalArgumentException("an epoch is at least 1, not " + newEpoch);
    }
    return new PartitionTable(newEpoch, replicas);
  }

  /** Whether {@code other} assigns every partition to the same owner and backups, in order. */
  public boolean sameAssignments(PartitionTable other) {
    return Arrays.deepEquals(replicas, other.replicas);
  }

  /** The canonical encoding described in the class comment. */
  public byte[] encode() {
    Map<NodeId, Integer> index = new HashMap<>();
    int nodeBytes = 0;
    for (NodeId n : nodes) {
      index.put(n, index.size());
      nodeBytes += 1 + n.value().length();
    }
    int r = replicas[0].length;
    ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + nodeBytes + replicas.length * r * 2);
    out.putInt(MAGIC).put((byte) FORMAT).putLong(epoch);
    out.putShort((short) replicas.length).put((byte) r).putShort((short) nodes.size());
    for (NodeId n : nodes) {
      byte[] ascii = n.value().getBytes(StandardCharsets.US_ASCII);
      out.put((byte) ascii.length).put(ascii);
    }
    for (NodeId[] rs : replicas) {
      for (NodeId n : rs) {
        out.putShort((short) (int) index.get(n));
      }
    }
    return out.array();
  }

  /**
   * The table encoded in {@code bytes}. Everything is checked: the magic and format, the epoch, the
   * counts against their limits and against the bytes left, every node id, the node list strictly
   * ascending with no node unused, every index in range and distinct within its partition, and no
   * trailing bytes. So only {@link #encode()}'s output of a valid table decodes.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static PartitionTable decode(byte[] bytes) {
    if (bytes == null) {
      throw new IllegalArgumentException("no bytes");
    }
    ByteBuffer in = ByteBuffer.wrap(bytes);
    need(in, HEADER_BYTES, "header");
    int magic = in.getInt();
    if (magic != MAGIC) {
      throw new IllegalArgumentException("not a partition table (magic " + Integer.toHexString(magic) + ")");
    }
    int format = in.get() & 0xff;
    if (format != FORMAT) {
      throw new IllegalArgumentException("partition table format " + format + ", this node knows " + FORMAT);
    }
    long epoch = in.getLong();
    if (epoch < 1) {
      throw new IllegalArgumentException("epoch " + epoch + " is below 1");
    }
    int partitions = in.getShort() & 0xffff;
    if (partitions < Partitioner.MIN_PARTITION_COUNT) {
      throw new IllegalArgumentException("partition count " + partitions);
    }
    int r = in.get() & 0xff;
    if (r < 1 || r > MAX_BACKUPS + 1) {
      throw new IllegalArgumentException("replicas per partition " + r + " outside 1.." + (MAX_BACKUPS + 1));
    }
    int nodeCount = in.getShort() & 0xffff;
    if (nodeCount < r || nodeCount > in.remaining() / 2) {
      throw new IllegalArgumentException("node count " + nodeCount + " is below " + r
          + " replicas or does not fit in the " + in.remaining() + " bytes left");
    }
    NodeId[] nodes = new NodeId[nodeCount];
    for (int i = 0; i < nodeCount; i++) {
      int len = in.get() & 0xff;
      need(in, len, "node " + i);
      byte[] ascii = new byte[len];
      in.get(ascii);
      String value = new String(ascii, StandardCharsets.US_ASCII);
      if (!NodeId.isValid(value) || value.length() != len) {
        throw new IllegalArgumentException("node " + i + " is not a valid node id");
      }
      nodes[i] = NodeId.of(value);
      if (i > 0 && nodes[i - 1].compareTo(nodes[i]) >= 0) {
        throw new IllegalArgumentException("node ids out of order or repeated at " + i);
      }
      if (i + 1 < nodeCount) {
        need(in, 1, "node " + (i + 1));
      }
    }
    long assignmentBytes = (long) partitions * r * 2;
    if (in.remaining() != assignmentBytes) {
      throw new IllegalArgumentException(partitions + " partitions of " + r + " replicas need "
          + assignmentBytes + " bytes, " + in.remaining() + " are left");
    }
    boolean[] used = new boolean[nodeCount];
    List<List<NodeId>> replicas = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) {
      NodeId[] rs = new NodeId[r];
      for (int i = 0; i < r; i++) {
        int index = in.getShort() & 0xffff;
        if (index >= nodeCount) {
          throw new IllegalArgumentException("partition " + p + ": node index " + index + " of " + nodeCount);
        }
        rs[i] = nodes[index];
        used[index] = true;
      }
      replicas.add(Arrays.asList(rs));
    }
    for (int i = 0; i < nodeCount; i++) {
      if (!used[i]) {
        throw new IllegalArgumentException("node " + nodes[i] + " is listed but holds no replica");
      }
    }
    return of(epoch, replicas);
  }

  private static void need(ByteBuffer in, int n, String what) {
    if (in.remaining() < n) {
      throw new IllegalArgumentException("truncated: " + what + " needs " + n + " bytes, " + in.remaining() + " left");
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PartitionTable t && t.epoch == epoch && sameAssignments(t);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(epoch) * 31 + Arrays.deepHashCode(replicas);
  }

  /** The epoch and the partitions each node owns and backs up: short enough for a log line. */
  @Override
  public String toString() {
    Map<NodeId, int[]> counts = new HashMap<>();
    for (NodeId[] rs : replicas) {
      for (int i = 0; i < rs.length; i++) {
        counts.computeIfAbsent(rs[i], k -> new int[2])[i == 0 ? 0 : 1]++;
      }
    }
    List<String> parts = new ArrayList<>();
    for (NodeId n : nodes) {
      int[] c = counts.get(n);
      parts.add(n + "=" + c[0] + "+" + c[1]);
    }
    return "PartitionTable[epoch " + epoch + ", " + replicas.length + " partitions, " + backupCount()
        + " backups, owned+backed up: " + String.join(" ", parts) + "]";
  }
}
