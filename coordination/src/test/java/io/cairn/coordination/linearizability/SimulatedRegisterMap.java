package io.cairn.coordination.linearizability;

import io.cairn.coordination.linearizability.RegisterModel.Cas;
import io.cairn.coordination.linearizability.RegisterModel.Create;
import io.cairn.coordination.linearizability.RegisterModel.Delete;
import io.cairn.coordination.linearizability.RegisterModel.Op;
import io.cairn.coordination.linearizability.RegisterModel.Read;
import io.cairn.coordination.linearizability.RegisterModel.Write;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Generates histories of a truly linearizable register map: the operations happen one at a time in
 * a single global order, each at a linearization point inside a random interval [call, return] of
 * its client (a client has one operation in flight at a time). Some operations end with an unknown
 * outcome: some of those took effect, some never did.
 */
final class SimulatedRegisterMap {
  private static final long MICROS = 1_000;

  private SimulatedRegisterMap() {}

  static History<Op, Object> generate(long seed, int clients, int operations, int keys, double unknownRate) {
    SplittableRandom random = new SplittableRandom(seed);
    Map<String, String> map = new HashMap<>();
    Map<String, List<String>> written = new HashMap<>();
    long[] free = new long[clients];
    List<Operation<Op, Object>> ops = new ArrayList<>(operations);
    long point = 0;
    int unique = 0;
    for (int n = 0; n < operations; n++) {
      point += 1 + random.nextInt(3);
      int client = pickFreeClient(random, free, point);
      if (free[client] > point) {
        point = free[client];
      }
      long call = point - random.nextLong(Math.min(point - free[client], 20) + 1);
      long ret = point + random.nextInt(20);
      free[client] = ret + 1 + random.nextInt(3);

      String key = "k" + random.nextInt(keys);
      String current = map.get(key);
      List<String> history = written.computeIfAbsent(key, k -> new ArrayList<>());
      String fresh = "v" + unique++;
      Op input;
      int kind = random.nextInt(100);
      if (kind < 40) {
        input = new Read(key);
      } else if (kind < 60 || history.isEmpty() && kind < 75) {
        input = new Write(key, fresh);
      } else if (kind < 75) {
        // A client only expects a value it has read: usually the current one, sometimes an older one.
        String expected = current != null && random.nextInt(3) > 0
            ? current : history.get(random.nextInt(history.size()));
        input = new Cas(key, expected, fresh);
      } else if (kind < 87) {
        input = new Create(key, fresh);
      } else {
        input = new Delete(key);
      }

      boolean unknown = random.nextDouble() < unknownRate;
      if (unknown && random.nextBoolean()) {
        ops.add(Operation.unknown(client, input, call * MICROS)); // never took effect
        continue;
      }
      Object output;
      if (input instanceof Read) {
        output = Optional.ofNullable(current);
      } else if (input instanceof Write w) {
        map.put(key, w.value());
        history.add(w.value());
        output = Boolean.TRUE;
      } else if (input instanceof Cas c) {
        output = c.expected().equals(current);
        if ((Boolean) output) {
          map.put(key, c.value());
          history.add(c.value());
        }
      } else if (input instanceof Create c) {
        output = current == null;
        if (current == null) {
          map.put(key, c.value());
          history.add(c.value());
        }
      } else {
        output = current != null;
        map.remove(key);
      }
      ops.add(unknown
          ? Operation.unknown(client, input, call * MICROS)
          : Operation.ok(client, input, output, call * MICROS, ret * MICROS));
    }
    return History.of(ops);
  }

  private static int pickFreeClient(SplittableRandom random, long[] free, long point) {
    int start = random.nextInt(free.length);
    int earliest = start;
    for (int i = 0; i < free.length; i++) {
      int c = (start + i) % free.length;
      if (free[c] <= point) {
        return c;
      }
      if (free[c] < free[earliest]) {
        earliest = c;
      }
    }
    return earliest;
  }

  /**
   * Makes one read impossible: it returns the value of a write W1 although a later write W2
   * (W1 returned before W2 was called) completed before the read was called; values are unique,
   * so nothing else could have put that value back. Empty if the history has no such triple.
   */
  static Optional<History<Op, Object>> withStaleRead(History<Op, Object> history, long seed) {
    List<Operation<Op, Object>> ops = new ArrayList<>(history.operations());
    List<Integer> reads = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      if (ops.get(i).input() instanceof Read && !ops.get(i).outcomeUnknown()) {
        reads.add(i);
      }
    }
    SplittableRandom random = new SplittableRandom(seed);
    for (int attempt = 0; attempt < 20 && !reads.isEmpty(); attempt++) {
      int r = reads.get(random.nextInt(reads.size()));
      Operation<Op, Object> read = ops.get(r);
      String key = read.input().key();
      for (Operation<Op, Object> w2 : ops) {
        if (!w2.input().key().equals(key) || !overwrites(w2) || w2.returnNanos() >= read.callNanos()) {
          continue;
        }
        for (Operation<Op, Object> w1 : ops) {
          if (w1.input() instanceof Write w && w.key().equals(key) && !w1.outcomeUnknown()
              && w1.returnNanos() < w2.callNanos() && !read.output().equals(Optional.of(w.value()))) {
            ops.set(r, Operation.ok(read.clientId(), read.input(), Optional.of(w.value()), read.callNanos(), read.returnNanos()));
            return Optional.of(History.of(ops));
          }
        }
      }
    }
    return Optional.empty();
  }

  /** Whether a completed operation certainly replaced the value. */
  private static boolean overwrites(Operation<Op, Object> op) {
    if (op.outcomeUnknown()) {
      return false;
    }
    Op input = op.input();
    return input instanceof Write || input instanceof Delete
        || (input instanceof Cas || input instanceof Create) && Boolean.TRUE.equals(op.output());
  }
}
