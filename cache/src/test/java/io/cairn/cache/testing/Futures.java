package io.cairn.cache.testing;

import io.vertx.core.Future;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits for Vert.x Futures from a test thread (never from an event loop). */
public final class Futures {
  private static final long TIMEOUT_SECONDS = 30;

  private Futures() {}

  /** The result, or the failure rethrown as it is (unchecked) or wrapped. */
  public static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      throw new IllegalStateException(cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (TimeoutException e) {
      throw new AssertionError("no result within " + TIMEOUT_SECONDS + " s", e);
    }
  }

  /** The failure of a Future that must fail. */
  public static Throwable failure(Future<?> future) {
    try {
      Object result = await(future);
      throw new AssertionError("expected a failure, got " + result);
    } catch (RuntimeException e) {
      return e;
    }
  }
}
