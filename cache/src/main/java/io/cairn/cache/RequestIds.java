package io.cairn.cache;

import java.util.function.Supplier;

/**
 * The id of the client request a cache operation serves (the REST API's {@code X-Request-Id}),
 * so that a node that forwards the operation sends it along and the owner's log lines about it
 * carry the same id. The API sets it around its synchronous call into a {@link CacheService};
 * the cluster service reads it when the operation starts and keeps it for every attempt.
 */
public final class RequestIds {
  private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

  private RequestIds() {}

  /** Calls {@code call} with {@code requestId} as the current request's id. */
  public static <T> T within(String requestId, Supplier<T> call) {
    String outer = CURRENT.get();
    CURRENT.set(requestId);
    try {
      return call.get();
    } finally {
      if (outer == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(outer);
      }
    }
  }

  /** The current request's id, or "" outside of {@link #within}. */
  public static String current() {
    String id = CURRENT.get();
    return id == null ? "" : id;
  }
}
