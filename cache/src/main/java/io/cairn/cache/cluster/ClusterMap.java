package io.cairn.cache.cluster;

import io.cairn.cache.Keys;
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
import io.cairn.cache.partition.Partitioner;
import io.cairn.coordination.machine.ExtensionMachine;
import io.cairn.membership.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongPredicate;

/**
 * The caches' replicated state machine, applied by every voter of the coordination group at the
 * same log indexes as its sessions: which nodes take part (each with the session that is its
 * ownership lease), the cache definitions, who holds each partition now ({@link Assignments}),
 * and the table the partitions move toward. Deterministic and pure: no clock, no I/O.
 *
 * <h2>How holders change</h2>
 *
 * <ul>
 *   <li><b>A session ends</b> (it expired, or its node closed it): at the same log index its node
 *       leaves every partition. Where it owned one, its first backup takes over (a backup has
 *       every acknowledged write); without a backup, the partition keeps the departed node as its
 *       owner (its store has the only complete copy) until it joins again, or until the leader
 *       gives the partition to a member ({@link ClusterCommand.Adopt}: its first pending replica,
 *       which may hold part of the data, else an empty one). The group expires a session only
 *       after its TTL ran out without a keepalive, so by then the node has stopped serving (it
 *       stops at 80% of the TTL counted from when it sent its last acknowledged keepalive).
 *   <li><b>A node joins again with a new session</b> (whether or not its old one ended): its
 *       process was restarted (what it held in memory is gone: the entries of caches without a
 *       store), or it was cut off past its TTL (writes went on without it). It stays a holder of
 *       every partition it still held, but as a pending replica that the owner fills again,
 *       except a partition it owned that has no backup: it keeps owning it, with what its own
 *       store kept. A backup takes over a partition it owned.
 *   <li><b>The owner reports a pending replica in sync</b> ({@link Synced}): it becomes a backup
 *       (or the owner, when the owner handed the partition over).
 *   <li><b>The owner hands a partition to a backup</b> ({@link Transfer}), having stopped serving
 *       it with no write in flight; it becomes the first backup.
 *   <li><b>The coordination leader starts and ends migrations</b> ({@link Reassign}) toward the
 *       target ({@link SetTarget}). A dropped replica is never the owner.
 * </ul>
 *
 * Every command that changes any partition's holders raises the {@link Assignments#epoch()} by
 * one. A command that is stale when it is applied (an owner that is no longer the owner, a node
 * whose session changed) is refused and changes nothing.
 */
public final class ClusterMap implements ExtensionMachine {
  private volatile ClusterView view = ClusterView.EMPTY;

  public ClusterView view() {
    return view;
  }

  /** Applies the command at {@code index}; {@code sessionLive} says which sessions are live there. */
  @Override
  public byte[] apply(long index, byte[] command, LongPredicate sessionLive) {
    ClusterCommand c;
    try {
      c = ClusterCommand.decode(command);
    } catch (IllegalArgumentException e) {
      return refused("a malformed cluster command: " + e.getMessage()).encode();
    }
    return apply(index, c, sessionLive).encode();
  }

  ClusterResult apply(long index, ClusterCommand c, LongPredicate sessionLive) {
    if (c instanceof Join j) {
      return join(index, j, sessionLive);
    } else if (c instanceof Define d) {
      return define(index, d.cache());
    } else if (c instanceof Remove r) {
      return remove(index, r.cache());
    }
    if (!view.formed()) {
      return refused("no node has joined yet");
    }
    if (c instanceof SetTarget t) {
      return setTarget(index, t.target());
    } else if (c instanceof Reassign r) {
      return reassign(index, r);
    } else if (c instanceof Synced s) {
      return synced(index, s);
    } else if (c instanceof Transfer t) {
      return transfer(index, t);
    } else if (c instanceof ClusterCommand.Adopt a) {
      return adopt(index, a);
    }
    throw new IllegalStateException("unhandled cluster command " + c);
  }

  /** The sessions that ended (expired or were closed) at {@code index}, in the order they ended. */
  @Override
  public void sessionsEnded(long index, List<Long> sessions) {
    for (long s : sessions) {
      Member m = view.memberWithSession(s);
      if (m == null) {
        continue;
      }
      TreeMap<NodeId, Member> members = new TreeMap<>(view.members());
      members.remove(m.id());
      Assignments a = view.assignments();
      Assignments.Builder b = a.change();
      for (int p = 0; p < b.partitionCount(); p++) {
        b.set(p, depart(b.get(p), m.id()));
      }
      set(index, members, view.caches(), b.build(), view.target());
    }
  }

  /** The one query: the whole view, encoded ({@link ClusterView#encode}), for an empty query. */
  @Override
  public byte[] answer(byte[] query) {
    if (query.length != 0) {
      throw new IllegalArgumentException("the cluster map answers one query, the empty one");
    }
    return view.encode();
  }

  /** The state, encoded ({@link ClusterView#encode}). */
  @Override
  public byte[] snapshot() {
    return view.encode();
  }

  /** @throws IllegalArgumentException for a malformed snapshot, leaving the state as it was */
  @Override
  public void restore(byte[] snapshot) {
    view = snapshot.length == 0 ? ClusterView.EMPTY : ClusterView.decode(snapshot);
  }

  // ---------------------------------------------------------------- members

  private ClusterResult join(long index, Join j, LongPredicate sessionLive) {
    if (!sessionLive.test(j.session())) {
      return refused("session " + j.session() + " of " + j.node() + " is not live");
    }
    int partitions = view.partitionCount();
    String storeKind = view.storeKind();
    if (partitions == 0) {
      try {
        Partitioner.checkPartitionCount(j.partitionCount());
      } catch (IllegalArgumentException e) {
        return refused(e.getMessage());
      }
      partitions = j.partitionCount();
      storeKind = j.storeKind();
    } else if (j.partitionCount() != partitions) {
      return refused("this cluster has " + partitions + " partitions, fixed when it formed; node " + j.node()
          + " is configured with " + j.partitionCount() + " (cache.partitions)");
    } else if (!j.storeKind().equals(storeKind)) {
      return refused("this cluster's nodes use " + storeKind + " stores; node " + j.node() + " uses "
          + (j.storeKind().isEmpty() ? "none" : j.storeKind()) + " (store.url)");
    }
    Member old = view.members().get(j.node());
    TreeMap<String, CacheDef> caches = new TreeMap<>(view.caches());
    for (CacheDef d : j.caches()) {
      if (Keys.isValidCacheName(d.name())) {
        caches.putIfAbsent(d.name(), d);
      }
    }
    if (old != null && old.session() == j.session() && old.zone().equals(j.zone()) && caches.equals(view.caches())) {
      return done();
    }
    TreeMap<NodeId, Member> members = new TreeMap<>(view.members());
    long since = old != null && old.session() == j.session() ? old.since() : index;
    members.put(j.node(), new Member(j.node(), j.session(), j.zone(), since));
    Assignments a = view.assignments();
    if (a == null) {
      a = Assignments.initial(partitions, j.node());
    } else {
      Assignments.Builder b = a.change();
      if (old == null || old.session() != j.session()) { // a restart, or a return after its session ended
        for (int p = 0; p < b.partitionCount(); p++) {
          b.set(p, restarted(b.get(p), j.node()));
        }
      }
      a = b.build();
    }
    view = new ClusterView(index, partitions, storeKind, members, caches, a, view.target());
    return done();
  }

  /**
   * {@code h} once {@code node} is gone: its first backup takes over what it owned. Without a
   * backup the partition keeps it as its owner, though it is no longer a member: it had the only
   * complete copy (in its store, if it comes back), so the partition waits for it until the leader
   * gives it to a member ({@link ClusterCommand.Adopt}).
   */
  static Holders depart(Holders h, NodeId node) {
    if (!h.holds(node)) {
      return h;
    }
    List<NodeId> backups = Holders.minus(h.backups(), node);
    List<NodeId> pending = Holders.minus(h.pending(), node);
    if (!node.equals(h.owner())) {
      return new Holders(h.owner(), backups, pending);
    }
    if (!backups.isEmpty()) {
      return new Holders(backups.get(0), backups.subList(1, backups.size()), pending);
    }
    return new Holders(node, List.of(), pending); // the last complete copy: wait for it to come back
  }

  /** {@code h} once {@code node} came back with a new session, its memory empty. */
  static Holders restarted(Holders h, NodeId node) {
    if (node.equals(h.owner())) {
      if (h.backups().isEmpty()) {
        return h;
      }
      List<NodeId> backups = h.backups();
      return new Holders(backups.get(0), backups.subList(1, backups.size()), Holders.plus(h.pending(), node));
    }
    if (h.backups().contains(node)) {
      return new Holders(h.owner(), Holders.minus(h.backups(), node), Holders.plus(h.pending(), node));
    }
    return h;
  }

  // ---------------------------------------------------------------- caches

  private ClusterResult define(long index, CacheDef def) {
    if (!Keys.isValidCacheName(def.name())) {
      return refused("not a cache name: '" + def.name() + "'");
    }
    CacheDef existing = view.caches().get(def.name());
    if (existing != null && existing.spec().store() != def.spec().store()) {
      return refused("cache '" + def.name() + "' has store " + existing.spec().store().wireName()
          + "; a live cache's store cannot change to " + def.spec().store().wireName());
    }
    if (existing != null && existing.spec().equals(def.spec())) {
      return new Defined(existing, false, view.revision());
    }
    CacheDef next = existing == null ? def : new CacheDef(def.name(), def.spec(), existing.createdAtMillis());
    TreeMap<String, CacheDef> caches = new TreeMap<>(view.caches());
    caches.put(def.name(), next);
    set(index, view.members(), caches, view.assignments(), view.target());
    return new Defined(next, existing == null, index);
  }

  private ClusterResult remove(long index, String cache) {
    if (!view.caches().containsKey(cache)) {
      return new NoSuchCache(cache);
    }
    TreeMap<String, CacheDef> caches = new TreeMap<>(view.caches());
    caches.remove(cache);
    set(index, view.members(), caches, view.assignments(), view.target());
    return done();
  }

  // ---------------------------------------------------------------- partitions

  private ClusterResult setTarget(long index, PartitionTable target) {
    if (target.partitionCount() != view.partitionCount()) {
      return refused("a target of " + target.partitionCount() + " partitions for a cluster of "
          + view.partitionCount());
    }
    for (NodeId n : target.nodes()) {
      if (!view.members().containsKey(n)) {
        return refused("the target names " + n + ", which is not a member");
      }
    }
    if (target.equals(view.target())) {
      return done();
    }
    set(index, view.members(), view.caches(), view.assignments(), target);
    return done();
  }

  private ClusterResult reassign(long index, Reassign r) {
    Assignments.Builder b = view.assignments().change();
    for (Move m : r.adds()) {
      if (valid(m) && view.members().containsKey(m.node())) {
        Holders h = b.get(m.partition());
        if (h.owner() != null && !h.holds(m.node())) {
          b.set(m.partition(), new Holders(h.owner(), h.backups(), Holders.plus(h.pending(), m.node())));
        }
      }
    }
    for (Move m : r.drops()) {
      if (valid(m)) {
        Holders h = b.get(m.partition());
        if (h.holds(m.node()) && !m.node().equals(h.owner())) {
          b.set(m.partition(), new Holders(h.owner(), Holders.minus(h.backups(), m.node()),
              Holders.minus(h.pending(), m.node())));
        }
      }
    }
    return assign(index, b.build());
  }

  private ClusterResult synced(long index, Synced s) {
    if (!validPartition(s.partition())) {
      return refused("no partition " + s.partition());
    }
    Holders h = view.assignments().holders(s.partition());
    String stale = staleOwner(h, s.owner(), s.ownerSession());
    if (stale != null) {
      return refused(stale);
    }
    Member node = view.members().get(s.node());
    if (node == null || node.session() != s.nodeSession() || !h.pending().contains(s.node())) {
      return refused(s.node() + " (session " + s.nodeSession() + ") is not pending for partition "
          + s.partition() + " any more");
    }
    List<NodeId> pending = Holders.minus(h.pending(), s.node());
    Holders next;
    if (s.handOver()) {
      List<NodeId> backups = new ArrayList<>();
      backups.add(s.owner());
      backups.addAll(h.backups());
      next = new Holders(s.node(), backups, pending);
    } else {
      next = new Holders(h.owner(), Holders.plus(h.backups(), s.node()), pending);
    }
    Assignments.Builder b = view.assignments().change();
    b.set(s.partition(), next);
    return assign(index, b.build());
  }

  private ClusterResult transfer(long index, Transfer t) {
    if (!validPartition(t.partition())) {
      return refused("no partition " + t.partition());
    }
    Holders h = view.assignments().holders(t.partition());
    String stale = staleOwner(h, t.from(), t.fromSession());
    if (stale != null) {
      return refused(stale);
    }
    if (!h.backups().contains(t.to())) {
      return refused(t.to() + " is not a backup of partition " + t.partition());
    }
    List<NodeId> backups = new ArrayList<>();
    backups.add(t.from());
    backups.addAll(Holders.minus(h.backups(), t.to()));
    Assignments.Builder b = view.assignments().change();
    b.set(t.partition(), new Holders(t.to(), backups, h.pending()));
    return assign(index, b.build());
  }

  private ClusterResult adopt(long index, ClusterCommand.Adopt a) {
    Assignments.Builder b = view.assignments().change();
    for (Move m : a.moves()) {
      if (!valid(m) || !view.members().containsKey(m.node())) {
        continue;
      }
      Holders h = b.get(m.partition());
      if (h.owner() != null && view.members().containsKey(h.owner())) {
        continue; // its owner is back, or another took it
      }
      List<NodeId> pending = Holders.minus(h.pending(), m.node());
      b.set(m.partition(), new Holders(m.node(), List.of(), pending));
    }
    return assign(index, b.build());
  }

  /** Why {@code owner} with {@code session} may not speak for a partition held by {@code h}, or null. */
  private String staleOwner(Holders h, NodeId owner, long session) {
    Member m = view.members().get(owner);
    if (!owner.equals(h.owner()) || m == null || m.session() != session) {
      return owner + " (session " + session + ") no longer owns the partition: " + h.owner() + " does";
    }
    return null;
  }

  private boolean valid(Move m) {
    return validPartition(m.partition());
  }

  private boolean validPartition(int p) {
    return p >= 0 && p < view.partitionCount();
  }

  // ---------------------------------------------------------------- helpers

  private ClusterResult assign(long index, Assignments next) {
    if (next != view.assignments()) {
      set(index, view.members(), view.caches(), next, view.target());
    }
    return done();
  }

  private void set(long index, Map<NodeId, Member> members, Map<String, CacheDef> caches, Assignments a,
      PartitionTable target) {
    view = new ClusterView(index, view.partitionCount(), view.storeKind(), new TreeMap<>(members),
        new TreeMap<>(caches), a, target);
  }

  private Refused refused(String reason) {
    return new Refused(reason, view.revision());
  }

  private Done done() {
    return new Done(view.revision(), view.assignments() == null ? 0 : view.assignments().epoch());
  }
}
