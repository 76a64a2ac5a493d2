package io.cairn.cache.replication;

/**
 * What an owner sends the other holders of a partition. Each is a request; the receiver answers
 * with a {@link Reply}. The data they carry (entries, chunks of a partition) travels beside them:
 * the core only decides who gets what, when, and what an answer means.
 */
public sealed interface ReplicaMessage {
  int partition();

  /**
   * Write {@code writeId} of the owner, made at its {@code epoch}: apply it, then answer. To a
   * pending replica it belongs to sync {@code syncId}, and a replica that is in another sync (a
   * newer one: the copy arrived late) refuses it; to a backup {@code syncId} is 0.
   */
  record Replicate(int partition, long epoch, long writeId, long syncId) implements ReplicaMessage {}

  /**
   * Sync {@code syncId} of the partition starts: the pending replica empties its copy of the
   * partition, and from then on takes the owner's writes and chunks.
   */
  record SyncBegin(int partition, long epoch, long syncId) implements ReplicaMessage {}

  /** Chunk {@code seq} (from 0) of sync {@code syncId}: entries to merge by version. */
  record SyncChunk(int partition, long syncId, int seq) implements ReplicaMessage {}

  /** Every chunk of sync {@code syncId} was sent and acknowledged. */
  record SyncEnd(int partition, long syncId) implements ReplicaMessage {}

  /** An answer to a message. */
  sealed interface Reply {
    Reply OK = new Ok();
    Reply FAILED = new Failed();
  }

  /** Done. */
  record Ok() implements Reply {}

  /** Refused: the receiver's view (at {@code epoch}) does not let the sender send it this. */
  record Rejected(long epoch) implements Reply {}

  /** No answer (lost, timed out, unreachable): it may or may not have been done. */
  record Failed() implements Reply {}
}
