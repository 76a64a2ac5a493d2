package io.cairn.cache;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Asynchronous mutual exclusion per key: actions on one key run one after the other, in the order
 * they arrived, without blocking a thread. Each key maps to the tail of its queue (the Future that
 * completes when the last queued action is done); the mapping is removed when the key goes idle.
 */
final class KeyLocks {
  private final ConcurrentHashMap<String, Future<Void>> tails = new ConcurrentHashMap<>();

  /**
   * Runs {@code action} once every earlier action on {@code key} has completed, and holds the key
   * until the action's Future completes. The action runs on the thread that released the key (or
   * the caller's, when it was free).
   */
  <T> Future<T> withLock(String key, Supplier<Future<T>> action) {
    Promise<Void> released = Promise.promise();
    Future<Void> mine = released.future();
    Future<Void> previous = tails.put(key, mine);
    Future<Void> turn = previous == null ? Future.succeededFuture() : previous;
    return turn.transform(ignored -> {
      Future<T> result;
      try {
        result = action.get();
      } catch (Throwable t) { // whatever happens, the key must be released
        result = Future.failedFuture(t);
      }
      return result.andThen(ar -> {
        tails.remove(key, mine);
        released.complete();
      });
    });
  }

  /** Keys with an action running or queued (for tests: it drops back to 0 when idle). */
  int size() {
    return tails.size();
  }
}
