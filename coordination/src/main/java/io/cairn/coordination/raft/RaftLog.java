package io.cairn.coordination.raft;

import java.util.ArrayList;
import java.util.List;

/** The in-memory log of a core: entries 1..lastIndex, contiguous. No compaction yet. */
final class RaftLog {
  private final ArrayList<LogEntry> entries;

  RaftLog(List<LogEntry> restored) {
    this.entries = new ArrayList<>(restored);
  }

  long lastIndex() {
    return entries.size();
  }

  long lastTerm() {
    return termAt(lastIndex());
  }

  /** The term of the entry at {@code index}; 0 for index 0. */
  long termAt(long index) {
    if (index == 0) {
      return 0;
    }
    return get(index).term();
  }

  LogEntry get(long index) {
    if (index < 1 || index > entries.size()) {
      throw new IllegalStateException("no entry " + index + " in a log of " + entries.size());
    }
    return entries.get((int) (index - 1));
  }

  void append(LogEntry e) {
    if (e.index() != lastIndex() + 1 || e.term() < lastTerm()) {
      throw new IllegalStateException("cannot append " + e + " after " + lastIndex() + "@" + lastTerm());
    }
    entries.add(e);
  }

  /** Removes every entry at {@code index} and after. */
  void truncateFrom(long index) {
    if (index < 1) {
      throw new IllegalStateException("cannot truncate from " + index);
    }
    while (entries.size() >= index) {
      entries.remove(entries.size() - 1);
    }
  }

  /** The first index of the run of entries with the term of {@code index}, going back from it. */
  long firstIndexOfTermAt(long index) {
    long t = termAt(index);
    long i = index;
    while (i > 1 && termAt(i - 1) == t) {
      i--;
    }
    return i;
  }

  /** The last index at or before {@code upTo} whose term is {@code term}; 0 if there is none. */
  long lastIndexOfTerm(long term, long upTo) {
    for (long i = Math.min(upTo, lastIndex()); i >= 1; i--) {
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
    return new ArrayList<>(entries.subList((int) (fromInclusive - 1), (int) toInclusive));
  }
}
