package io.cairn.cache.replication;

import io.cairn.cache.cluster.ClusterCommand;
import io.cairn.membership.NodeId;
import java.util.Objects;

/** What the {@link ReplicaCore} owes the world, drained by its shell in order. */
public sealed interface ReplicaEffect {
  /** Send {@code message} to {@code to} as a request, and report its reply with {@code answered}. */
  record Send(NodeId to, ReplicaMessage message) implements ReplicaEffect {
    public Send {
      Objects.requireNonNull(to, "to");
      Objects.requireNonNull(message, "message");
    }
  }

  /**
   * Write {@code writeId} is over: {@code acknowledged} when every holder that must have it has it
   * (install it and answer success), otherwise its outcome is unknown (this node stopped owning
   * the partition, or its lease ran out, while the write was in flight).
   */
  record WriteDone(long writeId, boolean acknowledged) implements ReplicaEffect {}

  /** Read chunk {@code seq} of the partition for sync {@code syncId}, then report {@code chunkRead}. */
  record ReadChunk(int partition, long syncId, int seq) implements ReplicaEffect {}

  /** Propose {@code command} to the coordination group, and report the result with {@code proposed}. */
  record Propose(ClusterCommand command) implements ReplicaEffect {
    public Propose {
      Objects.requireNonNull(command, "command");
    }
  }

  /** The decision on inbound request {@code requestId}, which had to wait for a newer view. */
  record Answer(long requestId, ReplicaCore.Verdict verdict) implements ReplicaEffect {
    public Answer {
      Objects.requireNonNull(verdict, "verdict");
    }
  }

  /** This node holds the partition no more: forget its entries (memory, and an embedded store). */
  record DropPartition(int partition) implements ReplicaEffect {}

  /** Something an operator may want to know (a log line, a metric). */
  record Event(Kind kind, int partition, NodeId node, String detail) implements ReplicaEffect {
    public enum Kind { SYNC_STARTED, SYNC_COMPLETED, SYNC_ABANDONED, HANDED_OVER, LEASE_LOST, LEASE_REGAINED }
  }
}
