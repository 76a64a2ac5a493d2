package io.cairn.api.v1;

import io.cairn.api.problem.ApiProblem;
import io.cairn.api.problem.ProblemError;
import io.cairn.api.problem.ProblemType;
import io.cairn.coordination.PrimitiveService;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Fenced cache writes: a write that carries {@code Cairn-Fence: lock=<name>} (or {@code
 * election=<name>}) and {@code Cairn-Fencing-Token: <token>} is refused ({@code 409
 * stale-fencing-token}) when this node has already seen a greater token for that fence in that
 * cache, or when the coordination group says the token is not the lock holder's or the leader's
 * now (a linearizable read). The check, the recording of the token and the write itself run one
 * at a time per cache and fence, so a write of an older token never lands after one of a newer
 * token.
 *
 * <p>Every cache lives on one node today (see {@code CacheService}), so one table per node (per
 * Vert.x instance, shared by the HTTP verticles) keeps every fence of every cache. When caches
 * are partitioned, the table belongs with the partition owner. It holds one entry per cache and
 * fence name ever used; a fence name costs a few dozen bytes.
 */
public final class FencedWrites implements Shareable {
  private static final String SHARED_MAP = "cairn.api";
  private static final String SHARED_KEY = "fences";

  /** A write's fence, from its headers. */
  record Fence(String kind, String name, long token) {
    String label() {
      return kind + "=" + name;
    }
  }

  private record Key(String cache, String fence) {}

  /** The greatest token seen for one fence of one cache, and the writes waiting for their turn. */
  private static final class State {
    long highest;
    boolean busy;
    final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  }

  private final ConcurrentHashMap<Key, State> fences = new ConcurrentHashMap<>();

  private FencedWrites() {}

  /** This node's table: one per Vert.x instance, whichever HTTP verticle asks first makes it. */
  public static FencedWrites of(Vertx vertx) {
    return (FencedWrites) vertx.sharedData().<String, Object>getLocalMap(SHARED_MAP)
        .computeIfAbsent(SHARED_KEY, k -> new FencedWrites());
  }

  /**
   * The fence a write carries, or null when it carries none.
   *
   * @throws ApiProblem when only one of the two headers is sent (each one's form is checked by the
   *     contract's compiled checks before)
   */
  static Fence parse(MultiMap headers) {
    String fence = headers.get("Cairn-Fence");
    String token = headers.get("Cairn-Fencing-Token");
    if (fence == null && token == null) {
      return null;
    }
    if (fence == null || token == null) {
      String missing = fence == null ? "Cairn-Fence" : "Cairn-Fencing-Token";
      throw ApiProblem.invalid(ProblemError.HEADER, missing,
          "Cairn-Fence and Cairn-Fencing-Token go together; the request sends only one of them");
    }
    int eq = fence.indexOf('=');
    return new Fence(fence.substring(0, eq), fence.substring(eq + 1), ParameterCheck.integerValue(token));
  }

  /**
   * Runs {@code write} if {@code fence}'s token is current, after every fenced write before it
   * for the same cache and fence has completed; fails with {@code stale-fencing-token} otherwise.
   */
  <T> Future<T> write(PrimitiveService primitives, String cache, Fence fence, Supplier<Future<T>> write) {
    State state = fences.computeIfAbsent(new Key(cache, fence.label()), k -> new State());
    Context context = Vertx.currentContext();
    Promise<T> done = Promise.promise();
    Runnable turn = () -> context.runOnContext(v -> {
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
    });
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

  private static ApiProblem stale(String cache, Fence fence, long highest, String why) {
    return ApiProblem.withMembers(ProblemType.STALE_FENCING_TOKEN, "Token " + fence.token() + " of "
        + fence.label() + " is not current for cache " + cache + ": " + why + "; nothing was written",
        new JsonObject().put("highestToken", highest), null);
  }

  /**
   * The fenced writes of a cache and fence ({@code lock=<name>}) that wait for the one under way
   * to finish.
   */
  public int waiting(String cache, String fence) {
    State state = fences.get(new Key(cache, Objects.requireNonNull(fence)));
    if (state == null) {
      return 0;
    }
    synchronized (state) {
      return state.waiting.size();
    }
  }
}
