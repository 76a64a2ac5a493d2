package io.cairn.coordination.raft.log;

import java.nio.file.Path;

/**
 * The write-ahead log holds a record that is damaged where it cannot be a torn final write (for
 * example in the middle of an older segment), so committed data may be lost. The node must not
 * start from it; an operator restores the directory or rebuilds the node from its peers.
 */
public final class CorruptLogException extends RuntimeException {
  private final Path file;
  private final long offset;

  CorruptLogException(Path file, long offset, String reason) {
    super("corrupt write-ahead log record in " + file + " at offset " + offset + ": " + reason);
    this.file = file;
    this.offset = offset;
  }

  public Path file() {
    return file;
  }

  public long offset() {
    return offset;
  }
}
