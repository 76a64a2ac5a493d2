package io.cairn.coordination.raft.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.coordination.raft.DurableState;
import io.cairn.coordination.raft.HardState;
import io.cairn.coordination.raft.LogEntry;
import io.cairn.coordination.raft.Snapshot;
import io.cairn.membership.NodeId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalLogStoreTest {
  private static final long TINY_SEGMENT = 256;
  private static final List<Optional<NodeId>> VOTES =
      List.of(Optional.empty(), Optional.of(NodeId.of("n1")), Optional.of(NodeId.of("node-2.cairn")));

  @TempDir Path tmp;

  @Test
  void randomizedWritesReloadExactlyAsTheInMemoryStoreHasThem() throws IOException {
    int rolled = 0;
    for (int seed = 0; seed < 300; seed++) {
      Random random = new Random(seed);
      Path dir = tmp.resolve("seed-" + seed);
      InMemoryLogStore expected = new InMemoryLogStore();
      WalLogStore wal = WalLogStore.open(dir, TINY_SEGMENT);
      try {
        long term = 0;
        int steps = 1 + random.nextInt(40);
        for (int step = 0; step < steps; step++) {
          int last = expected.load().log().size();
          Optional<HardState> hardState = Optional.empty();
          if (term == 0 || random.nextInt(4) == 0) {
            term += 1 + random.nextInt(2);
            hardState = Optional.of(new HardState(term, VOTES.get(random.nextInt(3)), random.nextInt(last + 1)));
          } else if (random.nextInt(4) == 0) {
            hardState = Optional.of(new HardState(term, VOTES.get(random.nextInt(3)), random.nextInt(last + 1)));
          }
          List<LogEntry> append = new ArrayList<>();
          if (random.nextInt(5) != 0) {
            long first = random.nextBoolean() ? last + 1 : 1 + random.nextInt(last + 1);
            int count = random.nextInt(6);
            for (int i = 0; i < count; i++) {
              append.add(random.nextInt(8) == 0
                  ? LogEntry.noOp(first + i, term)
                  : LogEntry.command(first + i, term, bytes(random, random.nextInt(60))));
            }
          }
          expected.write(hardState, append);
          wal.write(hardState, append);
          if (random.nextInt(10) == 0) {
            wal.close();
            wal = WalLogStore.open(dir, TINY_SEGMENT);
            assertThat(wal.load()).as("seed %d step %d", seed, step).isEqualTo(expected.load());
          }
        }
        assertThat(wal.load()).as("seed %d before close", seed).isEqualTo(expected.load());
      } finally {
        wal.close();
      }
      try (WalLogStore reopened = WalLogStore.open(dir, TINY_SEGMENT)) {
        assertThat(reopened.load()).as("seed %d", seed).isEqualTo(expected.load());
      }
      if (segments(dir).size() > 1) {
        rolled++;
      }
    }
    assertThat(rolled).as("seeds whose log spans several segments").isGreaterThan(100);
  }

  @Test
  void aTornLastRecordIsDroppedAndTruncatedAtEveryCut() throws IOException {
    Path dir = tmp.resolve("wal");
    Tail tail = writeEntries(dir, 20);
    List<LogEntry> before = tail.entries.subList(0, 19);
    for (long cut = tail.recordStart; cut < tail.fileEnd; cut++) {
      Path copy = copyOf(dir, tmp.resolve("cut-" + cut));
      Path last = copy.resolve(tail.file.getFileName());
      try (var c = FileChannel.open(last, StandardOpenOption.WRITE)) {
        c.truncate(cut);
      }
      try (WalLogStore wal = WalLogStore.open(copy, TINY_SEGMENT)) {
        assertThat(wal.load().log()).as("cut at %d", cut).isEqualTo(before);
        assertThat(wal.load().hardState().term()).isEqualTo(1);
        assertThat(Files.size(last)).as("truncated at the torn record").isEqualTo(tail.recordStart);
        wal.write(Optional.empty(), List.of(tail.entries.get(19)));
      }
      try (WalLogStore wal = WalLogStore.open(copy, TINY_SEGMENT)) {
        assertThat(wal.load().log()).as("rewritten after cut at %d", cut).isEqualTo(tail.entries);
      }
    }
  }

  @Test
  void aDamagedLastRecordIsDroppedAndTruncated() throws IOException {
    Path dir = tmp.resolve("wal");
    Tail tail = writeEntries(dir, 20);
    flipByte(tail.file, tail.recordStart + WalLogStore.HEADER_BYTES + 3);
    try (WalLogStore wal = WalLogStore.open(dir, TINY_SEGMENT)) {
      assertThat(wal.load().log()).isEqualTo(tail.entries.subList(0, 19));
      assertThat(Files.size(tail.file)).isEqualTo(tail.recordStart);
    }
  }

  @Test
  void aDamagedTailBeforeOnlyEmptySegmentsIsTruncatedAndTheEmptyOnesDeleted() throws IOException {
    Path dir = tmp.resolve("wal");
    Tail tail = writeEntries(dir, 20);
    Path empty = dir.resolve(String.format("wal-%020d.log", segments(dir).size() + 1)); // a roll that crashed
    Files.createFile(empty);
    flipByte(tail.file, tail.fileEnd - 1);
    try (WalLogStore wal = WalLogStore.open(dir, TINY_SEGMENT)) {
      assertThat(wal.load().log()).isEqualTo(tail.entries.subList(0, 19));
      assertThat(Files.size(tail.file)).isEqualTo(tail.recordStart);
      assertThat(empty).doesNotExist();
      wal.write(Optional.empty(), List.of(tail.entries.get(19)));
    }
    try (WalLogStore wal = WalLogStore.open(dir, TINY_SEGMENT)) {
      assertThat(wal.load().log()).isEqualTo(tail.entries);
    }
  }

  @Test
  void aDamagedRecordInAnOlderSegmentIsAnErrorNamingTheFile() throws IOException {
    Path dir = tmp.resolve("wal");
    writeEntries(dir, 20);
    List<Path> segments = segments(dir);
    assertThat(segments).hasSizeGreaterThan(2);
    Path older = segments.get(1);
    long size = Files.size(older);
    flipByte(older, 12);
    assertThatThrownBy(() -> WalLogStore.open(dir, TINY_SEGMENT))
        .isInstanceOfSatisfying(CorruptLogException.class, e -> {
          assertThat(e.file()).isEqualTo(older);
          assertThat(e.offset()).isZero();
        })
        .hasMessageContaining(older.getFileName().toString());
    assertThat(Files.size(older)).as("committed data is not silently dropped").isEqualTo(size);
    assertThat(segments(dir)).isEqualTo(segments);
  }

  @Test
  void anAppendWithAGapIsRejectedAndWritesNothing() throws IOException {
    Path dir = tmp.resolve("wal");
    List<LogEntry> three = List.of(entry(1, 1), entry(2, 1), entry(3, 1));
    for (LogStore store : List.<LogStore>of(new InMemoryLogStore(), WalLogStore.open(dir, TINY_SEGMENT))) {
      try (store) {
        store.write(Optional.of(new HardState(1, Optional.empty(), 0)), three);
        DurableState before = store.load();
        long bytes = store instanceof WalLogStore ? directoryBytes(dir) : 0;
        Optional<HardState> newer = Optional.of(new HardState(2, Optional.of(NodeId.of("n1")), 3));
        assertThatThrownBy(() -> store.write(newer, List.of(entry(5, 2))))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.write(newer, List.of(entry(3, 2), entry(5, 2))))
            .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.load()).isEqualTo(before);
        if (store instanceof WalLogStore) {
          assertThat(directoryBytes(dir)).isEqualTo(bytes);
        }
      }
    }
    try (WalLogStore wal = WalLogStore.open(dir, TINY_SEGMENT)) {
      assertThat(wal.load()).isEqualTo(new DurableState(new HardState(1, Optional.empty(), 0), three));
    }
  }

  @Test
  void replayAppliesTruncateRecordsAndOverlappingEntriesOnTheirOwn() throws IOException {
    Path dir = tmp.resolve("wal");
    Files.createDirectories(dir);
    try (var out = Files.newOutputStream(dir.resolve(String.format("wal-%020d.log", 1)))) {
      out.write(hardStateRecord(2));
      for (LogEntry e : List.of(entry(1, 1), entry(2, 1), entry(3, 1), entry(4, 1))) {
        out.write(entryRecord(e));
      }
      out.write(entryRecord(entry(2, 2))); // overlaps 2..4 with no TRUNCATE before it: cuts at 2
      out.write(entryRecord(entry(3, 2)));
      out.write(entryRecord(entry(4, 2)));
      out.write(array(WalLogStore.record(WalLogStore.TRUNCATE, ByteBuffer.allocate(8).putLong(4).array())));
    }
    try (WalLogStore wal = WalLogStore.open(dir, TINY_SEGMENT)) {
      assertThat(wal.load().log()).containsExactly(entry(1, 1), entry(2, 2), entry(3, 2));
    }
  }

  @Test
  void oneFsyncPerWrite() throws IOException {
    try (WalLogStore wal = WalLogStore.open(tmp.resolve("wal"))) {
      wal.write(Optional.of(new HardState(1, Optional.empty(), 0)), List.of(entry(1, 1), entry(2, 1)));
      wal.write(Optional.empty(), List.of(entry(2, 1)));
      assertThat(wal.fsyncCount()).isEqualTo(2);
      wal.write(Optional.empty(), List.of());
      assertThat(wal.fsyncCount()).as("an empty write has nothing to force").isEqualTo(2);
    }
  }


  // ---- snapshots ----

  @Test
  void randomizedWritesAndSnapshotsReloadExactlyAsTheInMemoryStoreHasThem() throws IOException {
    int kept = 0;
    int discarded = 0;
    for (int seed = 0; seed < 100; seed++) {
      Random random = new Random(seed);
      Path dir = tmp.resolve("seed-" + seed);
      InMemoryLogStore expected = new InMemoryLogStore();
      WalLogStore wal = WalLogStore.open(dir, TINY_SEGMENT);
      try {
        long term = 0;
        int steps = 1 + random.nextInt(60);
        for (int step = 0; step < steps; step++) {
          DurableState now = expected.load();
          long base = now.snapshot().map(Snapshot::index).orElse(0L);
          long last = base + now.log().size();
          if (term > 0 && random.nextInt(5) == 0) {
            long index = base + 1 + random.nextInt((int) (last - base) + 2);
            long actual = index <= last ? now.log().get((int) (index - base - 1)).term() : 0;
            long snapTerm = actual > 0 && random.nextInt(3) != 0 ? actual : 1 + random.nextInt((int) term);
            if (snapTerm == actual) {
              kept++;
            } else {
              discarded++;
            }
            Snapshot snap = LogStoreSnapshotTest.snapshot(index, snapTerm);
            expected.saveSnapshot(snap);
            wal.saveSnapshot(snap);
          } else {
            Optional<HardState> hardState = Optional.empty();
            if (term == 0 || random.nextInt(4) == 0) {
              term += 1 + random.nextInt(2);
              hardState = Optional.of(new HardState(term, VOTES.get(random.nextInt(3)), random.nextInt((int) last + 1)));
            }
            List<LogEntry> append = new ArrayList<>();
            long first = random.nextBoolean() ? last + 1 : base + 1 + random.nextInt((int) (last - base) + 1);
            int count = random.nextInt(6);
            for (int i = 0; i < count; i++) {
              append.add(LogEntry.command(first + i, term, bytes(random, random.nextInt(40))));
            }
            expected.write(hardState, append);
            wal.write(hardState, append);
          }
          if (random.nextInt(8) == 0) {
            wal.close();
            wal = WalLogStore.open(dir, TINY_SEGMENT);
            assertThat(wal.load()).as("seed %d step %d", seed, step).isEqualTo(expected.load());
          }
        }
        assertThat(wal.load()).as("seed %d before close", seed).isEqualTo(expected.load());
      } finally {
        wal.close();
      }
      try (WalLogStore reopened = WalLogStore.open(dir, TINY_SEGMENT)) {
        assertThat(reopened.load()).as("seed %d", seed).isEqualTo(expected.load());
      }
      assertThat(SnapshotFile.list(dir)).as("seed %d keeps only the newest snapshot", seed)
          .hasSizeLessThanOrEqualTo(1);
    }
    assertThat(kept).as("installs that kept the log after them").isGreaterThan(100);
    assertThat(discarded).as("installs that discarded the log").isGreaterThan(100);
  }

  @Test
  void repeatedCompactionsBoundTheDirectoryAndKeepTheHardState() throws IOException {
    Path dir = tmp.resolve("wal");
    HardState hardState = new HardState(7, Optional.of(NodeId.of("n2")), 3);
    InMemoryLogStore expected = new InMemoryLogStore();
    try (WalLogStore wal = WalLogStore.open(dir, TINY_SEGMENT)) {
      wal.write(Optional.of(hardState), List.of()); // the only HARD_STATE the caller ever writes
      expected.write(Optional.of(hardState), List.of());
      long last = 0;
      long maxBytes = 0;
      for (int round = 0; round < 100; round++) {
        List<LogEntry> append = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          append.add(entry(++last, 7));
        }
        wal.write(Optional.empty(), append);
        expected.write(Optional.empty(), append);
        Snapshot snap = LogStoreSnapshotTest.snapshot(last - 2, 7);
        wal.saveSnapshot(snap);
        expected.saveSnapshot(snap);
        maxBytes = Math.max(maxBytes, directoryBytes(dir) + snapshotBytes(dir));
        assertThat(segments(dir)).as("round %d", round).hasSizeLessThanOrEqualTo(2);
        assertThat(SnapshotFile.list(dir)).containsExactly(SnapshotFile.path(dir, snap.index()));
      }
      assertThat(maxBytes).as("bounded, not growing with 800 entries").isLessThan(3 * TINY_SEGMENT);
      assertThat(wal.load()).isEqualTo(expected.load());
      assertThat(wal.load().hardState()).isEqualTo(hardState);
    }
    try (WalLogStore wal = WalLogStore.open(dir, TINY_SEGMENT)) {
      assertThat(wal.load()).isEqualTo(expected.load());
    }
  }

  @Test
  void aCrashAtEveryStepOfAKeepingInstallRecoversTheInstalledState() throws IOException {
    crashAtEveryStep(LogStoreSnapshotTest.snapshot(28, 3)); // entry 28 has term 3: 29, 30 stay
  }

  @Test
  void aCrashAtEveryStepOfADiscardingInstallRecoversTheInstalledState() throws IOException {
    crashAtEveryStep(LogStoreSnapshotTest.snapshot(28, 4)); // entry 28 has term 3: all go
  }

  @Test
  void aCrashBeforeTheRenameLeavesTheLogAsItWasAndTheTempFileIsDeleted() throws IOException {
    Path dir = tmp.resolve("wal");
    DurableState before = logWithOlderSnapshot(dir, new InMemoryLogStore());
    Snapshot snap = LogStoreSnapshotTest.snapshot(28, 3);
    ByteBuffer bytes = SnapshotFile.encode(snap);
    for (int cut : new int[] {0, 10, bytes.remaining() / 2, bytes.remaining()}) { // half-written or whole
      Path copy = copyOf(dir, tmp.resolve("cut-" + cut));
      Path temp = copy.resolve(SnapshotFile.path(copy, 28).getFileName() + ".tmp");
      Files.write(temp, java.util.Arrays.copyOf(array(bytes.duplicate()), cut));
      try (WalLogStore wal = WalLogStore.open(copy, TINY_SEGMENT)) {
        assertThat(wal.load()).as("cut %d", cut).isEqualTo(before);
        assertThat(temp).doesNotExist();
      }
    }
  }

  @Test
  void aDamagedNewestSnapshotIsAnErrorNamingTheFile() throws IOException {
    Path dir = tmp.resolve("wal");
    logWithOlderSnapshot(dir, new InMemoryLogStore());
    Path file = SnapshotFile.path(dir, 5);
    flipByte(file, Files.size(file) - 6);
    assertThatThrownBy(() -> WalLogStore.open(dir, TINY_SEGMENT))
        .isInstanceOfSatisfying(CorruptLogException.class, e -> assertThat(e.file()).isEqualTo(file))
        .hasMessageContaining("checksum");
    Files.write(file, new byte[] {1, 2, 3});
    assertThatThrownBy(() -> WalLogStore.open(dir, TINY_SEGMENT)).isInstanceOf(CorruptLogException.class);
  }

  @Test
  void aSnapshotRecordWithoutItsFileIsAnError() throws IOException {
    Path dir = tmp.resolve("wal");
    logWithOlderSnapshot(dir, new InMemoryLogStore());
    Files.delete(SnapshotFile.path(dir, 5));
    assertThatThrownBy(() -> WalLogStore.open(dir, TINY_SEGMENT))
        .isInstanceOf(CorruptLogException.class); // a SNAPSHOT record at 5, or entries after a gap, without its file
  }

  /**
   * Builds the directory states a crash can leave during an install of {@code snap} (the class
   * comment's steps) from copies taken before and after it, and checks that each opens to the
   * installed state, ends compacted, and takes writes.
   */
  private void crashAtEveryStep(Snapshot snap) throws IOException {
    Path before = tmp.resolve("before");
    InMemoryLogStore expected = new InMemoryLogStore();
    logWithOlderSnapshot(before, expected);
    expected.saveSnapshot(snap);
    DurableState installed = expected.load();
    Path after = copyOf(before, tmp.resolve("after"));
    try (WalLogStore wal = WalLogStore.open(after, TINY_SEGMENT)) {
      wal.saveSnapshot(snap);
      assertThat(wal.load()).isEqualTo(installed);
    }
    List<Path> oldSegments = segments(before);
    Set<String> oldNames = names(oldSegments);
    List<Path> newSegments = segments(after).stream().filter(p -> !oldNames.contains(name(p))).toList();
    assertThat(segments(after)).isEqualTo(newSegments);
    assertThat(oldSegments).hasSizeGreaterThan(3);
    Path newFile = SnapshotFile.path(after, snap.index());
    Path oldFile = SnapshotFile.path(before, 5);

    List<Path> states = new ArrayList<>();
    // 1. renamed, the new segment not (or partly) written: recovery decides and installs again
    long newBytes = 0;
    for (Path p : newSegments) {
      newBytes += Files.size(p);
    }
    for (long cut = 0; cut <= newBytes; cut++) {
      Path state = copyOf(before, tmp.resolve("renamed-" + cut));
      Files.copy(newFile, state.resolve(name(newFile)));
      long left = cut;
      for (Path p : newSegments) {
        byte[] b = Files.readAllBytes(p);
        int n = (int) Math.min(left, b.length);
        Files.write(state.resolve(name(p)), java.util.Arrays.copyOf(b, n));
        left -= n;
      }
      states.add(state);
    }
    // 2. the SNAPSHOT record durable, nothing deleted; then a corrupt leftover older snapshot
    Path written = copyOf(before, tmp.resolve("written"));
    copyInto(after, written);
    states.add(written);
    Path corruptOld = copyOf(written, tmp.resolve("written-corrupt-old"));
    Files.write(corruptOld.resolve(name(oldFile)), new byte[] {9, 9, 9});
    states.add(corruptOld);
    // 3. the older snapshot deleted; 4. then old segments deleted, newest first, one by one
    for (int deleted = 0; deleted < oldSegments.size(); deleted++) {
      Path state = copyOf(written, tmp.resolve("deleted-" + deleted));
      Files.delete(state.resolve(name(oldFile)));
      for (int i = 0; i < deleted; i++) {
        Files.delete(state.resolve(name(oldSegments.get(oldSegments.size() - 1 - i))));
      }
      states.add(state);
    }

    for (Path state : states) {
      try (WalLogStore wal = WalLogStore.open(state, TINY_SEGMENT)) {
        assertThat(wal.load()).as("%s", state.getFileName()).isEqualTo(installed);
        assertThat(SnapshotFile.list(state)).as("%s", state.getFileName())
            .containsExactly(SnapshotFile.path(state, snap.index()));
        assertThat(names(segments(state))).as("%s: old segments deleted", state.getFileName())
            .doesNotContainAnyElementsOf(oldNames);
        wal.write(Optional.empty(), List.of(entry(installed.log().isEmpty() ? snap.index() + 1 : 31, 4)));
      }
      try (WalLogStore wal = WalLogStore.open(state, TINY_SEGMENT)) {
        DurableState reopened = wal.load();
        assertThat(reopened.snapshot()).contains(snap);
        assertThat(reopened.log()).as("%s", state.getFileName()).hasSize(installed.log().size() + 1);
        assertThat(reopened.log().subList(0, installed.log().size())).isEqualTo(installed.log());
      }
    }
  }

  /**
   * Hard state (term 4) and entries 1..30 (terms 1, 2, 3 by tens) in tiny segments, compacted once
   * at entry 5 so that an older snapshot file exists; the same written to {@code expected}.
   */
  private DurableState logWithOlderSnapshot(Path dir, InMemoryLogStore expected) {
    HardState hardState = new HardState(4, Optional.of(NodeId.of("n1")), 12);
    try (WalLogStore wal = WalLogStore.open(dir, TINY_SEGMENT)) {
      for (LogStore store : List.<LogStore>of(wal, expected)) {
        store.write(Optional.of(hardState), List.of());
        for (int i = 1; i <= 30; i++) {
          store.write(Optional.empty(), List.of(entry(i, 1 + (i - 1) / 10)));
          if (i == 8) {
            store.saveSnapshot(LogStoreSnapshotTest.snapshot(5, 1));
          }
        }
      }
      assertThat(wal.load()).isEqualTo(expected.load());
      return expected.load();
    }
  }

  // ---- fixtures ----

  /** Where the last record of the log is: the last segment, and its start and end. */
  private record Tail(List<LogEntry> entries, Path file, long recordStart, long fileEnd) {}

  /** A log of one hard state (term 1) and {@code n} entries, one per write, in tiny segments. */
  private Tail writeEntries(Path dir, int n) throws IOException {
    List<LogEntry> entries = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      entries.add(entry(i, 1));
    }
    try (WalLogStore wal = WalLogStore.open(dir, TINY_SEGMENT)) {
      wal.write(Optional.of(new HardState(1, Optional.empty(), 0)), List.of());
      for (int i = 0; i < n - 1; i++) {
        wal.write(Optional.empty(), List.of(entries.get(i)));
      }
      List<Path> before = segments(dir);
      Path lastBefore = before.get(before.size() - 1);
      long sizeBefore = Files.size(lastBefore);
      wal.write(Optional.empty(), List.of(entries.get(n - 1)));
      List<Path> after = segments(dir);
      Path last = after.get(after.size() - 1);
      long start = last.equals(lastBefore) ? sizeBefore : 0;
      return new Tail(entries, last, start, Files.size(last));
    }
  }

  private static byte[] entryRecord(LogEntry e) {
    return array(WalLogStore.record(WalLogStore.ENTRY, ByteBuffer.allocate(17 + e.command().length)
        .putLong(e.index()).putLong(e.term()).put((byte) e.type().ordinal()).put(e.command()).array()));
  }

  private static byte[] hardStateRecord(long term) {
    return array(WalLogStore.record(WalLogStore.HARD_STATE,
        ByteBuffer.allocate(18).putLong(term).putLong(0).putShort((short) -1).array()));
  }

  private static byte[] array(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.get(a);
    return a;
  }

  private static LogEntry entry(long index, long term) {
    return LogEntry.command(index, term, ("command " + index + "@" + term).getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] bytes(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  static List<Path> segments(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().matches("wal-\\d{20}\\.log")).sorted().toList();
    }
  }

  private static long directoryBytes(Path dir) throws IOException {
    long total = 0;
    for (Path p : segments(dir)) {
      total += Files.size(p);
    }
    return total;
  }

  /** A copy of every file (segments and snapshots) in {@code dir}. */
  private static Path copyOf(Path dir, Path target) throws IOException {
    Files.createDirectories(target);
    copyInto(dir, target);
    return target;
  }

  private static void copyInto(Path dir, Path target) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.toList()) {
        Files.copy(p, target.resolve(p.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  private static long snapshotBytes(Path dir) throws IOException {
    long total = 0;
    for (Path p : SnapshotFile.list(dir)) {
      total += Files.size(p);
    }
    return total;
  }

  private static String name(Path p) {
    return p.getFileName().toString();
  }

  private static Set<String> names(List<Path> files) {
    Set<String> names = new HashSet<>();
    files.forEach(p -> names.add(name(p)));
    return names;
  }

  private static void flipByte(Path file, long offset) throws IOException {
    byte[] b = Files.readAllBytes(file);
    b[(int) offset] ^= 0x5a;
    Files.write(file, b);
  }
}
