package io.cairn.cache;

import io.cairn.coordination.PrimitiveService;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Fenced writes at a partition's owner: a write that carries a {@link Fence} is refused ({@code
 * STALE_FENCING_TOKEN}) when this node has already seen a greater token for that fence in that
 * cache, or when the coordination group says the token is not the lock holder's or the leader's
 * now (a linearizable read). The check, the recording of the token and the write run one at a time
 * per cache and fence, so on this node a write of an older token never lands after one of a newer
 * token. It holds one entry per cache and fence name ever used here: a few dozen bytes each.
 */
public final class FenceTable {
  private record Key(String cache, String fence) {}

  /** The greatest token seen for one fence of one cache, and the writes waiting for their turn. */
  private static final class State {
    long highest;
    boolean busy;
    final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  }

  private final ConcurrentHashMap<Key, State> fences = new ConcurrentHashMap<>();

  /**
   * Runs {@code write} if {@code fence}'s token is current, after every fenced write before it for
   * the same cache and fence has completed; fails with {@code STALE_FENCING_TOKEN} otherwise.
   */
  public <T> Future<T> write(PrimitiveService primitives, String cache, Fence fence, Supplier<Future<T>> write) {
    State state = fences.computeIfAbsent(new Key(cache, fence.label()), k -> new State());
    Context context = Vertx.currentContext();
    Promise<T> done = Promise.promise();
    Runnable turn = () -> {
      Runnable run = () -> {
        Future<T> checked;
        try {
          checked = check(primitives, cache, fence, state, write);
        } catch (RuntimeException e) { // a bug below: the next write must still get its turn
          checked = Future.failedFuture(e);
        }
        checked.onComplete(ar -> {
          done.handle(ar);
          next(state);
        });
      };
      if (context == null) {
        run.run();
      } else {
        context.runOnContext(v -> run.run());
      }
    };
    boolean now;
    synchronized (state) {
      now = !state.busy;
      if (now) {
        state.busy = true;
      } else {
        state.waiting.add(turn);
      }
    }
    if (now) {
      turn.run();
    }
    return done.future();
  }

  private static void next(State state) {
    Runnable turn;
    synchronized (state) {
      turn = state.waiting.poll();
      if (turn == null) {
        state.busy = false;
        return;
      }
    }
    turn.run();
  }

  private static <T> Future<T> check(PrimitiveService primitives, String cache, Fence fence, State state,
      Supplier<Future<T>> write) {
    long seen = highest(state);
    if (fence.token() < seen) {
      return Future.failedFuture(stale(cache, fence, seen, "this cache has seen token " + seen));
    }
    Future<Long> current = "lock".equals(fence.kind())
        ? primitives.lock(fence.name()).map(l -> l.map(v -> v.holderSession() == 0 ? 0L : v.token()).orElse(0L))
        : primitives.election(fence.name()).map(e -> e.map(v -> v.leaderSession() == 0 ? 0L : v.token()).orElse(0L));
    return current.compose(token -> {
      long highest = record(state, token);
      if (token != fence.token()) {
        String why = token == 0 ? (fence.kind().equals("lock") ? "the lock is free" : "nobody leads the election")
            : "the current token is " + token;
        return Future.failedFuture(stale(cache, fence, highest, why));
      }
      record(state, fence.token());
      return write.get();
    });
  }

  private static long highest(State state) {
    synchronized (state) {
      return state.highest;
    }
  }

  private static long record(State state, long token) {
    synchronized (state) {
      state.highest = Math.max(state.highest, token);
      return state.highest;
    }
  }

  private static CacheFailure stale(String cache, Fence fence, long highest, String why) {
    return CacheFailure.staleFencingToken("Token " + fence.token() + " of " + fence.label()
        + " is not current for cache " + cache + ": " + why + "; nothing was written", highest);
  }

  /** The fenced writes of a cache and fence ({@code lock=<name>}) that wait for the one under way. */
  public int waiting(String cache, String fence) {
    State state = fences.get(new Key(cache, fence));
    if (state == null) {
      return 0;
    }
    synchronized (state) {
      return state.waiting.size();
    }
  }
}
