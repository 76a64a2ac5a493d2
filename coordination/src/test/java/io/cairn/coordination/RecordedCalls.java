package io.cairn.coordination;

import io.cairn.coordination.linearizability.HistoryRecorder;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** How the linearizability ITs record a call to the coordination group whose answer may not come. */
final class RecordedCalls {
  private RecordedCalls() {}

  /**
   * The result of {@code f}, or null once the operation is recorded as failed (surely not applied:
   * 503, or any failure of a read) or unknown (any other failure of a change), waiting up to {@code
   * requestTimeout} plus 3 s.
   */
  static <T, I, O> T await(Future<T> f, HistoryRecorder<I, O> recorder, HistoryRecorder<I, O>.Handle h,
      boolean read, Duration requestTimeout) {
    return await(f, read, requestTimeout, () -> recorder.fail(h), () -> recorder.unknown(h));
  }

  /**
   * {@link #await(Future, HistoryRecorder, HistoryRecorder.Handle, boolean, Duration)}, saying how
   * it ended through {@code failed} or {@code unknown}.
   */
  static <T> T await(Future<T> f, boolean read, Duration requestTimeout, Runnable failed, Runnable unknown) {
    try {
      return f.toCompletionStage().toCompletableFuture()
          .get(requestTimeout.toMillis() + 3_000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      boolean notApplied = e.getCause() instanceof CoordinationException ce
          && ce.kind() == CoordinationException.Kind.UNAVAILABLE;
      (read || notApplied ? failed : unknown).run();
      return null;
    } catch (TimeoutException e) {
      (read ? failed : unknown).run();
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      unknown.run();
      return null;
    }
  }
}
