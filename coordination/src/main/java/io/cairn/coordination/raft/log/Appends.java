package io.cairn.coordination.raft.log;

import io.cairn.coordination.raft.LogEntry;
import java.util.List;
import java.util.Objects;

/** The one check every store makes before it writes a batch. */
final class Appends {
  private Appends() {}

  /**
   * Throws unless {@code append} is contiguous and starts in {@code snapshotIndex + 1 .. lastIndex +
   * 1}: after a snapshot the log's base is the snapshot's index, so an append may start right after
   * it even when no entry is left, and may never rewrite what the snapshot covers.
   */
  static void checkContiguous(long snapshotIndex, long lastIndex, List<LogEntry> append) {
    Objects.requireNonNull(append, "append");
    if (append.isEmpty()) {
      return;
    }
    long first = Objects.requireNonNull(append.get(0), "entry").index();
    if (first > lastIndex + 1) {
      throw new IllegalArgumentException(
          "an append starts at most one past the last index " + lastIndex + ", not at " + first);
    }
    if (first <= snapshotIndex) {
      throw new IllegalArgumentException(
          "an append starts after the snapshot at index " + snapshotIndex + ", not at " + first);
    }
    for (int i = 1; i < append.size(); i++) {
      LogEntry e = Objects.requireNonNull(append.get(i), "entry");
      if (e.index() != first + i) {
        throw new IllegalArgumentException(
            "an append is contiguous: expected index " + (first + i) + " but got " + e + " in " + append);
      }
    }
  }
}
