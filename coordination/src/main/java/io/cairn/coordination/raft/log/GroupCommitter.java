package io.cairn.coordination.raft.log;

import io.cairn.coordination.raft.HardState;
import io.cairn.coordination.raft.LogEntry;
import io.cairn.coordination.raft.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Lets concurrent callers share fsyncs of one {@link WalLogStore}. Each {@link #submit} queues a
 * batch; one drain task on the executor (the {@code cairn-wal} worker) takes every queued batch,
 * writes them in queue order, forces once, and completes their futures.
 *
 * <p><b>Order.</b> Batches are written in the order their {@code submit} calls returned (one lock
 * orders them), so one caller's batches are written in its submission order, and a batch is durable
 * only with every batch submitted before it. A future completes only after the fsync that covers its
 * batch; futures complete in submission order. A batch with a gap fails alone with {@link
 * IllegalArgumentException} and writes nothing; an I/O error fails its whole group and every later
 * batch (the store refuses writes).
 *
 * <p><b>Snapshots.</b> {@link #submitSnapshot} queues an install in the same stream: it is written
 * after every batch submitted before it and before every batch submitted after it, in the same
 * group. The install forces its own snapshot file and the segment it writes (which also covers the
 * batches before it); the batches after it share the group's final fsync as usual.
 *
 * <p>At most one drain task runs or is queued at a time, so any executor works, but blocking
 * belongs on a named worker, never on an event loop.
 */
public final class GroupCommitter implements AutoCloseable {
  private final WalLogStore store;
  private final Executor executor;
  private final Object lock = new Object();
  private ArrayList<Pending> queue = new ArrayList<>();
  private boolean draining;
  private boolean closed;

  /** Told of every group written, on the executor's thread: for metrics; must be quick. */
  @FunctionalInterface
  public interface Listener {
    Listener NONE = (batches, entries, nanos) -> {};

    /** One group of {@code batches} holding {@code entries} log entries was written and forced. */
    void written(int batches, int entries, long nanos);
  }

  private final Listener listener;

  public GroupCommitter(WalLogStore store, Executor executor) {
    this(store, executor, Listener.NONE);
  }

  public GroupCommitter(WalLogStore store, Executor executor, Listener listener) {
    this.store = store;
    this.executor = executor;
    this.listener = listener;
  }

  /** Queues a write (as in {@link LogStore#write}); the future completes once it is durable. */
  public CompletableFuture<Void> submit(Optional<HardState> hardState, List<LogEntry> append) {
    WalLogStore.Op op;
    try {
      op = new WalLogStore.Batch(hardState, append);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return enqueue(op);
  }

  /**
   * Queues a snapshot install (as in {@link LogStore#saveSnapshot}) in submission order with the
   * batches; the future completes once it is durable (or at once after the writes before it, if the
   * snapshot is not newer than the store's).
   */
  public CompletableFuture<Void> submitSnapshot(Snapshot snapshot) {
    WalLogStore.Op op;
    try {
      op = new WalLogStore.Install(snapshot);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return enqueue(op);
  }

  private CompletableFuture<Void> enqueue(WalLogStore.Op op) {
    Pending pending = new Pending(op, new CompletableFuture<>());
    boolean schedule;
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException("the group committer is closed"));
      }
      queue.add(pending);
      schedule = !draining;
      draining = true;
    }
    if (schedule) {
      try {
        executor.execute(this::drain);
      } catch (RejectedExecutionException e) {
        List<Pending> dropped;
        synchronized (lock) {
          draining = false;
          dropped = queue;
          queue = new ArrayList<>();
        }
        dropped.forEach(p -> p.future.completeExceptionally(e));
      }
    }
    return pending.future;
  }

  /** Refuses new batches and snapshots; those already queued are still written. Closes neither store nor executor. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
    }
  }

  private void drain() {
    while (true) {
      List<Pending> group;
      synchronized (lock) {
        if (queue.isEmpty()) {
          draining = false;
          return;
        }
        group = queue;
        queue = new ArrayList<>();
      }
      List<WalLogStore.Op> batches = new ArrayList<>(group.size());
      group.forEach(p -> batches.add(p.op));
      List<RuntimeException> results;
      long begin = System.nanoTime();
      try {
        results = store.writeBatches(batches);
      } catch (RuntimeException e) {
        group.forEach(p -> p.future.completeExceptionally(e));
        continue;
      }
      int entries = 0;
      for (WalLogStore.Op op : batches) {
        entries += op instanceof WalLogStore.Batch b ? b.append().size() : 0;
      }
      listener.written(batches.size(), entries, System.nanoTime() - begin);
      for (int i = 0; i < group.size(); i++) {
        if (results.get(i) == null) {
          group.get(i).future.complete(null);
        } else {
          group.get(i).future.completeExceptionally(results.get(i));
        }
      }
    }
  }

  private record Pending(WalLogStore.Op op, CompletableFuture<Void> future) {}
}
