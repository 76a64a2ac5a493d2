package io.cairn.coordination.raft.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.coordination.raft.DurableState;
import io.cairn.coordination.raft.HardState;
import io.cairn.coordination.raft.LogEntry;
import io.cairn.coordination.raft.Snapshot;
import io.cairn.membership.NodeId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@link LogStore#saveSnapshot} contract, the same for both stores: one rule (keep the entries
 * after the snapshot only if the log holds its index with its term) covers compaction and
 * InstallSnapshot. For the write-ahead log every check is made again after a reopen.
 */
class LogStoreSnapshotTest {
  private static final HardState TERM_3 = new HardState(3, Optional.of(NodeId.of("n1")), 4);
  private static final List<NodeId> VOTERS = List.of(NodeId.of("n1"), NodeId.of("n2"), NodeId.of("n3"));

  @TempDir Path tmp;

  /** A store, and a way to get "the same store after a restart". */
  interface Subject extends AutoCloseable {
    LogStore store();

    void restart();

    @Override
    void close();
  }

  static Stream<Function<Path, Subject>> stores() {
    return Stream.of(dir -> new Subject() {
      final InMemoryLogStore store = new InMemoryLogStore();

      @Override public LogStore store() {
        return store;
      }

      @Override public void restart() {}

      @Override public void close() {}

      @Override public String toString() {
        return "in-memory";
      }
    }, dir -> new Subject() {
      WalLogStore store = WalLogStore.open(dir, 256);

      @Override public LogStore store() {
        return store;
      }

      @Override public void restart() {
        store.close();
        store = WalLogStore.open(dir, 256);
      }

      @Override public void close() {
        store.close();
      }

      @Override public String toString() {
        return "write-ahead log";
      }
    });
  }

  @ParameterizedTest @MethodSource("stores")
  void compactionKeepsTheEntriesAfterTheSnapshot(Function<Path, Subject> factory) {
    try (Subject s = factory.apply(tmp)) {
      List<LogEntry> log = log(10);
      s.store().write(Optional.of(TERM_3), log);
      Snapshot snap = snapshot(6, 2);
      s.store().saveSnapshot(snap);
      expect(s, new DurableState(TERM_3, Optional.of(snap), log.subList(6, 10)));
      s.store().write(Optional.empty(), List.of(LogEntry.noOp(11, 3)));
      expect(s, new DurableState(TERM_3, Optional.of(snap), concat(log.subList(6, 10), LogEntry.noOp(11, 3))));
    }
  }

  @ParameterizedTest @MethodSource("stores")
  void compactionOfTheWholeLogLeavesItEmptyAndAppendsContinueAfterIt(Function<Path, Subject> factory) {
    try (Subject s = factory.apply(tmp)) {
      List<LogEntry> log = log(10);
      s.store().write(Optional.of(TERM_3), log);
      Snapshot snap = snapshot(10, 3);
      s.store().saveSnapshot(snap);
      expect(s, new DurableState(TERM_3, Optional.of(snap), List.of()));
      s.store().write(Optional.empty(), List.of(entry(11, 3), entry(12, 3)));
      expect(s, new DurableState(TERM_3, Optional.of(snap), List.of(entry(11, 3), entry(12, 3))));
    }
  }

  @ParameterizedTest @MethodSource("stores")
  void anInstallThatMatchesAnEntryKeepsWhatFollowsIt(Function<Path, Subject> factory) {
    try (Subject s = factory.apply(tmp)) {
      List<LogEntry> log = log(10);
      s.store().write(Optional.of(TERM_3), log);
      Snapshot snap = snapshot(3, 1); // entry 3 has term 1
      s.store().saveSnapshot(snap);
      expect(s, new DurableState(TERM_3, Optional.of(snap), log.subList(3, 10)));
    }
  }

  @ParameterizedTest @MethodSource("stores")
  void anInstallThatConflictsDiscardsTheWholeLogForGood(Function<Path, Subject> factory) {
    try (Subject s = factory.apply(tmp)) {
      List<LogEntry> log = log(10);
      s.store().write(Optional.of(TERM_3), log);
      Snapshot snap = snapshot(5, 3); // entry 5 has term 2
      s.store().saveSnapshot(snap);
      expect(s, new DurableState(TERM_3, Optional.of(snap), List.of()));
      assertThatThrownBy(() -> s.store().write(Optional.empty(), List.of(entry(7, 3))))
          .isInstanceOf(IllegalArgumentException.class);
      s.store().write(Optional.empty(), List.of(entry(6, 3)));
      expect(s, new DurableState(TERM_3, Optional.of(snap), List.of(entry(6, 3))));
    }
  }

  @ParameterizedTest @MethodSource("stores")
  void anInstallPastTheEndOfTheLogDiscardsIt(Function<Path, Subject> factory) {
    try (Subject s = factory.apply(tmp)) {
      s.store().write(Optional.of(TERM_3), log(4));
      Snapshot snap = snapshot(20, 3);
      s.store().saveSnapshot(snap);
      expect(s, new DurableState(TERM_3, Optional.of(snap), List.of()));
      s.store().write(Optional.empty(), List.of(entry(21, 3)));
      expect(s, new DurableState(TERM_3, Optional.of(snap), List.of(entry(21, 3))));
    }
  }

  @ParameterizedTest @MethodSource("stores")
  void anInstallOnAnEmptyStoreThenAppends(Function<Path, Subject> factory) {
    try (Subject s = factory.apply(tmp)) {
      Snapshot snap = snapshot(7, 2);
      s.store().saveSnapshot(snap);
      expect(s, new DurableState(HardState.INITIAL, Optional.of(snap), List.of()));
      s.store().write(Optional.of(TERM_3), List.of(entry(8, 3)));
      expect(s, new DurableState(TERM_3, Optional.of(snap), List.of(entry(8, 3))));
    }
  }

  @ParameterizedTest @MethodSource("stores")
  void aSnapshotNotNewerThanTheCurrentOneIsIgnored(Function<Path, Subject> factory) {
    try (Subject s = factory.apply(tmp)) {
      List<LogEntry> log = log(10);
      s.store().write(Optional.of(TERM_3), log);
      Snapshot snap = snapshot(6, 2);
      s.store().saveSnapshot(snap);
      DurableState after = new DurableState(TERM_3, Optional.of(snap), log.subList(6, 10));
      s.store().saveSnapshot(snapshot(6, 3)); // same index, other term: still ignored
      s.store().saveSnapshot(snapshot(2, 1));
      expect(s, after);
    }
  }

  @ParameterizedTest @MethodSource("stores")
  void anAppendMayNotRewriteWhatTheSnapshotCovers(Function<Path, Subject> factory) {
    try (Subject s = factory.apply(tmp)) {
      List<LogEntry> log = log(10);
      s.store().write(Optional.of(TERM_3), log);
      Snapshot snap = snapshot(6, 2);
      s.store().saveSnapshot(snap);
      assertThatThrownBy(() -> s.store().write(Optional.empty(), List.of(entry(6, 3), entry(7, 3))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("after the snapshot");
      s.store().write(Optional.empty(), List.of(entry(7, 3))); // overwrite right after it: allowed
      expect(s, new DurableState(TERM_3, Optional.of(snap), List.of(entry(7, 3))));
    }
  }

  // ---- fixtures ----

  /** Checks {@code expected} now and after a restart, and that it passes DurableState's checks. */
  private static void expect(Subject s, DurableState expected) {
    DurableState now = s.store().load();
    assertThat(now).as("%s", s).isEqualTo(expected);
    assertThat(new DurableState(now.hardState(), now.snapshot(), now.log())).isEqualTo(now);
    s.restart();
    assertThat(s.store().load()).as("%s after a restart", s).isEqualTo(expected);
  }

  /** Entries 1..n: terms 1 (1..3), 2 (4..6), 3 (7..). */
  static List<LogEntry> log(int n) {
    List<LogEntry> log = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      log.add(entry(i, Math.min(3, 1 + (i - 1) / 3)));
    }
    return log;
  }

  static LogEntry entry(long index, long term) {
    return LogEntry.command(index, term, ("command " + index + "@" + term).getBytes(StandardCharsets.UTF_8));
  }

  static Snapshot snapshot(long index, long term) {
    return new Snapshot(index, term, VOTERS, ("state at " + index).getBytes(StandardCharsets.UTF_8));
  }

  private static List<LogEntry> concat(List<LogEntry> a, LogEntry b) {
    List<LogEntry> all = new ArrayList<>(a);
    all.add(b);
    return all;
  }
}
