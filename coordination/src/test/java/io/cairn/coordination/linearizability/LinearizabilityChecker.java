package io.cairn.coordination.linearizability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides whether a {@link History} is linearizable with respect to a {@link Model}.
 *
 * <h2>The algorithm</h2>
 *
 * Wing &amp; Gong's search with Lowe's just-in-time linearization and memoization, as in Porcupine:
 *
 * <ol>
 *   <li>The {@link Model#partition partitions} of the history are checked one by one (a history is
 *       linearizable iff each partition is, when partitions are independent objects).
 *   <li>Each operation becomes two entries, its call and its return; the entries are sorted by time
 *       (a call before a return at the same time, so touching intervals overlap) and threaded on a
 *       doubly linked list.
 *   <li>Walking the list from its head, the search tries to linearize the operation of each call
 *       entry it meets: if the model accepts the operation in the current state, and the pair (set
 *       of linearized operations as a {@link BitSet}, new state) has not been seen before, the
 *       operation is pushed on a backtracking stack and <em>lifted</em> out of the list (its call
 *       and return entries are unlinked, in O(1)) and the walk restarts from the head. Otherwise the
 *       walk moves on to the next entry: a later call that overlaps may go first.
 *   <li>Meeting a return entry means its operation had to be linearized before this point and could
 *       not be: the search pops the last linearized operation, <em>unlifts</em> it (relinks its
 *       entries) and continues from the entry after its call. An empty stack means no linearization
 *       exists.
 *   <li>The memo of (linearized set, state) pairs prunes every branch that reaches a configuration
 *       already explored: the rest of the search from there depends only on that pair. The
 *       deepest stack reached is kept to explain a failure.
 * </ol>
 *
 * The search succeeds when every operation with a known outcome is linearized.
 *
 * <h2>Unknown outcomes</h2>
 *
 * An operation whose outcome is unknown ({@link Operation#outcomeUnknown()}) may have taken effect
 * at any instant after its call, or never. Its return entry is at +&infin;, after every other
 * entry, so it never forces a backtrack: it may be linearized at any point after its call, with
 * {@link Model#step} deciding its effect from the state there (output {@code null}). Reaching the
 * first +&infin; return entry means that every operation with a known outcome is placed, so the
 * search succeeds: the unknown operations still unplaced are taken never to have happened.
 *
 * <p>Left alone, k unknown operations that stay pending make the search explore up to 2^k subsets
 * of them at every point. Three rules, each of which keeps some linearization if there is one,
 * tame this:
 *
 * <ul>
 *   <li>At each point the search first tries the operations with a known outcome, and only then
 *       (when it meets a return entry) the unknown ones called so far; and the memo keeps, for each
 *       (set of linearized known operations, state), the sets of linearized unknown operations it
 *       was reached with. A configuration reached with a superset of such a set is pruned: anything
 *       that can follow it can follow the smaller one (an unknown operation need never happen).
 *   <li>Unknown operations with equal inputs are interchangeable, so they are placed only in the
 *       order of their calls (any linearization can be rearranged so).
 *   <li>An unknown operation is not placed right on top of another unknown one if that would give
 *       the same state without the other (a write over a write): the configuration without the
 *       other one is explored anyway.
 * </ul>
 *
 * <h2>Cost</h2>
 *
 * The problem is NP-complete. Histories that are linearizable are typically decided fast, since the
 * search rarely backtracks far. Proving that a history is <em>not</em> linearizable means
 * exhausting every configuration before the violation, which is cheap without unknown operations
 * and can blow up with many of them on one key. Hence the time budget, after which the answer is
 * {@link CheckResult.Verdict#TIMEOUT}: a failure to decide, never a pass.
 */
public final class LinearizabilityChecker {
  private static final int PREFIX_SHOWN = 12;

  private LinearizabilityChecker() {}

  /**
   * Checks {@code history} against {@code model} within {@code budget} (wall-clock time over all
   * partitions); stops at the first partition that is not linearizable.
   */
  public static <S, I, O> CheckResult check(Model<S, I, O> model, History<I, O> history, Duration budget) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(history, "history");
    long start = System.nanoTime();
    long deadline = start + Math.max(0, Math.min(budget.toNanos(), Long.MAX_VALUE / 4));
    long origin = history.operations().stream().mapToLong(Operation::callNanos).min().orElse(0);
    String timedOut = null;
    for (Map.Entry<?, ? extends History<I, O>> part : model.partition(history).entrySet()) {
      Search<S, I, O> search = new Search<>(model, part.getValue().operations(), deadline);
      Boolean ok = search.run();
      if (ok == null) {
        timedOut = "Time budget of " + budget.toMillis() + " ms ran out while checking partition "
            + part.getKey() + " (" + part.getValue().size() + " operations).";
        break;
      }
      if (!ok) {
        return new CheckResult(CheckResult.Verdict.NOT_LINEARIZABLE,
            search.explain(part.getKey(), origin), Duration.ofNanos(System.nanoTime() - start));
      }
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    return timedOut != null
        ? new CheckResult(CheckResult.Verdict.TIMEOUT, timedOut, elapsed)
        : new CheckResult(CheckResult.Verdict.LINEARIZABLE, "", elapsed);
  }

  /** A call or return entry on the doubly linked list. */
  private static final class Entry {
    final int op;
    final boolean call;
    final long time;
    Entry match; // a call's return entry
    Entry prev;
    Entry next;

    Entry(int op, boolean call, long time) {
      this.op = op;
      this.call = call;
      this.time = time;
    }
  }

  /** A frame of the backtracking stack, as an immutable list so the deepest one can be kept for free. */
  private record Frame<S>(Entry call, boolean unknownPass, S stateBefore, S stateAfter, Frame<S> parent, int depth) {}

  /** A memo key: the linearized operations with a known outcome and the state; never changed once stored. */
  private record Config<S>(BitSet known, S state) {}

  private static final class Search<S, I, O> {
    private final Model<S, I, O> model;
    private final List<Operation<I, O>> ops;
    private final long deadline;
    private final Entry head = new Entry(-1, true, Long.MIN_VALUE);
    /** For an operation with an unknown outcome, its bit in the sets of linearized unknown operations. */
    private final int[] unknownIndex;
    /** For an operation with an unknown outcome, the last one called before it with an equal input, or -1. */
    private final int[] earlierTwin;
    private Frame<S> deepest;

    Search(Model<S, I, O> model, List<Operation<I, O>> ops, long deadline) {
      this.model = model;
      this.ops = ops;
      this.deadline = deadline;
      this.unknownIndex = new int[ops.size()];
      int unknowns = 0;
      List<Entry> entries = new ArrayList<>(2 * ops.size());
      for (int i = 0; i < ops.size(); i++) {
        Operation<I, O> op = ops.get(i);
        unknownIndex[i] = op.outcomeUnknown() ? unknowns++ : -1;
        Entry call = new Entry(i, true, op.callNanos());
        call.match = new Entry(i, false, op.returnNanos());
        entries.add(call);
        entries.add(call.match);
      }
      entries.sort(Comparator.comparingLong((Entry e) -> e.time).thenComparing(e -> !e.call));
      Entry prev = head;
      this.earlierTwin = new int[ops.size()];
      Map<I, Integer> lastCalled = new HashMap<>();
      for (Entry e : entries) {
        prev.next = e;
        e.prev = prev;
        prev = e;
        if (e.call && unknownIndex[e.op] >= 0) {
          Integer twin = lastCalled.put(ops.get(e.op).input(), e.op);
          earlierTwin[e.op] = twin == null ? -1 : twin;
        }
      }
    }

    /** True if linearizable, false if not, null on timeout. */
    Boolean run() {
      S state = model.init();
      BitSet known = new BitSet(ops.size());
      BitSet unknown = new BitSet();
      // For each (known set, state) reached, the sets of linearized unknown operations it was reached with.
      Map<Config<S>, List<long[]>> seen = new HashMap<>();
      Frame<S> stack = null;
      Entry entry = head.next;
      boolean unknownPass = false;
      long steps = 0;
      while (entry != null) {
        if ((++steps & 0x3ff) == 0 && System.nanoTime() - deadline > 0) {
          return null;
        }
        if (entry.call) {
          Operation<I, O> op = ops.get(entry.op);
          if (op.outcomeUnknown() == unknownPass && (!unknownPass || twinPlaced(entry.op, unknown))) {
            Optional<S> next = model.step(state, op.input(), op.output());
            if (next.isPresent()) {
              S after = next.get();
              BitSet changed = unknownPass ? unknown : known;
              int bit = unknownPass ? unknownIndex[entry.op] : entry.op;
              changed.set(bit);
              if (!(unknownPass && overwritesUnknownOnTop(stack, entry.op, after)) && firstVisit(seen, known, after, unknown)) {
                stack = new Frame<>(entry, unknownPass, state, after, stack, stack == null ? 1 : stack.depth + 1);
                if (deepest == null || stack.depth > deepest.depth) {
                  deepest = stack;
                }
                state = after;
                lift(entry);
                entry = head.next;
                unknownPass = false;
                continue;
              }
              changed.clear(bit);
            }
          }
          entry = entry.next;
        } else if (entry.time == Operation.UNKNOWN) {
          return true; // every operation with a known outcome is placed; the rest never took effect
        } else if (!unknownPass) {
          unknownPass = true; // no known operation fits here: try the unknown ones called so far
          entry = head.next;
        } else {
          if (stack == null) {
            return false;
          }
          Entry call = stack.call;
          state = stack.stateBefore;
          unknownPass = stack.unknownPass;
          if (unknownPass) {
            unknown.clear(unknownIndex[call.op]);
          } else {
            known.clear(call.op);
          }
          stack = stack.parent;
          unlift(call);
          entry = call.next;
        }
      }
      return true;
    }

    /**
     * Operations with an unknown outcome and equal inputs are interchangeable, except that one called
     * earlier may be placed earlier: so the search only considers placing them in the order of their
     * calls (any linearization can be rearranged so). Without this, k pending unknown deletes of one
     * key would be tried in all their combinations.
     */
    private boolean twinPlaced(int op, BitSet unknown) {
      int twin = earlierTwin[op];
      return twin < 0 || unknown.get(unknownIndex[twin]);
    }

    /**
     * Whether linearizing the unknown operation {@code index} right after the unknown operation on
     * top of the stack gives the state it would give without that one: then the configuration
     * without it (reachable from the frame below, where this one was a candidate too) dominates.
     * Without this, k pending unknown writes would be tried in all 2^k combinations.
     */
    private boolean overwritesUnknownOnTop(Frame<S> stack, int index, S after) {
      if (stack == null || !stack.unknownPass || stack.call.op == earlierTwin[index]) {
        return false; // (for a twin on top, the configuration below dominates this one anyway)
      }
      Operation<I, O> op = ops.get(index);
      Optional<S> without = model.step(stack.stateBefore, op.input(), op.output());
      return without.isPresent() && without.get().equals(after);
    }

    /**
     * Records the configuration unless one with the same known set and state and a subset of its
     * unknown operations was reached before: whatever can follow this one can follow that one too
     * (the extra unknown operations need never happen, and with a return at +&infin; they constrain
     * nothing), so this one adds nothing.
     */
    private static <S> boolean firstVisit(Map<Config<S>, List<long[]>> seen, BitSet known, S state, BitSet unknown) {
      long[] unknownWords = unknown.toLongArray();
      List<long[]> reached = seen.get(new Config<>(known, state));
      if (reached == null) {
        reached = new ArrayList<>(1);
        seen.put(new Config<>((BitSet) known.clone(), state), reached);
      } else {
        for (long[] other : reached) {
          if (isSubset(other, unknownWords)) {
            return false;
          }
        }
      }
      reached.add(unknownWords);
      return true;
    }

    private static boolean isSubset(long[] a, long[] b) {
      if (a.length > b.length) {
        return false; // toLongArray drops trailing zero words, so a has a bit beyond b's last
      }
      for (int i = 0; i < a.length; i++) {
        if ((a[i] & ~b[i]) != 0) {
          return false;
        }
      }
      return true;
    }

    private static void lift(Entry call) {
      call.prev.next = call.next;
      call.next.prev = call.prev; // a call is always followed by at least its return
      Entry ret = call.match;
      ret.prev.next = ret.next;
      if (ret.next != null) {
        ret.next.prev = ret.prev;
      }
    }

    private static void unlift(Entry call) {
      Entry ret = call.match;
      ret.prev.next = ret;
      if (ret.next != null) {
        ret.next.prev = ret;
      }
      call.prev.next = call;
      call.next.prev = call;
    }

    String explain(Object partition, long origin) {
      List<Frame<S>> prefix = new ArrayList<>();
      for (Frame<S> f = deepest; f != null; f = f.parent) {
        prefix.add(0, f);
      }
      BitSet placed = new BitSet(ops.size());
      prefix.forEach(f -> placed.set(f.call.op));
      S state = prefix.isEmpty() ? model.init() : prefix.get(prefix.size() - 1).stateAfter;
      // The operations that had to come next: every unplaced one called before the earliest return
      // of an unplaced operation with a known outcome.
      long mustReturnBy = Long.MAX_VALUE;
      for (int i = 0; i < ops.size(); i++) {
        if (!placed.get(i)) {
          mustReturnBy = Math.min(mustReturnBy, ops.get(i).returnNanos());
        }
      }
      StringBuilder out = new StringBuilder();
      out.append("Not linearizable: partition ").append(partition).append(" (").append(ops.size())
          .append(" operations; times in ms from the first call of the history).\n");
      out.append("Longest linearizable prefix found: ").append(prefix.size()).append(" operations, in linearization order")
          .append(prefix.size() > PREFIX_SHOWN ? " (the last " + PREFIX_SHOWN + " shown)" : "").append(":\n");
      for (Frame<S> f : prefix.subList(Math.max(0, prefix.size() - PREFIX_SHOWN), prefix.size())) {
        out.append("  ").append(describe(ops.get(f.call.op), origin)).append("  => state ").append(f.stateAfter).append('\n');
      }
      out.append("State after the prefix: ").append(state).append('\n');
      out.append("Operations that could not be placed next (each is refused in that state or leads to a dead end):\n");
      for (int i = 0; i < ops.size(); i++) {
        Operation<I, O> op = ops.get(i);
        if (!placed.get(i) && op.callNanos() <= mustReturnBy) {
          boolean refused = model.step(state, op.input(), op.output()).isEmpty();
          out.append("  ").append(describe(op, origin)).append(refused ? "  (refused by the model here)" : "").append('\n');
        }
      }
      return out.toString();
    }

    private static String describe(Operation<?, ?> op, long origin) {
      String call = ms(op.callNanos() - origin);
      String ret = op.outcomeUnknown() ? "unknown outcome" : "returned " + ms(op.returnNanos() - origin);
      return "client " + op.clientId() + ": " + op.input() + " -> "
          + (op.outcomeUnknown() ? "?" : String.valueOf(op.output())) + "  [called " + call + ", " + ret + "]";
    }

    private static String ms(long nanos) {
      return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }
  }
}
