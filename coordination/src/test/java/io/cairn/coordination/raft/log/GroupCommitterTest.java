package io.cairn.coordination.raft.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.coordination.raft.DurableState;
import io.cairn.coordination.raft.HardState;
import io.cairn.coordination.raft.LogEntry;
import io.cairn.coordination.raft.Snapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order guarantee under test: batches are written in the order their {@code submit} calls
 * returned, so each caller's batches land in its submission order, and one fsync covers every batch
 * queued while the previous group was being written.
 */
class GroupCommitterTest {
  private static final int CALLERS = 4;
  private static final int BATCHES_PER_CALLER = 25;

  @TempDir Path tmp;
  private ExecutorService worker;
  private WalLogStore wal;

  @BeforeEach
  void open() {
    worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "cairn-wal"));
    wal = WalLogStore.open(tmp.resolve("wal"));
    wal.write(Optional.of(new HardState(1, Optional.empty(), 0)), List.of());
  }

  @AfterEach
  void close() throws InterruptedException {
    worker.shutdownNow();
    assertThat(worker.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    wal.close();
  }

  @Test
  void batchesQueuedWhileTheWriterIsBusyShareOneFsync() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    worker.execute(() -> awaitQuietly(release)); // the writer is busy until released
    long fsyncsBefore = wal.fsyncCount();
    Submissions submissions = new Submissions();
    try (GroupCommitter committer = new GroupCommitter(wal, worker)) {
      runCallers(committer, submissions);
      assertThat(submissions.futures).hasSize(CALLERS * BATCHES_PER_CALLER).noneMatch(CompletableFuture::isDone);
      release.countDown();
      CompletableFuture.allOf(submissions.futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    }
    assertThat(wal.fsyncCount() - fsyncsBefore).isEqualTo(1).isLessThan(submissions.futures.size());
    assertWrittenInSubmissionOrder(submissions);
  }

  @Test
  void concurrentCallersAllCompleteInTheirOrder() throws Exception {
    Submissions submissions = new Submissions();
    long fsyncsBefore = wal.fsyncCount();
    try (GroupCommitter committer = new GroupCommitter(wal, worker)) {
      runCallers(committer, submissions);
      CompletableFuture.allOf(submissions.futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    }
    assertThat(wal.fsyncCount() - fsyncsBefore).isBetween(1L, (long) submissions.futures.size());
    assertWrittenInSubmissionOrder(submissions);
  }

  @Test
  void aBatchWithAGapFailsAloneInItsGroup() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    worker.execute(() -> awaitQuietly(release));
    try (GroupCommitter committer = new GroupCommitter(wal, worker)) {
      CompletableFuture<Void> first = committer.submit(Optional.empty(), List.of(entry(1, "a")));
      CompletableFuture<Void> gap = committer.submit(Optional.empty(), List.of(entry(3, "gap")));
      CompletableFuture<Void> second = committer.submit(Optional.empty(), List.of(entry(2, "b")));
      release.countDown();
      first.get(10, TimeUnit.SECONDS);
      second.get(10, TimeUnit.SECONDS);
      assertThatThrownBy(() -> gap.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(IllegalArgumentException.class);
    }
    assertThat(wal.load().log()).containsExactly(entry(1, "a"), entry(2, "b"));
  }


  @Test
  void snapshotsAreInstalledInTheStreamBetweenTheBatchesAroundThem() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    worker.execute(() -> awaitQuietly(release)); // everything below lands in one group
    Snapshot keeping = LogStoreSnapshotTest.snapshot(5, 1);
    Snapshot discarding = LogStoreSnapshotTest.snapshot(9, 2);
    HardState term2 = new HardState(2, Optional.empty(), 0);
    List<CompletableFuture<Void>> futures = new ArrayList<>();
    try (GroupCommitter committer = new GroupCommitter(wal, worker)) {
      futures.add(committer.submit(Optional.empty(), List.of(entry(1, "a"), entry(2, "b"), entry(3, "c"))));
      futures.add(committer.submit(Optional.empty(), List.of(entry(4, "d"), entry(5, "e"))));
      futures.add(committer.submitSnapshot(keeping)); // matches entry 5 only if written after it
      futures.add(committer.submit(Optional.empty(), List.of(entry(6, "f"), entry(7, "g"))));
      futures.add(committer.submitSnapshot(LogStoreSnapshotTest.snapshot(3, 1))); // older: ignored
      futures.add(committer.submitSnapshot(discarding)); // no entry 9: the log goes
      futures.add(committer.submit(Optional.of(term2), List.of(LogEntry.noOp(10, 2)))); // a gap unless after it
      assertThat(futures).noneMatch(CompletableFuture::isDone);
      release.countDown();
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    }
    assertThat(wal.load()).isEqualTo(
        new DurableState(term2, Optional.of(discarding), List.of(LogEntry.noOp(10, 2))));
    wal.close();
    wal = WalLogStore.open(tmp.resolve("wal"));
    assertThat(wal.load().snapshot()).contains(discarding);
    assertThat(wal.load().log()).containsExactly(LogEntry.noOp(10, 2));
  }

  @Test
  void aSnapshotKeepsTheBatchesBeforeItThatItMatches() throws Exception {
    try (GroupCommitter committer = new GroupCommitter(wal, worker)) {
      List<LogEntry> entries = new ArrayList<>();
      CompletableFuture<Void> last = null;
      for (int i = 1; i <= 20; i++) {
        entries.add(entry(i, "e" + i));
        last = committer.submit(Optional.empty(), List.of(entries.get(i - 1)));
        if (i == 12) {
          last = committer.submitSnapshot(LogStoreSnapshotTest.snapshot(10, 1));
        }
      }
      last.get(30, TimeUnit.SECONDS);
      assertThat(wal.load().log()).isEqualTo(entries.subList(10, 20));
      assertThat(wal.load().snapshot().orElseThrow().index()).isEqualTo(10);
    }
  }

  // ---- fixtures ----

  /** Every submission in the order the committer accepted it (one lock, as the committer's). */
  private static final class Submissions {
    final Object order = new Object();
    final List<LogEntry> entries = Collections.synchronizedList(new ArrayList<>());
    final List<CompletableFuture<Void>> futures = Collections.synchronizedList(new ArrayList<>());
    long nextIndex = 1;
  }

  private static void runCallers(GroupCommitter committer, Submissions s) throws InterruptedException {
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> callers = new ArrayList<>();
    for (int c = 0; c < CALLERS; c++) {
      int caller = c;
      Thread t = new Thread(() -> {
        awaitQuietly(start);
        for (int b = 0; b < BATCHES_PER_CALLER; b++) {
          synchronized (s.order) { // indices must follow the write order, so the test orders submits
            LogEntry e = entry(s.nextIndex++, caller + ":" + b);
            s.entries.add(e);
            s.futures.add(committer.submit(Optional.empty(), List.of(e)));
          }
        }
      }, "caller-" + c);
      t.start();
      callers.add(t);
    }
    start.countDown();
    for (Thread t : callers) {
      t.join(30_000);
      assertThat(t.isAlive()).isFalse();
    }
  }

  private void assertWrittenInSubmissionOrder(Submissions s) {
    List<LogEntry> log = wal.load().log();
    assertThat(log).isEqualTo(s.entries);
    Map<String, Integer> lastBatch = new HashMap<>();
    for (LogEntry e : log) {
      String[] parts = new String(e.command(), StandardCharsets.UTF_8).split(":");
      int batch = Integer.parseInt(parts[1]);
      assertThat(batch).as("caller %s", parts[0]).isEqualTo(lastBatch.getOrDefault(parts[0], -1) + 1);
      lastBatch.put(parts[0], batch);
    }
    assertThat(lastBatch).hasSize(CALLERS).allSatisfy((caller, last) -> assertThat(last).isEqualTo(BATCHES_PER_CALLER - 1));
  }

  private static LogEntry entry(long index, String command) {
    return LogEntry.command(index, 1, command.getBytes(StandardCharsets.UTF_8));
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
