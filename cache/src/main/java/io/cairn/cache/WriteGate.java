package io.cairn.cache;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Lets the writes of one cache run concurrently, and lets an operation on the whole cache (a
 * change of capacity unit, a removal) wait until none is in flight while it holds new ones back.
 * Asynchronous: nothing blocks. The critical sections are a few field updates.
 */
final class WriteGate {
  private int active;
  private boolean closing;
  private Promise<Void> drained;
  private final ArrayDeque<Promise<Void>> waiting = new ArrayDeque<>();

  /** Completes when this write may proceed; it must then call {@link #exit} exactly once. */
  synchronized Future<Void> enter() {
    if (!closing) {
      active++;
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    waiting.add(p);
    return p.future();
  }

  void exit() {
    Promise<Void> done = null;
    synchronized (this) {
      active--;
      if (active < 0) {
        throw new IllegalStateException("write gate exited more often than entered");
      }
      if (active == 0 && drained != null) {
        done = drained;
        drained = null;
      }
    }
    if (done != null) {
      done.complete();
    }
  }

  /** Holds new writes back and completes when none is in flight. Then call {@link #open}. */
  synchronized Future<Void> close() {
    if (closing) {
      throw new IllegalStateException("write gate already closed");
    }
    closing = true;
    if (active == 0) {
      return Future.succeededFuture();
    }
    drained = Promise.promise();
    return drained.future();
  }

  /** Lets the held writes proceed. */
  void open() {
    List<Promise<Void>> released;
    synchronized (this) {
      closing = false;
      released = new ArrayList<>(waiting);
      waiting.clear();
      active += released.size();
    }
    released.forEach(Promise::complete);
  }
}
