package io.cairn.coordination.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * The in-memory log of a core: entries {@code snapshotIndex + 1 .. lastIndex}, contiguous, behind
 * the snapshot that replaced everything up to {@code snapshotIndex} (0 without one). The term at
 * {@code snapshotIndex} is kept, so an append right after the snapshot can still be checked; the
 * terms of earlier entries are gone, and asking for them is a bug.
 */
final class RaftLog {
  private final ArrayList<LogEntry> entries;
  private long snapshotIndex;
  private long snapshotTerm;

  RaftLog(long snapshotIndex, long snapshotTerm, List<LogEntry> restored) {
    this.snapshotIndex = snapshotIndex;
    this.snapshotTerm = snapshotTerm;
    this.entries = new ArrayList<>(restored);
  }

  RaftLog(List<LogEntry> restored) {
    this(0, 0, restored);
  }

  long snapshotIndex() {
    return snapshotIndex;
  }

  long snapshotTerm() {
    return snapshotTerm;
  }

  long lastIndex() {
    return snapshotIndex + entries.size();
  }

  long lastTerm() {
    return termAt(lastIndex());
  }

  /** The term of the entry at {@code index}: 0 for index 0, the snapshot's term at its index. */
  long termAt(long index) {
    if (index == snapshotIndex) {
      return snapshotTerm;
    }
    return get(index).term();
  }

  /** Whether the term at {@code index} is still known (not compacted away, not past the end). */
  boolean hasTermAt(long index) {
    return index >= snapshotIndex && index <= lastIndex();
  }

  LogEntry get(long index) {
    if (index <= snapshotIndex || index > lastIndex()) {
      throw new IllegalStateException("no entry " + index + " in a log of " + (snapshotIndex + 1) + ".."
          + lastIndex());
    }
    return entries.get((int) (index - snapshotIndex - 1));
  }

  void append(LogEntry e) {
    if (e.index() != lastIndex() + 1 || e.term() < lastTerm()) {
      throw new IllegalStateException("cannot append " + e + " after " + lastIndex() + "@" + lastTerm());
    }
    entries.add(e);
  }

  /** Removes every entry at {@code index} and after. */
  void truncateFrom(long index) {
    if (index <= snapshotIndex || index < 1) {
      throw new IllegalStateException("cannot truncate from " + index + " behind snapshot " + snapshotIndex);
    }
    while (lastIndex() >= index) {
      entries.remove(entries.size() - 1);
    }
  }

  /** Drops the entries up to {@code index}, which this log holds with {@code term}. */
  void compact(long index, long term) {
    if (index <= snapshotIndex || index > lastIndex() || termAt(index) != term) {
      throw new IllegalStateException("cannot compact up to " + index + "@" + term + " a log of "
          + snapshotIndex + "@" + snapshotTerm + ".." + lastIndex());
    }
    entries.subList(0, (int) (index - snapshotIndex)).clear();
    snapshotIndex = index;
    snapshotTerm = term;
  }

  /**
   * Puts a received snapshot ({@code index}, {@code term}) in place of the log: entries after it are
   * kept if this log holds the snapshot's last entry (so they extend the same history), else all go.
   * Returns whether the suffix was kept.
   */
  boolean restore(long index, long term) {
    if (index <= snapshotIndex) {
      throw new IllegalStateException("snapshot " + index + " is not past " + snapshotIndex);
    }
    if (index <= lastIndex() && termAt(index) == term) {
      compact(index, term);
      return true;
    }
    entries.clear();
    snapshotIndex = index;
    snapshotTerm = term;
    return false;
  }

  /** The first index of the run of entries with the term of {@code index}, going back from it. */
  long firstIndexOfTermAt(long index) {
    long t = termAt(index);
    long i = index;
    while (i > 1 && i - 1 >= snapshotIndex && termAt(i - 1) == t) {
      i--;
    }
    return i;
  }

  /** The last index at or before {@code upTo} whose term is {@code term}; 0 if there is none known. */
  long lastIndexOfTerm(long term, long upTo) {
    for (long i = Math.min(upTo, lastIndex()); i >= Math.max(1, snapshotIndex); i--) {
      long t = termAt(i);
      if (t == term) {
        return i;
      }
      if (t < term) {
        return 0;
      }
    }
    return 0;
  }

  /** Entries from {@code from}, at most {@code maxEntries} and {@code maxBytes} (at least one). */
  List<LogEntry> slice(long from, int maxEntries, long maxBytes) {
    List<LogEntry> out = new ArrayList<>();
    long bytes = 0;
    for (long i = from; i <= lastIndex() && out.size() < maxEntries; i++) {
      LogEntry e = get(i);
      bytes += e.sizeBytes();
      if (!out.isEmpty() && bytes > maxBytes) {
        break;
      }
      out.add(e);
    }
    return out;
  }

  List<LogEntry> range(long fromInclusive, long toInclusive) {
    if (fromInclusive <= snapshotIndex) {
      throw new IllegalStateException("entries from " + fromInclusive + " are compacted up to " + snapshotIndex);
    }
    return new ArrayList<>(entries.subList((int) (fromInclusive - snapshotIndex - 1),
        (int) (toInclusive - snapshotIndex)));
  }
}
