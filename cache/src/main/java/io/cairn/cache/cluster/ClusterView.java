package io.cairn.cache.cluster;

import io.cairn.cache.CacheSpec;
import io.cairn.cache.CacheSpec.Capacity;
import io.cairn.cache.CacheSpec.StoreKind;
import io.cairn.cache.partition.PartitionTable;
import io.cairn.coordination.machine.ByteReader;
import io.cairn.coordination.machine.ByteWriter;
import io.cairn.membership.NodeId;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The caches' part of the coordination state as of one log index: what every node routes by. It
 * is the {@link ClusterMap}'s state, and what a node learns when it watches it. Immutable.
 *
 * @param revision the log index of the last change (0 before any)
 * @param partitionCount fixed by the first node that joined; 0 before
 * @param storeKind the kind of store every member must use ({@code embedded} or {@code shared}),
 *     fixed by the first node that joined; {@code ""} before
 * @param members the nodes that take part, by id, each with its current session
 * @param caches the cache definitions, by name
 * @param assignments who holds each partition now; null before the first member joined
 * @param target the table the partitions are being moved toward; null before the first plan
 */
public record ClusterView(long revision, int partitionCount, String storeKind, SortedMap<NodeId, Member> members,
    SortedMap<String, CacheDef> caches, Assignments assignments, PartitionTable target) {

  static final int MAGIC = 0x43434d56; // "CCMV"
  static final int FORMAT = 1;

  public static final ClusterView EMPTY = new ClusterView(0, 0, "", new TreeMap<>(), new TreeMap<>(), null, null);

  public ClusterView {
    Objects.requireNonNull(storeKind, "storeKind");
    members = Collections.unmodifiableSortedMap(new TreeMap<>(members));
    caches = Collections.unmodifiableSortedMap(new TreeMap<>(caches));
  }

  /** Whether the first member has joined (the partition count is fixed). */
  public boolean formed() {
    return assignments != null;
  }

  /** The member whose current session is {@code session}, or null. */
  public Member memberWithSession(long session) {
    for (Member m : members.values()) {
      if (m.session() == session) {
        return m;
      }
    }
    return null;
  }

  /**
   * How many backups the partitions should have: the most any cache asks for ({@link
   * CacheSpec#DEFAULT_BACKUPS} while there is no cache). A partition's replicas hold every cache's
   * entries, so a cache gets at least the backups it asks for.
   */
  public int backupsWanted() {
    int most = -1;
    for (CacheDef d : caches.values()) {
      most = Math.max(most, d.spec().backups());
    }
    return most < 0 ? CacheSpec.DEFAULT_BACKUPS : most;
  }

  ClusterView withRevision(long index) {
    return new ClusterView(index, partitionCount, storeKind, members, caches, assignments, target);
  }

  // ---------------------------------------------------------------- encoding

  /**
   * <pre>
   * view     = u32 magic "CCMV", u8 format (1), i64 revision, u32 partition count, string store kind,
   *            u32 n, n members, u32 c, c caches, u8 has assignments [assignments], u8 has target
   *            [bytes: the target's PartitionTable encoding]
   * member   = string id, i64 session, string zone, i64 since
   * cache    = string name, spec, i64 createdAtMillis
   * spec     = u8 unit (0 entries, 1 bytes), i64 maximum, i64 default TTL ms (0: none),
   *            u8 store (0 none, 1 jdbc), u8 backups
   * </pre>
   */
  public byte[] encode() {
    ByteWriter out = new ByteWriter(256 + (assignments == null ? 0 : assignments.partitionCount() * 12));
    out.i32(MAGIC).u8(FORMAT).i64(revision).i32(partitionCount).string(storeKind);
    out.i32(members.size());
    for (Member m : members.values()) {
      out.string(m.id().value()).i64(m.session()).string(m.zone()).i64(m.since());
    }
    out.i32(caches.size());
    for (CacheDef d : caches.values()) {
      out.string(d.name());
      writeSpec(out, d.spec());
      out.i64(d.createdAtMillis());
    }
    out.u8(assignments == null ? 0 : 1);
    if (assignments != null) {
      assignments.write(out);
    }
    out.u8(target == null ? 0 : 1);
    if (target != null) {
      out.bytes(target.encode());
    }
    return out.toByteArray();
  }

  /** @throws IllegalArgumentException for bytes that {@link #encode} did not produce */
  public static ClusterView decode(byte[] bytes) {
    ByteReader in = new ByteReader(bytes);
    in.snapshotHeader(MAGIC, FORMAT, "cluster map");
    long revision = in.i64("revision");
    int partitionCount = in.i32("partition count");
    String storeKind = in.string("store kind");
    int n = in.count(20, "members");
    TreeMap<NodeId, Member> members = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      Member m = new Member(NodeId.of(in.string("member id")), in.i64("session"), in.string("zone"), in.i64("since"));
      members.put(m.id(), m);
    }
    int c = in.count(24, "caches");
    TreeMap<String, CacheDef> caches = new TreeMap<>();
    for (int i = 0; i < c; i++) {
      String name = in.string("cache name");
      caches.put(name, new CacheDef(name, readSpec(in), in.i64("created at")));
    }
    Assignments assignments = in.u8("has assignments") == 1 ? Assignments.read(in) : null;
    PartitionTable target = in.u8("has target") == 1 ? PartitionTable.decode(in.bytes("target")) : null;
    in.expectEnd("cluster map");
    return new ClusterView(revision, partitionCount, storeKind, members, caches, assignments, target);
  }

  static void writeSpec(ByteWriter out, CacheSpec spec) {
    out.u8(spec.capacity().unit() == Capacity.Unit.ENTRIES ? 0 : 1).i64(spec.capacity().maximum());
    out.i64(spec.defaultTtl() == null ? 0 : spec.defaultTtl().toMillis());
    out.u8(spec.store() == StoreKind.NONE ? 0 : 1).u8(spec.backups());
  }

  static CacheSpec readSpec(ByteReader in) {
    int unit = in.u8("capacity unit");
    long max = in.i64("capacity");
    long ttl = in.i64("default TTL");
    int store = in.u8("store");
    int backups = in.u8("backups");
    if (unit > 1 || store > 1 || ttl < 0) {
      throw new IllegalArgumentException("a malformed cache configuration");
    }
    try {
      return new CacheSpec(unit == 0 ? Capacity.entries(max) : Capacity.bytes(max),
          ttl == 0 ? null : Duration.ofMillis(ttl), store == 0 ? StoreKind.NONE : StoreKind.JDBC, backups);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("a malformed cache configuration: " + e.getMessage(), e);
    }
  }

  /** The members as id to zone, for the planner. */
  public Map<NodeId, String> zones() {
    Map<NodeId, String> zones = new TreeMap<>();
    members.values().forEach(m -> zones.put(m.id(), m.zone()));
    return zones;
  }

  @Override
  public String toString() {
    return "ClusterView[revision " + revision + ", " + members.size() + " members, " + caches.size() + " caches, "
        + assignments + ", target " + (target == null ? "none" : "epoch " + target.epoch()) + "]";
  }
}
