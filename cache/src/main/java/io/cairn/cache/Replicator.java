package io.cairn.cache;

import io.vertx.core.Future;

/**
 * Takes a write to the other holders of its key's partition before memory shows it: completes
 * with true once it may be acknowledged (every replica that must have it has it, and this node
 * still owns the partition), false when its outcome is unknown.
 */
interface Replicator {
  /** A node alone: nothing to wait for. */
  Replicator NONE = change -> Future.succeededFuture(true);

  Future<Boolean> replicate(Change change);
}
