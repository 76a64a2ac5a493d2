package io.cairn.cache.cluster;

import io.cairn.membership.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Who holds one partition now: the owner, which serves it; the backups, which have every write
 * the owner acknowledged (in the order they take over); and the pending replicas, which are being
 * filled by a migration and hold only part of the data until the owner reports them in sync. All
 * distinct. A partition whose every holder is gone has no holder at all (owner null) until a
 * member is given it.
 */
public record Holders(NodeId owner, List<NodeId> backups, List<NodeId> pending) {
  public static final Holders NONE = new Holders(null, List.of(), List.of());

  public Holders {
    backups = List.copyOf(backups);
    pending = List.copyOf(pending);
    List<NodeId> all = new ArrayList<>(backups);
    all.addAll(pending);
    if (owner != null) {
      all.add(owner);
    } else if (!all.isEmpty()) {
      throw new IllegalArgumentException("replicas without an owner: " + all);
    }
    if (all.stream().distinct().count() != all.size()) {
      throw new IllegalArgumentException("a node holds a partition twice: " + owner + " " + backups + " " + pending);
    }
  }

  public static Holders owned(NodeId owner) {
    return new Holders(Objects.requireNonNull(owner, "owner"), List.of(), List.of());
  }

  /** Whether {@code node} holds any replica, complete or not. */
  public boolean holds(NodeId node) {
    return node.equals(owner) || backups.contains(node) || pending.contains(node);
  }

  /** Whether {@code node} has every acknowledged write: the owner or a backup. */
  public boolean inSync(NodeId node) {
    return node.equals(owner) || backups.contains(node);
  }

  /** The owner, then the backups, then the pending replicas. */
  public List<NodeId> all() {
    List<NodeId> all = new ArrayList<>(1 + backups.size() + pending.size());
    if (owner != null) {
      all.add(owner);
    }
    all.addAll(backups);
    all.addAll(pending);
    return all;
  }

  static List<NodeId> minus(List<NodeId> list, NodeId node) {
    if (!list.contains(node)) {
      return list;
    }
    List<NodeId> out = new ArrayList<>(list);
    out.remove(node);
    return out;
  }

  static List<NodeId> plus(List<NodeId> list, NodeId node) {
    List<NodeId> out = new ArrayList<>(list);
    out.add(node);
    return out;
  }
}
