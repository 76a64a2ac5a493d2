package io.cairn.coordination.raft.log;

import io.cairn.coordination.raft.Snapshot;
import io.cairn.membership.NodeId;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * One snapshot on disk, {@code snapshot-<index>.snap} (20 digits) in the write-ahead log's
 * directory:
 *
 * <pre>
 *   int magic "CSNP" | short version (1) | long index | long term
 *   | int voterCount | voterCount × (short length | UTF-8 id)
 *   | int dataLength | data | int crc32c(everything before it)
 * </pre>
 *
 * It is written to {@code snapshot-<index>.snap.tmp}, forced, renamed to its final name and the
 * directory forced: the rename is the commit point, so a file under the final name is complete
 * unless the disk damaged it, and a {@code .tmp} file is an install that never committed. The index
 * is in the name so that recovery can order snapshots (and know how far the log was compacted)
 * without trusting the contents of a file it is about to delete.
 */
final class SnapshotFile {
  static final int MAGIC = 0x43534E50; // "CSNP"
  static final short VERSION = 1;
  private static final Pattern NAME = Pattern.compile("snapshot-(\\d{20})\\.snap");
  private static final String TMP_SUFFIX = ".tmp";

  private SnapshotFile() {}

  static Path path(Path dir, long index) {
    return dir.resolve(String.format("snapshot-%020d.snap", index));
  }

  static long indexOf(Path file) {
    Matcher m = NAME.matcher(file.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalStateException("not a snapshot file: " + file);
    }
    return Long.parseLong(m.group(1));
  }

  /** The committed snapshot files in {@code dir}, oldest (lowest index) first. */
  static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> NAME.matcher(p.getFileName().toString()).matches()).sorted().toList();
    }
  }

  /** Deletes every uncommitted ({@code .tmp}) snapshot file; returns how many. */
  static int deleteUncommitted(Path dir) throws IOException {
    List<Path> tmp;
    try (Stream<Path> files = Files.list(dir)) {
      tmp = files.filter(p -> {
        String name = p.getFileName().toString();
        return name.endsWith(TMP_SUFFIX)
            && NAME.matcher(name.substring(0, name.length() - TMP_SUFFIX.length())).matches();
      }).toList();
    }
    for (Path p : tmp) {
      Files.delete(p);
    }
    return tmp.size();
  }

  /** Writes {@code s} atomically (temp file, force, rename, force the directory); returns its path. */
  static Path write(Path dir, Snapshot s) throws IOException {
    Path target = path(dir, s.index());
    Path tmp = target.resolveSibling(target.getFileName() + TMP_SUFFIX);
    ByteBuffer bytes = encode(s);
    try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      while (bytes.hasRemaining()) {
        c.write(bytes);
      }
      c.force(true);
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    forceDirectory(dir);
    return target;
  }

  static ByteBuffer encode(Snapshot s) {
    List<byte[]> ids = new ArrayList<>();
    int size = 4 + 2 + 8 + 8 + 4 + 4 + s.data().length + 4;
    for (NodeId v : s.voters()) {
      byte[] id = v.value().getBytes(StandardCharsets.UTF_8);
      if (id.length > Short.MAX_VALUE) {
        throw new IllegalArgumentException("a voter id longer than " + Short.MAX_VALUE + " bytes: " + v);
      }
      ids.add(id);
      size += 2 + id.length;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.putInt(MAGIC).putShort(VERSION).putLong(s.index()).putLong(s.term()).putInt(ids.size());
    for (byte[] id : ids) {
      b.putShort((short) id.length).put(id);
    }
    b.putInt(s.data().length).put(s.data());
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, size - 4);
    b.putInt((int) crc.getValue());
    return b.flip();
  }

  /**
   * Reads a committed snapshot file.
   *
   * @throws CorruptLogException if it is short, has a wrong magic, version or checksum, or holds a
   *     snapshot of another index than its name says
   */
  static Snapshot read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    if (bytes.length < 4 + 2 + 8 + 8 + 4 + 4 + 4) {
      throw new CorruptLogException(file, 0, "a snapshot file of " + bytes.length + " bytes is too short");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    if (b.getInt() != MAGIC) {
      throw new CorruptLogException(file, 0, "not a snapshot file (bad magic)");
    }
    short version = b.getShort();
    if (version != VERSION) {
      throw new CorruptLogException(file, 4, "unknown snapshot file version " + version);
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    if ((int) crc.getValue() != b.getInt(bytes.length - 4)) {
      throw new CorruptLogException(file, bytes.length - 4, "snapshot checksum mismatch");
    }
    try {
      long index = b.getLong();
      long term = b.getLong();
      int n = b.getInt();
      if (n < 1 || n > bytes.length) {
        throw new CorruptLogException(file, b.position() - 4, "a snapshot with " + n + " voters");
      }
      List<NodeId> voters = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        byte[] id = new byte[b.getShort()];
        b.get(id);
        voters.add(NodeId.of(new String(id, StandardCharsets.UTF_8)));
      }
      byte[] data = new byte[b.getInt()];
      b.get(data);
      if (b.remaining() != 4) {
        throw new CorruptLogException(file, b.position(), "trailing bytes in a snapshot file");
      }
      if (index != indexOf(file)) {
        throw new CorruptLogException(file, 6, "holds the snapshot at index " + index + ", not the one its name says");
      }
      return new Snapshot(index, term, voters, data);
    } catch (BufferUnderflowException | NegativeArraySizeException | IllegalArgumentException e) {
      throw new CorruptLogException(file, b.position(), "intact checksum but unreadable snapshot: " + e);
    }
  }

  static void forceDirectory(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}
