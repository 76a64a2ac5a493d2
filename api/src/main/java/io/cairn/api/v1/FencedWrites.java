package io.cairn.api.v1;

import io.cairn.api.problem.ApiProblem;
import io.cairn.api.problem.ProblemError;
import io.cairn.cache.CacheService;
import io.cairn.cache.Fence;
import io.cairn.cache.FenceTable;
import io.cairn.coordination.PrimitiveService;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import java.util.Objects;
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
 * <p>A cache service that checks fences itself ({@link CacheService#checksFences()}: the cluster's,
 * at each key's partition owner) gets the fence with the write; for one that does not (a node's
 * caches alone), this node's table (per Vert.x instance, shared by the HTTP verticles) checks them
 * with the same {@link FenceTable}.
 */
public final class FencedWrites implements Shareable {
  private static final String SHARED_MAP = "cairn.api";
  private static final String SHARED_KEY = "fences";

  private final FenceTable table = new FenceTable();

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
    return table.write(primitives, cache, fence, write);
  }

  /**
   * The fenced writes of a cache and fence ({@code lock=<name>}) that wait for the one under way
   * to finish.
   */
  public int waiting(String cache, String fence) {
    return table.waiting(cache, Objects.requireNonNull(fence));
  }
}
