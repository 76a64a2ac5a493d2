package io.cairn.cache.replication;

import io.cairn.cache.replication.ReplicationSim.ClientOp;
import io.cairn.cache.replication.ReplicationSim.OpResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The operations of a {@link ReplicationSim} on each key, and the checks that every history of a
 * register kept by one owner at a time must pass (versions are unique per key and grow with the
 * order in which the owners applied the writes):
 *
 * <ol>
 *   <li>a read returns what some write wrote (a put with that version and value, invoked before
 *       the read ended), or nothing after a delete;
 *   <li>a read sees every write acknowledged before it began (a version at least as high), unless
 *       since that acknowledgement more nodes failed than the cache has backups, or as many as
 *       held the write when it was acknowledged;
 *   <li>reads in real-time order do not go back in version (with the same proviso);
 *   <li>acknowledged writes in real-time order have increasing versions.
 * </ol>
 */
final class History {
  static final class Op {
    final ClientOp op;
    final long invoke;
    final long failuresAtInvoke;
    long complete = Long.MAX_VALUE;
    long failuresAtComplete;
    /** A write's version as its owner assigned it (0 if never executed). */
    long assigned;
    /** How many nodes held an acknowledged write (the owner and its backups). */
    int replicas;
    /**
     * The failures counted when the owner acknowledged the write (before its answer reached the
     * client, which may be later), or -1: from then on at most the cache's backups may fail.
     */
    long failuresAtAck = -1;
    OpResult result;

    Op(ClientOp op, long invoke, long failures) {
      this.op = op;
      this.invoke = invoke;
      this.failuresAtInvoke = failures;
    }

    boolean acked() {
      return op.write() && result != null && !result.unknown() && complete != Long.MAX_VALUE;
    }

    boolean readDone() {
      return !op.write() && result != null && complete != Long.MAX_VALUE;
    }

    @Override
    public String toString() {
      return "op " + op.id() + " " + (op.kind() == 0 ? "read" : op.kind() == 1 ? "put " + op.value() : "delete") + " "
          + op.key() + " [" + invoke / 1_000_000 + ".." + (complete == Long.MAX_VALUE ? "?" : complete / 1_000_000)
          + " ms] v" + assigned + " -> " + result;
    }
  }

  private final Map<Long, Op> byId = new HashMap<>();
  private final Map<String, List<Op>> byKey = new HashMap<>();
  long ackedWrites;
  long unknownWrites;
  long reads;
  long failedOps;

  Op invoke(ClientOp op, long now, long failures) {
    Op o = new Op(op, now, failures);
    byId.put(op.id(), o);
    byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(o);
    return o;
  }

  void assigned(long opId, long version) {
    Op o = byId.get(opId);
    if (o.assigned != 0) {
      throw new IllegalStateException("op " + opId + " executed twice: versions " + o.assigned + " and " + version);
    }
    o.assigned = version;
  }

  /** The owner acknowledged write {@code opId} when {@code failures} had been counted. */
  void acknowledged(long opId, long failures) {
    Op o = byId.get(opId);
    if (o != null && o.failuresAtAck < 0) {
      o.failuresAtAck = failures;
    }
  }

  void complete(Op o, OpResult r, long now, long failures) {
    o.complete = now;
    o.failuresAtComplete = failures;
    o.result = r;
    o.replicas = r == null ? 0 : r.replicas();
    if (r == null) {
      failedOps++;
      if (o.op.write() && o.assigned != 0) {
        throw new IllegalStateException(o + ": reported not done, but its owner executed it");
      }
    } else if (o.op.write()) {
      if (r.unknown()) {
        unknownWrites++;
      } else {
        ackedWrites++;
      }
    } else {
      reads++;
    }
  }

  void check(ReplicationSim sim) {
    for (Map.Entry<String, List<Op>> e : byKey.entrySet()) {
      checkKey(e.getKey(), e.getValue(), sim.backups);
    }
  }

  private void checkKey(String key, List<Op> ops, int backups) {
    Map<Long, Op> writes = new HashMap<>();
    List<Op> acked = new ArrayList<>();
    List<Op> reads = new ArrayList<>();
    for (Op o : ops) {
      if (o.op.write() && o.assigned != 0) {
        writes.put(o.assigned, o);
      }
      if (o.acked()) {
        if (o.result.version() != o.assigned) {
          throw new IllegalStateException(o + ": acknowledged with another version than its owner assigned");
        }
        acked.add(o);
      } else if (o.readDone()) {
        reads.add(o);
      }
    }
    for (Op w1 : acked) {
      for (Op w2 : acked) {
        if (w1.complete < w2.invoke && w1.assigned >= w2.assigned) {
          throw new IllegalStateException("VERSIONS WENT BACK on " + key + ": " + w1 + " then " + w2);
        }
      }
    }
    for (Op r : reads) {
      long v = r.result.version();
      Op source = writes.get(Math.abs(v));
      if (v > 0) {
        if (source == null || source.op.kind() != 1 || !source.op.value().equals(r.result.value())
            || source.invoke > r.complete) {
          throw new IllegalStateException("A READ OF NOTHING WRITTEN on " + key + ": " + r + " (source " + source + ")");
        }
      } else if (v < 0 && (source == null || source.op.kind() != 2)) {
        throw new IllegalStateException("A DELETE THAT NEVER WAS on " + key + ": " + r + " (source " + source + ")");
      }
      Op latest = null;
      for (Op w : acked) {
        if (w.complete < r.invoke && (latest == null || w.assigned > latest.assigned)) {
          latest = w;
        }
      }
      // the guarantee: the cache's backups, or fewer when fewer nodes held the write
      int survives = Math.min(latest == null ? 0 : latest.replicas, backups + 1);
      long failuresSince = latest == null ? 0 : r.failuresAtComplete
          - (latest.failuresAtAck >= 0 ? latest.failuresAtAck : latest.failuresAtComplete);
      if (latest != null && failuresSince < survives) {
        boolean fresh;
        if (v != 0) {
          fresh = Math.abs(v) >= latest.assigned;
        } else {
          // absent, and this node no longer knows which delete made it so
          fresh = latest.op.kind() == 2;
          for (Op w : writes.values()) {
            fresh |= w.op.kind() == 2 && w.assigned > latest.assigned && w.invoke < r.complete;
          }
        }
        if (!fresh) {
          throw new IllegalStateException("A LOST OR STALE WRITE on " + key + ": " + r + " began after " + latest
              + " was acknowledged by " + latest.replicas + " node(s), with " + failuresSince
              + " failure(s) since its owner acknowledged it");
        }
      }
    }
    for (Op r1 : reads) {
      for (Op r2 : reads) {
        long v1 = Math.abs(r1.result.version());
        long v2 = Math.abs(r2.result.version());
        if (r1.complete < r2.invoke && v1 != 0 && v2 != 0 && v2 < v1 && r2.failuresAtComplete == r1.failuresAtComplete) {
          throw new IllegalStateException("A READ WENT BACK on " + key + ": " + r1 + " then " + r2);
        }
      }
    }
  }
}
