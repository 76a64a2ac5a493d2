package io.cairn.coordination.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.coordination.linearizability.RegisterModel.Cas;
import io.cairn.coordination.linearizability.RegisterModel.Create;
import io.cairn.coordination.linearizability.RegisterModel.Delete;
import io.cairn.coordination.linearizability.RegisterModel.Op;
import io.cairn.coordination.linearizability.RegisterModel.Read;
import io.cairn.coordination.linearizability.RegisterModel.Write;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The checker agrees with the definition, applied by brute force, on thousands of tiny random
 * histories of one register, linearizable or not: some order of the operations with a known outcome
 * plus any subset of those with an unknown outcome, respecting real time, that the model accepts.
 */
class BruteForceCrossCheckTest {
  private static final String[] VALUES = {"a", "b", "c"};

  @Test
  void theCheckerAgreesWithBruteForce() {
    agreeOn(4000, 7, 5);
  }

  /** Many unknown outcomes exercise the pruning of configurations with more unknown operations linearized. */
  @Test
  void theCheckerAgreesWithBruteForceWithManyUnknownOutcomes() {
    agreeOn(3000, 8, 2);
  }

  /** Checks {@code histories} random histories of up to {@code maxOps}, one in {@code unknownOneIn} with an unknown outcome. */
  private static void agreeOn(int histories, int maxOps, int unknownOneIn) {
    RegisterModel model = new RegisterModel();
    int linearizable = 0;
    for (long seed = 0; seed < histories; seed++) {
      History<Op, Object> history = randomHistory(new SplittableRandom(seed), maxOps, unknownOneIn);
      boolean expected = bruteForce(model, history.operations());
      CheckResult result = LinearizabilityChecker.check(model, history, Duration.ofSeconds(10));
      assertThat(result.verdict())
          .as("seed %d: %s", seed, history)
          .isEqualTo(expected ? CheckResult.Verdict.LINEARIZABLE : CheckResult.Verdict.NOT_LINEARIZABLE);
      linearizable += expected ? 1 : 0;
    }
    // Both answers are well represented.
    assertThat(linearizable).isBetween(histories / 10, histories * 9 / 10);
  }

  private static History<Op, Object> randomHistory(SplittableRandom random, int maxOps, int unknownOneIn) {
    int n = 1 + random.nextInt(maxOps);
    History.Builder<Op, Object> builder = History.builder();
    for (int i = 0; i < n; i++) {
      String value = VALUES[random.nextInt(VALUES.length)];
      long call = random.nextInt(20);
      long ret = call + random.nextInt(8);
      Op input;
      Object output;
      switch (random.nextInt(5)) {
        case 0 -> {
          input = new Read("k");
          output = random.nextInt(4) == 0 ? Optional.empty() : Optional.of(value);
        }
        case 1 -> {
          input = new Write("k", value);
          output = Boolean.TRUE;
        }
        case 2 -> {
          input = new Cas("k", VALUES[random.nextInt(VALUES.length)], value);
          output = random.nextBoolean();
        }
        case 3 -> {
          input = new Delete("k");
          output = random.nextBoolean();
        }
        default -> {
          input = new Create("k", value);
          output = random.nextBoolean();
        }
      }
      if (random.nextInt(unknownOneIn) == 0) {
        builder.unknown(i, input, call);
      } else {
        builder.ok(i, input, output, call, ret);
      }
    }
    return builder.build();
  }

  private static boolean bruteForce(RegisterModel model, List<Operation<Op, Object>> ops) {
    return extend(model, ops, new boolean[ops.size()], new ArrayList<>(), model.init());
  }

  /** Whether {@code order} (already accepted) extends to a linearization. */
  private static boolean extend(RegisterModel model, List<Operation<Op, Object>> ops, boolean[] used,
      List<Operation<Op, Object>> order, Optional<String> state) {
    boolean allKnownPlaced = true;
    for (int i = 0; i < ops.size(); i++) {
      allKnownPlaced &= used[i] || ops.get(i).outcomeUnknown();
    }
    if (allKnownPlaced) {
      return true; // the remaining unknown operations never took effect
    }
    for (int i = 0; i < ops.size(); i++) {
      if (used[i] || !mayGoNext(ops, used, i)) {
        continue;
      }
      Operation<Op, Object> op = ops.get(i);
      Optional<Optional<String>> next = model.step(state, op.input(), op.output());
      if (next.isPresent()) {
        used[i] = true;
        order.add(op);
        boolean ok = extend(model, ops, used, order, next.get());
        order.remove(order.size() - 1);
        used[i] = false;
        if (ok) {
          return true;
        }
      }
    }
    return false;
  }

  /** No unplaced operation returned before op i was called. */
  private static boolean mayGoNext(List<Operation<Op, Object>> ops, boolean[] used, int i) {
    for (int j = 0; j < ops.size(); j++) {
      if (!used[j] && j != i && ops.get(j).returnNanos() < ops.get(i).callNanos()) {
        return false;
      }
    }
    return true;
  }
}
