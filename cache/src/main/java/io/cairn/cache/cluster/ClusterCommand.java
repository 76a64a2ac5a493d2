package io.cairn.cache.cluster;

import io.cairn.cache.partition.PartitionTable;
import io.cairn.coordination.machine.ByteReader;
import io.cairn.coordination.machine.ByteWriter;
import io.cairn.membership.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The commands of the {@link ClusterMap}, committed through the coordination group's log. Each
 * encodes as one byte naming its kind, then its fields (big-endian; strings as a u32 length and
 * UTF-8).
 */
public sealed interface ClusterCommand {
  byte JOIN = 1;
  byte DEFINE = 2;
  byte REMOVE = 3;
  byte SET_TARGET = 4;
  byte REASSIGN = 5;
  byte SYNCED = 6;
  byte TRANSFER = 7;
  byte ADOPT = 8;

  byte[] encode();

  /**
   * A node takes part in the caches with {@code session} as its ownership lease; a node that
   * joins again with another session was restarted (see {@link ClusterMap}). The caches of its
   * configuration are defined at the same time, each unless it exists already.
   */
  record Join(NodeId node, long session, String zone, int partitionCount, String storeKind, List<CacheDef> caches)
      implements ClusterCommand {
    public Join {
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(zone, "zone");
      Objects.requireNonNull(storeKind, "storeKind");
      caches = List.copyOf(caches);
    }

    public Join(NodeId node, long session, String zone, int partitionCount, String storeKind) {
      this(node, session, zone, partitionCount, storeKind, List.of());
    }

    @Override
    public byte[] encode() {
      ByteWriter out = new ByteWriter(64).u8(JOIN).string(node.value()).i64(session).string(zone).i32(partitionCount)
          .string(storeKind).i32(caches.size());
      for (CacheDef d : caches) {
        out.string(d.name());
        ClusterView.writeSpec(out, d.spec());
        out.i64(d.createdAtMillis());
      }
      return out.toByteArray();
    }
  }

  /** Creates a cache, or reconfigures it (its store cannot change); {@code createdAtMillis} for a new one. */
  record Define(CacheDef cache) implements ClusterCommand {
    public Define {
      Objects.requireNonNull(cache, "cache");
    }

    @Override
    public byte[] encode() {
      ByteWriter out = new ByteWriter(64).u8(DEFINE).string(cache.name());
      ClusterView.writeSpec(out, cache.spec());
      return out.i64(cache.createdAtMillis()).toByteArray();
    }
  }

  record Remove(String cache) implements ClusterCommand {
    public Remove {
      Objects.requireNonNull(cache, "cache");
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(32).u8(REMOVE).string(cache).toByteArray();
    }
  }

  /** The table the partitions move toward (the planner's, proposed by the coordination leader). */
  record SetTarget(PartitionTable target) implements ClusterCommand {
    public SetTarget {
      Objects.requireNonNull(target, "target");
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(1024).u8(SET_TARGET).bytes(target.encode()).toByteArray();
    }
  }

  /** Migrations to start ({@code adds}: pending replicas) and replicas no longer wanted ({@code drops}). */
  record Reassign(List<Move> adds, List<Move> drops) implements ClusterCommand {
    public Reassign {
      adds = List.copyOf(adds);
      drops = List.copyOf(drops);
    }

    @Override
    public byte[] encode() {
      ByteWriter out = new ByteWriter(64).u8(REASSIGN);
      writeMoves(out, adds);
      writeMoves(out, drops);
      return out.toByteArray();
    }
  }

  /**
   * The owner ({@code owner} with {@code ownerSession}) reports that pending replica {@code node}
   * (with {@code nodeSession}) has everything: it becomes a backup, or the owner when {@code
   * handOver} (the owner then stopped serving the partition first and becomes a backup).
   */
  record Synced(int partition, NodeId owner, long ownerSession, NodeId node, long nodeSession, boolean handOver)
      implements ClusterCommand {
    public Synced {
      Objects.requireNonNull(owner, "owner");
      Objects.requireNonNull(node, "node");
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(64).u8(SYNCED).i32(partition).string(owner.value()).i64(ownerSession)
          .string(node.value()).i64(nodeSession).u8(handOver ? 1 : 0).toByteArray();
    }
  }

  /**
   * The owner ({@code from} with {@code fromSession}), which stopped serving the partition and has
   * no write in flight, hands it to backup {@code to}, and becomes its first backup.
   */
  record Transfer(int partition, NodeId from, long fromSession, NodeId to) implements ClusterCommand {
    public Transfer {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(64).u8(TRANSFER).i32(partition).string(from.value()).i64(fromSession)
          .string(to.value()).toByteArray();
    }
  }

  /**
   * Partitions whose owner left without a backup, given to members by the leader once that owner
   * has not come back for a while: each {@code node} becomes the owner (of whatever it has).
   */
  record Adopt(List<Move> moves) implements ClusterCommand {
    public Adopt {
      moves = List.copyOf(moves);
    }

    @Override
    public byte[] encode() {
      ByteWriter out = new ByteWriter(64).u8(ADOPT);
      writeMoves(out, moves);
      return out.toByteArray();
    }
  }

  /** @throws IllegalArgumentException for bytes no command encodes to */
  public static ClusterCommand decode(byte[] bytes) {
    ByteReader in = new ByteReader(bytes);
    int kind = in.u8("kind");
    ClusterCommand c = switch (kind) {
      case JOIN -> {
        NodeId node = NodeId.of(in.string("node"));
        long session = in.i64("session");
        String zone = in.string("zone");
        int partitions = in.i32("partition count");
        String storeKind = in.string("store kind");
        int n = in.count(24, "caches");
        List<CacheDef> caches = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          String name = in.string("cache");
          caches.add(new CacheDef(name, ClusterView.readSpec(in), in.i64("created at")));
        }
        yield new Join(node, session, zone, partitions, storeKind, caches);
      }
      case DEFINE -> {
        String name = in.string("cache");
        yield new Define(new CacheDef(name, ClusterView.readSpec(in), in.i64("created at")));
      }
      case REMOVE -> new Remove(in.string("cache"));
      case SET_TARGET -> new SetTarget(PartitionTable.decode(in.bytes("target")));
      case REASSIGN -> new Reassign(readMoves(in), readMoves(in));
      case SYNCED -> new Synced(in.i32("partition"), NodeId.of(in.string("owner")), in.i64("owner session"),
          NodeId.of(in.string("node")), in.i64("node session"), in.u8("hand over") == 1);
      case ADOPT -> new Adopt(readMoves(in));
      case TRANSFER -> new Transfer(in.i32("partition"), NodeId.of(in.string("from")), in.i64("from session"),
          NodeId.of(in.string("to")));
      default -> throw new IllegalArgumentException("unknown cluster command " + kind);
    };
    in.expectEnd("cluster command");
    return c;
  }

  private static void writeMoves(ByteWriter out, List<Move> moves) {
    out.i32(moves.size());
    for (Move m : moves) {
      out.i32(m.partition()).string(m.node().value());
    }
  }

  private static List<Move> readMoves(ByteReader in) {
    int n = in.count(9, "moves");
    List<Move> moves = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      moves.add(new Move(in.i32("partition"), NodeId.of(in.string("node"))));
    }
    return moves;
  }
}
