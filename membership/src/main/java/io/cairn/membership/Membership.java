package io.cairn.membership;

import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Consumer;

/**
 * This node's membership in the group: who is in it, as this node sees it, and a stream of
 * changes. Thread-safe: every method may be called from any thread.
 */
public interface Membership {
  /** This node. */
  Member local();

  /** Every member this node knows, itself included, sorted by id. */
  List<Member> members();

  Optional<Member> member(NodeId id);

  /**
   * The phi-accrual suspicion level of a peer that this node monitors now; empty for a peer it
   * does not monitor.
   */
  OptionalDouble phi(NodeId id);

  /** True once this node has joined a group (at once when it has no seeds). */
  boolean joined();

  /**
   * Calls {@code listener} with every later change, on an arbitrary thread, in the order the
   * changes happened. Returns a handle whose {@code run()} unsubscribes.
   */
  Runnable subscribe(Consumer<MemberEvent> listener);

  /** Announces that this node leaves, and completes when the announcement has gone out. */
  Future<Void> leave();
}
