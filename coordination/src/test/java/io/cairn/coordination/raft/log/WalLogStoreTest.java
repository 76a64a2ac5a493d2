package io.cairn.coordination.raft.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.coordination.raft.DurableState;
import io.cairn.coordination.raft.HardState;
import io.cairn.coordination.raft.LogEntry;
import io.cairn.membership.NodeId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
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

  private static Path copyOf(Path dir, Path target) throws IOException {
    Files.createDirectories(target);
    for (Path p : segments(dir)) {
      Files.copy(p, target.resolve(p.getFileName()));
    }
    return target;
  }

  private static void flipByte(Path file, long offset) throws IOException {
    byte[] b = Files.readAllBytes(file);
    b[(int) offset] ^= 0x5a;
    Files.write(file, b);
  }
}
