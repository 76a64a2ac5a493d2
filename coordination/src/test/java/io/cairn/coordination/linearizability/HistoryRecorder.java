package io.cairn.coordination.linearizability;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Records a {@link History} from concurrent test clients; thread-safe. The recorder reads the
 * clock itself ({@link System#nanoTime()}), so every client shares one monotonic clock:
 *
 * <pre>{@code
 * var h = recorder.invoke(client, new RegisterModel.Write(key, value)); // before sending
 * try {
 *   send(...);
 *   recorder.ok(h, Boolean.TRUE);           // after the response arrived
 * } catch (RefusedBeforeSending e) {
 *   recorder.fail(h);                       // known not to have taken effect
 * } catch (TimeoutException | IOException e) {
 *   recorder.unknown(h);                    // may or may not have taken effect
 * }
 * }</pre>
 *
 * <p>Each handle is completed at most once. An operation still pending when {@link #history()} is
 * called counts as unknown (it may still take effect).
 */
public final class HistoryRecorder<I, O> {
  private final List<Handle> handles = new ArrayList<>();

  /** Records the call of {@code input} by {@code clientId}; call it before the request is sent. */
  public Handle invoke(int clientId, I input) {
    Objects.requireNonNull(input, "input");
    Handle handle = new Handle(clientId, input, System.nanoTime());
    synchronized (this) {
      handles.add(handle);
    }
    return handle;
  }

  /** Records that the operation returned {@code output}; call it after the response arrived. */
  public void ok(Handle handle, O output) {
    Objects.requireNonNull(output, "output (use unknown() when there is none)");
    long now = System.nanoTime();
    complete(handle, Handle.OK, output, now);
  }

  /** Records that the outcome is unknown: the operation may have taken effect at any time after its call, or never. */
  public void unknown(Handle handle) {
    complete(handle, Handle.UNKNOWN, null, Operation.UNKNOWN);
  }

  /** Records that the operation certainly did not take effect: it is left out of the history. */
  public void fail(Handle handle) {
    complete(handle, Handle.FAILED, null, Operation.UNKNOWN);
  }

  /** A snapshot of what has been recorded so far; pending operations count as unknown. */
  public synchronized History<I, O> history() {
    List<Operation<I, O>> ops = new ArrayList<>(handles.size());
    for (Handle h : handles) {
      switch (h.status) {
        case Handle.OK -> ops.add(Operation.ok(h.clientId, h.input, h.output, h.callNanos, h.returnNanos));
        case Handle.PENDING, Handle.UNKNOWN -> ops.add(Operation.unknown(h.clientId, h.input, h.callNanos));
        default -> { } // failed: did not happen
      }
    }
    return History.of(ops);
  }

  private synchronized void complete(Handle handle, int status, O output, long returnNanos) {
    if (handle.owner() != this) {
      throw new IllegalArgumentException("a handle of another recorder");
    }
    if (handle.status != Handle.PENDING) {
      throw new IllegalStateException("already completed: " + handle.input);
    }
    handle.status = status;
    handle.output = output;
    handle.returnNanos = Math.max(returnNanos, handle.callNanos);
  }

  /** An operation that has been called; complete it with ok, unknown or fail. */
  public final class Handle {
    private static final int PENDING = 0;
    private static final int OK = 1;
    private static final int UNKNOWN = 2;
    private static final int FAILED = 3;

    private final int clientId;
    private final I input;
    private final long callNanos;
    // Guarded by the recorder.
    private int status = PENDING;
    private O output;
    private long returnNanos;

    private Handle(int clientId, I input, long callNanos) {
      this.clientId = clientId;
      this.input = input;
      this.callNanos = callNanos;
    }

    private HistoryRecorder<I, O> owner() {
      return HistoryRecorder.this;
    }

    @Override
    public String toString() {
      return "client " + clientId + " " + input;
    }
  }
}
