package io.cairn.coordination.raft.log;

import io.cairn.coordination.raft.DurableState;
import io.cairn.coordination.raft.HardState;
import io.cairn.coordination.raft.LogEntry;
import io.cairn.coordination.raft.Snapshot;
import io.cairn.membership.NodeId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link LogStore} on disk: a directory of segment files {@code wal-<sequence>.log} (20 digits,
 * from 1), each a run of records
 *
 * <pre>
 *   int length | byte type | payload (length bytes) | int crc32c(length, type, payload)
 *   ENTRY      payload: long index, long term, byte entry type, command bytes
 *   HARD_STATE payload: long term, long commitIndex, short voteLength (-1: none), vote (UTF-8)
 *   TRUNCATE   payload: long fromIndex   (the log is cut at fromIndex before what follows)
 *   SNAPSHOT   payload: long index, long term, long lastKept, long firstSequence
 *              (the snapshot at index replaces the log up to index; of the entries after it only
 *              index+1..lastKept stay; segments before firstSequence hold nothing still needed)
 * </pre>
 *
 * and at most two snapshot files ({@link SnapshotFile}; normally one, the newest).
 *
 * A {@link #write} appends a HARD_STATE record, then a TRUNCATE record if the append overlaps the
 * log, then one ENTRY record per entry, and calls {@code force(false)} once. On replay an ENTRY at or
 * before the last index cuts the log there first, unless it equals the entry already there (the
 * copies an install writes, below): then it changes nothing, so a torn copy never shortens the log. A segment rolls to the
 * next when a record would take it past the size limit (the old one is forced first).
 *
 * <p><b>Snapshots.</b> {@link #saveSnapshot} decides by Raft's rule whether the entries after the
 * snapshot stay (the log holds entry index with the snapshot's term) or all go, then:
 *
 * <ol>
 *   <li>writes the snapshot file atomically (temp file, force, rename, force the directory): the
 *       commit point;
 *   <li>rolls to a new segment and writes into it the current HARD_STATE, the kept entries again
 *       (ENTRY records), and the SNAPSHOT record, then forces it. The new segment so holds all that
 *       is still needed, and the SNAPSHOT record after the copies makes "these entries stay" and
 *       "the others go" one atomic record: a torn copy leaves no SNAPSHOT record, and an entry the
 *       install discarded can never be replayed back;
 *   <li>deletes the older snapshot file, forces the directory;
 *   <li>deletes every segment before the new one, newest first, and forces the directory.
 * </ol>
 *
 * Copying the kept entries forward costs a rewrite of the log after the snapshot (usually the few
 * entries not yet applied) but bounds the directory to the segments written since the last
 * snapshot, whatever was overwritten or discarded in the older ones.
 *
 * <p><b>Recovery.</b> {@link #open} deletes {@code .tmp} snapshot files (installs that never
 * committed), reads the newest snapshot file (a damaged one is committed data: {@link
 * CorruptLogException}) and replays every segment in order from the <em>oldest</em> snapshot file's
 * index: entries at or below that index, and cuts below it, only clear what follows it, which is
 * what a replay from index 1 would leave above it. Step 3 runs before step 4, so while a segment
 * written before a snapshot is still missing, the older snapshot file is already gone; and segments
 * go newest first, so the remaining old ones are always a prefix of the history. If the newest
 * snapshot has no SNAPSHOT record (a crash between steps 1 and 2) recovery decides the rule on the
 * replayed log and runs steps 2–4; if it has one, it finishes steps 3 and 4. A SNAPSHOT record for a
 * snapshot newer than every file means the file was lost: {@link CorruptLogException}.
 *
 * <p>The first record that runs past the end of its file or fails its CRC is a torn or damaged tail
 * if it is in the last non-empty segment: the file is truncated there (WARN with file and offset),
 * later empty segments are deleted, and nothing after it is applied. Anywhere else it is committed
 * data that was damaged: {@link CorruptLogException} naming the file and offset. Because the hard
 * state is written before the entries of the same write, a torn write never leaves an entry whose
 * term the hard state has not reached. A torn write that overlapped the log may leave it shorter
 * than before (the TRUNCATE, or an overlapping ENTRY, cuts it); that is safe because the write was
 * never reported durable and Raft overwrites only an uncommitted, conflicting suffix.
 *
 * <p>Limits: a damaged record in the last non-empty segment is always taken for a torn write, so a
 * bit flip in the middle of the active segment drops the records after it (with the WARN) instead
 * of failing; segments are read whole into memory on open, on {@link #load} and on each snapshot
 * install (which replays the log to decide what stays and to copy it).
 *
 * <p>Blocking: every method does file I/O; run it on the {@code cairn-wal} worker, never on an event
 * loop. Thread-safe (one lock); concurrent callers who want to share an fsync use {@link
 * GroupCommitter}. After an I/O error the store refuses further writes (a node that cannot persist
 * must stop voting and acknowledging).
 */
public final class WalLogStore implements LogStore {
  public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;

  static final byte ENTRY = 1;
  static final byte HARD_STATE = 2;
  static final byte TRUNCATE = 3;
  static final byte SNAPSHOT = 4;
  static final int HEADER_BYTES = 5;
  static final int TRAILER_BYTES = 4;

  private static final Logger log = LoggerFactory.getLogger(WalLogStore.class);
  private static final Pattern SEGMENT = Pattern.compile("wal-(\\d{20})\\.log");

  private final Path dir;
  private final long segmentBytes;
  private FileChannel active;
  private long activeSequence;
  private long activeSize;
  private Snapshot snapshot;
  private long snapshotIndex;
  private long lastIndex;
  private long fsyncs;
  private boolean closed;
  private IOException failure;

  private WalLogStore(Path dir, long segmentBytes) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
  }

  /** Opens (creating if needed) the log in {@code dir} with 64 MiB segments, repairing a torn tail. */
  public static WalLogStore open(Path dir) {
    return open(dir, DEFAULT_SEGMENT_BYTES);
  }

  /**
   * Opens (creating if needed) the log in {@code dir}, repairing a torn tail and finishing a
   * snapshot install that a crash interrupted.
   *
   * @throws CorruptLogException if a record before the tail, or the newest snapshot file, is damaged
   * @throws UncheckedIOException if the directory cannot be read or written
   */
  public static WalLogStore open(Path dir, long segmentBytes) {
    Objects.requireNonNull(dir, "dir");
    if (segmentBytes < 64) {
      throw new IllegalArgumentException("a segment holds at least 64 bytes: " + segmentBytes);
    }
    WalLogStore store = new WalLogStore(dir, segmentBytes);
    try {
      store.recover();
    } catch (IOException e) {
      store.closeQuietly();
      throw new UncheckedIOException("cannot open the write-ahead log in " + dir, e);
    } catch (RuntimeException e) {
      store.closeQuietly();
      throw e;
    }
    return store;
  }

  @Override
  public synchronized DurableState load() {
    checkOpen();
    try {
      Replay r = replay(segments(), replayBase(), false);
      if (r.base != snapshotIndex) {
        throw new IllegalStateException("the write-ahead log in " + dir + " replays to a snapshot at " + r.base
            + " but holds the one at " + snapshotIndex);
      }
      return new DurableState(r.hardState, Optional.ofNullable(snapshot), r.log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the write-ahead log in " + dir, e);
    }
  }

  @Override
  public void write(Optional<HardState> hardState, List<LogEntry> append) {
    throwIfFailed(writeBatches(List.of(new Batch(hardState, append))).get(0));
  }

  @Override
  public void saveSnapshot(Snapshot snapshot) {
    throwIfFailed(writeBatches(List.of(new Install(snapshot))).get(0));
  }

  /** How many times a segment file has been forced to disk since {@link #open}. */
  public synchronized long fsyncCount() {
    return fsyncs;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (active != null) {
        active.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close the write-ahead log in " + dir, e);
    }
  }

  /** One unit of {@link #writeBatches}: a write or a snapshot install. */
  sealed interface Op permits Batch, Install {}

  /** One caller's write: a hard state and an append, as in {@link #write}. */
  record Batch(Optional<HardState> hardState, List<LogEntry> append) implements Op {
    Batch {
      Objects.requireNonNull(hardState, "hardState");
      append = List.copyOf(append);
    }
  }

  /** One caller's snapshot install, as in {@link #saveSnapshot}. */
  record Install(Snapshot snapshot) implements Op {
    Install {
      Objects.requireNonNull(snapshot, "snapshot");
    }
  }

  /**
   * Writes the operations in order and forces once after the last write (an install forces its own
   * file and segment, which also covers the writes before it). Returns, per operation, null if it is
   * durable (or an ignored old snapshot) or the {@link IllegalArgumentException} that rejected a
   * write (it wrote nothing; later operations are checked against the log without it).
   *
   * @throws UncheckedIOException if writing failed: no operation may be taken as durable
   */
  synchronized List<RuntimeException> writeBatches(List<? extends Op> ops) {
    checkOpen();
    if (failure != null) {
      throw new IllegalStateException("the write-ahead log in " + dir + " failed earlier and accepts no writes", failure);
    }
    List<RuntimeException> results = new ArrayList<>(ops.size());
    boolean wrote = false;
    try {
      for (Op op : ops) {
        if (op instanceof Install install) {
          if (install.snapshot().index() > snapshotIndex) {
            install(install.snapshot());
            wrote = false; // the install forced everything before it
          }
          results.add(null);
          continue;
        }
        Batch batch = (Batch) op;
        try {
          Appends.checkContiguous(snapshotIndex, lastIndex, batch.append());
        } catch (IllegalArgumentException e) {
          results.add(e);
          continue;
        }
        if (batch.hardState().isPresent()) {
          append(hardStateRecord(batch.hardState().get()));
          wrote = true;
        }
        if (!batch.append().isEmpty()) {
          long first = batch.append().get(0).index();
          if (first <= lastIndex) {
            append(record(TRUNCATE, ByteBuffer.allocate(8).putLong(first).array()));
          }
          for (LogEntry e : batch.append()) {
            append(entryRecord(e));
          }
          lastIndex = batch.append().get(batch.append().size() - 1).index();
          wrote = true;
        }
        results.add(null);
      }
      if (wrote) {
        force();
      }
    } catch (IOException e) {
      failure = e;
      throw new UncheckedIOException("cannot write the write-ahead log in " + dir + "; it accepts no more writes", e);
    }
    return results;
  }

  private static void throwIfFailed(RuntimeException failed) {
    if (failed != null) {
      throw failed;
    }
  }

  // ---- snapshots ----

  /** Steps 1–4 of the class comment for a snapshot newer than the current one. */
  private void install(Snapshot s) throws IOException {
    Replay r = replay(segments(), replayBase(), false);
    SnapshotFile.write(dir, s);
    commitSnapshot(s, r);
  }

  /** Steps 2–4: the snapshot's file is committed; {@code r} is the log as it was before it. */
  private void commitSnapshot(Snapshot s, Replay r) throws IOException {
    List<LogEntry> kept = r.termAt(s.index()) == s.term() ? r.entriesAfter(s.index()) : List.of();
    long lastKept = kept.isEmpty() ? s.index() : kept.get(kept.size() - 1).index();
    roll();
    long first = activeSequence;
    append(hardStateRecord(r.hardState));
    for (LogEntry e : kept) {
      append(entryRecord(e));
    }
    append(record(SNAPSHOT, ByteBuffer.allocate(32)
        .putLong(s.index()).putLong(s.term()).putLong(lastKept).putLong(first).array()));
    force();
    snapshot = s;
    snapshotIndex = s.index();
    lastIndex = lastKept;
    log.debug("Write-ahead log {}: installed {}, kept entries up to {}", dir, s, lastKept);
    deleteBefore(first);
  }

  /** Steps 3–4: deletes older snapshot files, then every segment before {@code firstSequence}. */
  private void deleteBefore(long firstSequence) throws IOException {
    boolean deleted = false;
    for (Path p : SnapshotFile.list(dir)) {
      if (SnapshotFile.indexOf(p) < snapshotIndex) {
        Files.delete(p);
        deleted = true;
      }
    }
    if (deleted) {
      SnapshotFile.forceDirectory(dir);
      deleted = false;
    }
    List<Path> segments = segments();
    for (int i = segments.size() - 1; i >= 0; i--) { // newest first: the rest stay a prefix of history
      Path p = segments.get(i);
      if (sequenceOf(p) < firstSequence && sequenceOf(p) != activeSequence) {
        Files.delete(p);
        deleted = true;
      }
    }
    if (deleted) {
      SnapshotFile.forceDirectory(dir);
    }
  }

  /** The index a replay starts above: the oldest snapshot file's (see the class comment). */
  private long replayBase() throws IOException {
    List<Path> files = SnapshotFile.list(dir);
    return files.isEmpty() ? 0 : SnapshotFile.indexOf(files.get(0));
  }

  // ---- writing ----

  private void append(ByteBuffer record) throws IOException {
    if (activeSize > 0 && activeSize + record.remaining() > segmentBytes) {
      roll();
    }
    int n = record.remaining();
    while (record.hasRemaining()) {
      active.write(record);
    }
    activeSize += n;
  }

  private void roll() throws IOException {
    force();
    active.close();
    active = null;
    openSegment(activeSequence + 1, true);
  }

  private void force() throws IOException {
    active.force(false);
    fsyncs++;
  }

  private void openSegment(long sequence, boolean create) throws IOException {
    Path path = segmentPath(sequence);
    if (create) {
      active = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      forceDirectory();
    } else {
      active = FileChannel.open(path, StandardOpenOption.WRITE);
    }
    activeSequence = sequence;
    activeSize = active.size();
    active.position(activeSize);
  }

  private void forceDirectory() throws IOException {
    SnapshotFile.forceDirectory(dir);
  }

  static ByteBuffer record(byte type, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + payload.length + TRAILER_BYTES);
    b.putInt(payload.length).put(type).put(payload);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, HEADER_BYTES + payload.length);
    b.putInt((int) crc.getValue());
    return b.flip();
  }

  private static ByteBuffer entryRecord(LogEntry e) {
    byte[] command = e.command();
    return record(ENTRY, ByteBuffer.allocate(17 + command.length)
        .putLong(e.index()).putLong(e.term()).put((byte) e.type().ordinal()).put(command).array());
  }

  private static ByteBuffer hardStateRecord(HardState h) {
    byte[] vote = h.votedFor().map(v -> v.value().getBytes(StandardCharsets.UTF_8)).orElse(new byte[0]);
    ByteBuffer p = ByteBuffer.allocate(18 + vote.length).putLong(h.term()).putLong(h.commitIndex());
    p.putShort((short) (h.votedFor().isPresent() ? vote.length : -1)).put(vote);
    return record(HARD_STATE, p.array());
  }

  // ---- reading ----

  private void recover() throws IOException {
    Files.createDirectories(dir);
    if (SnapshotFile.deleteUncommitted(dir) > 0) {
      log.warn("Write-ahead log {}: deleted snapshot files whose install never committed", dir);
      forceDirectory();
    }
    List<Path> files = SnapshotFile.list(dir);
    Snapshot newest = files.isEmpty() ? null : SnapshotFile.read(files.get(files.size() - 1));
    long newestIndex = newest == null ? 0 : newest.index();
    List<Path> segments = segments();
    Replay replay = replay(segments, replayBase(), true);
    if (replay.base > newestIndex) {
      throw new CorruptLogException(replay.markerFile, replay.markerOffset, "a SNAPSHOT record at index "
          + replay.base + " but the newest snapshot file is at " + newestIndex);
    }
    snapshotIndex = replay.base;
    snapshot = snapshotIndex == 0 ? null : newest;
    lastIndex = replay.lastIndex();
    if (segments.isEmpty()) {
      openSegment(1, true);
    } else {
      openSegment(sequenceOf(replay.lastSegment), false);
    }
    if (newest != null && replay.base < newestIndex) {
      log.warn("Write-ahead log {}: finishing the install of {} that a crash interrupted", dir, newest);
      commitSnapshot(newest, replay);
    } else if (replay.markerFirstSequence > 0) {
      deleteBefore(replay.markerFirstSequence);
    }
  }

  /**
   * The state the records in {@code segments} describe above {@code base}, repairing a torn tail if
   * {@code repair}.
   */
  private Replay replay(List<Path> segments, long base, boolean repair) throws IOException {
    Replay r = new Replay(base);
    for (int i = 0; i < segments.size(); i++) {
      Path file = segments.get(i);
      byte[] bytes = Files.readAllBytes(file);
      r.lastSegment = file;
      long bad = r.scan(file, bytes);
      if (bad < 0) {
        continue;
      }
      List<Path> later = segments.subList(i + 1, segments.size());
      for (Path p : later) {
        if (Files.size(p) > 0) {
          throw new CorruptLogException(file, bad,
              "a damaged record before later non-empty segments (" + p.getFileName() + ") is not a torn tail");
        }
      }
      if (!repair) {
        throw new CorruptLogException(file, bad, "damaged tail appeared while the log was open");
      }
      log.warn("Write-ahead log {}: torn or damaged record at offset {} of {} bytes; truncating the file there"
          + " and dropping everything after it ({} later empty segments deleted)", file, bad, bytes.length, later.size());
      try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
        c.truncate(bad);
        c.force(true);
      }
      for (Path p : later) {
        Files.delete(p);
      }
      forceDirectory();
      break;
    }
    return r;
  }

  private List<Path> segments() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> SEGMENT.matcher(p.getFileName().toString()).matches()).sorted().toList();
    }
  }

  private Path segmentPath(long sequence) {
    return dir.resolve(String.format("wal-%020d.log", sequence));
  }

  private static long sequenceOf(Path segment) {
    Matcher m = SEGMENT.matcher(segment.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalStateException("not a segment: " + segment);
    }
    return Long.parseLong(m.group(1));
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the write-ahead log in " + dir + " is closed");
    }
  }

  private void closeQuietly() {
    try {
      close();
    } catch (RuntimeException ignored) {
      // already failing
    }
  }

  /**
   * The log and hard state rebuilt from records, in order, above a base index (a snapshot's). What
   * happens at or below the base is known only by its effect above it: an entry or a cut there
   * clears everything after the base, as a replay from index 1 would.
   */
  static final class Replay {
    HardState hardState = HardState.INITIAL;
    long base;
    /** The entries after {@code base}: {@code log.get(i)} has index {@code base + 1 + i}. */
    final ArrayList<LogEntry> log = new ArrayList<>();
    Path lastSegment;
    long markerFirstSequence;
    Path markerFile;
    long markerOffset;

    Replay(long base) {
      this.base = base;
    }

    long lastIndex() {
      return base + log.size();
    }

    /** The term of entry {@code index} if the log holds it, else 0 (no term is 0). */
    long termAt(long index) {
      return index > base && index <= lastIndex() ? log.get((int) (index - base - 1)).term() : 0;
    }

    List<LogEntry> entriesAfter(long index) {
      return List.copyOf(log.subList((int) (Math.max(index, base) - base), log.size()));
    }

    /** Applies the intact records of {@code bytes}; returns the offset of the first damaged one, or -1. */
    long scan(Path file, byte[] bytes) {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      int pos = 0;
      while (pos < bytes.length) {
        int remaining = bytes.length - pos;
        if (remaining < HEADER_BYTES + TRAILER_BYTES) {
          return pos;
        }
        int length = b.getInt(pos);
        if (length < 0 || length > remaining - HEADER_BYTES - TRAILER_BYTES) {
          return pos;
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, pos, HEADER_BYTES + length);
        if ((int) crc.getValue() != b.getInt(pos + HEADER_BYTES + length)) {
          return pos;
        }
        apply(file, pos, bytes[pos + 4], ByteBuffer.wrap(bytes, pos + HEADER_BYTES, length).slice());
        pos += HEADER_BYTES + length + TRAILER_BYTES;
      }
      return -1;
    }

    private void apply(Path file, long offset, byte type, ByteBuffer p) {
      try {
        switch (type) {
          case ENTRY -> {
            long index = p.getLong();
            long term = p.getLong();
            int kind = p.get();
            if (kind < 0 || kind >= LogEntry.Type.values().length) {
              throw new CorruptLogException(file, offset, "unknown entry type " + kind);
            }
            byte[] command = new byte[p.remaining()];
            p.get(command);
            if (index > lastIndex() + 1) {
              throw new CorruptLogException(file, offset, "entry " + index + " after a log ending at " + lastIndex());
            }
            LogEntry entry = new LogEntry(index, term, LogEntry.Type.values()[kind], command);
            if (index > base && index <= lastIndex() && log.get((int) (index - base - 1)).equals(entry)) {
              return; // a copy an install wrote: the log already holds it
            }
            cut(index);
            if (index > base) {
              log.add(entry);
            }
          }
          case HARD_STATE -> {
            long term = p.getLong();
            long commitIndex = p.getLong();
            int voteLength = p.getShort();
            Optional<NodeId> vote = Optional.empty();
            if (voteLength >= 0) {
              byte[] v = new byte[voteLength];
              p.get(v);
              vote = Optional.of(NodeId.of(new String(v, StandardCharsets.UTF_8)));
            }
            hardState = new HardState(term, vote, commitIndex);
          }
          case TRUNCATE -> {
            long from = p.getLong();
            if (from < 1 || from > lastIndex() + 1) {
              throw new CorruptLogException(file, offset, "truncate from " + from + " of a log ending at " + lastIndex());
            }
            cut(from);
          }
          case SNAPSHOT -> {
            long index = p.getLong();
            long term = p.getLong();
            long lastKept = p.getLong();
            long firstSequence = p.getLong();
            if (index < 1 || term < 1 || lastKept < index || lastKept > Math.max(lastIndex(), index)) {
              throw new CorruptLogException(file, offset, "a SNAPSHOT record at " + index + "@" + term
                  + " keeping up to " + lastKept + " of a log ending at " + lastIndex());
            }
            cut(lastKept + 1);
            if (index >= base) {
              log.subList(0, (int) Math.min(log.size(), index - base)).clear();
              base = index;
              markerFirstSequence = firstSequence;
              markerFile = file;
              markerOffset = offset;
            }
          }
          default -> throw new CorruptLogException(file, offset, "unknown record type " + type);
        }
      } catch (RuntimeException e) {
        if (e instanceof CorruptLogException) {
          throw e;
        }
        throw new CorruptLogException(file, offset, "intact checksum but unreadable payload: " + e);
      }
    }

    /** Cuts the log at {@code from}: everything after the base if {@code from} is at or below it. */
    private void cut(long from) {
      log.subList((int) (Math.max(from, base + 1) - base - 1), log.size()).clear();
    }
  }
}
