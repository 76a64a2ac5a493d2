package io.cairn.coordination.machine;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.coordination.machine.RegisterCommand.Add;
import io.cairn.coordination.machine.RegisterCommand.Delete;
import io.cairn.coordination.machine.RegisterCommand.Expect;
import io.cairn.coordination.machine.RegisterCommand.Put;
import io.cairn.coordination.machine.RegisterResult.CounterValue;
import io.cairn.coordination.machine.RegisterResult.Deleted;
import io.cairn.coordination.machine.RegisterResult.Invalid;
import io.cairn.coordination.machine.RegisterResult.NotFound;
import io.cairn.coordination.machine.RegisterResult.Overflow;
import io.cairn.coordination.machine.RegisterResult.PreconditionFailed;
import io.cairn.coordination.machine.RegisterResult.Written;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random seeded command sequences (replay one with {@code -Dcairn.seed=N}): the machine agrees
 * with a naive model, a machine restored from a snapshot taken midway gives identical results and
 * bytes from then on, and a damaged snapshot is either refused (state unchanged) or is exactly the
 * encoding of the state it restores.
 */
class RegistersPropertyTest {
  private static final String[] NAMES = {"a", "b", "c", "é", "日本", "a/b"};

  static java.util.stream.LongStream seeds() {
    return io.cairn.sim.Seeds.seeds(200);
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void agreesWithAModelAndARestoredCopyAgreesFromThenOn(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int count = 400;
    int cut = random.nextInt(count + 1);

    Registers original = new Registers();
    Model model = new Model();
    Registers restored = null;
    Registers dirty = new Registers(); // restore must replace, not merge
    dirty.apply(1, new Put("a", "stale", Expect.ANY).encode());
    dirty.apply(2, new Add("b", 40).encode());
    long index = 0;
    int casWritten = 0;
    for (int i = 0; i < count; i++) {
      if (i == cut) {
        byte[] snapshot = original.snapshot();
        restored = new Registers();
        restored.restore(snapshot);
        dirty.restore(snapshot);
        assertThat(restored.snapshot()).as("seed %d", seed).isEqualTo(snapshot);
      }
      index += 1 + (random.nextInt(4) == 0 ? random.nextInt(3) : 0); // no-ops and configs leave gaps
      byte[] command = command(random, model);
      byte[] result = original.apply(index, command);
      RegisterResult expected = model.apply(index, command);
      assertThat(RegisterResult.decode(result)).as("seed %d, command %d", seed, i).isEqualTo(expected);
      if (expected instanceof Written && RegisterCommand.decode(command) instanceof Put p
          && p.expect().kind() == Expect.Kind.VERSION) {
        casWritten++;
      }
      if (restored != null) {
        assertThat(restored.apply(index, command)).as("seed %d, command %d", seed, i).isEqualTo(result);
        assertThat(dirty.apply(index, command)).as("seed %d, command %d", seed, i).isEqualTo(result);
      }
    }
    if (restored == null) {
      restored = new Registers();
      restored.restore(original.snapshot());
      dirty.restore(original.snapshot());
    }
    assertThat(restored.snapshot()).as("seed %d", seed).isEqualTo(original.snapshot());
    assertThat(dirty.snapshot()).as("seed %d", seed).isEqualTo(original.snapshot());
    for (String name : NAMES) {
      assertThat(restored.get(name)).isEqualTo(original.get(name));
      assertThat(restored.counter(name)).isEqualTo(original.counter(name));
      assertThat(original.get(name).map(Register::value).orElse(null)).isEqualTo(model.registers.get(name) == null
          ? null : model.registers.get(name).value);
    }
    assertThat(restored.size()).isEqualTo(original.size()).isEqualTo(model.registers.size());
    assertThat(casWritten).as("seed %d: some compare-and-sets succeed", seed).isPositive();
  }

  @ParameterizedTest
  @MethodSource("io.cairn.sim.Seeds#seeds")
  void aDamagedSnapshotIsRefusedOrIsExactlyItsState(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Registers source = new Registers();
    long index = 0;
    for (int i = 0; i < 40; i++) {
      source.apply(++index, command(random, null));
    }
    byte[] good = source.snapshot();
    Registers target = new Registers();
    target.apply(1, new Put("keep", "me", Expect.ANY).encode());
    byte[] before = target.snapshot();

    for (int cut = 0; cut < good.length; cut++) {
      byte[] truncated = Arrays.copyOf(good, cut);
      try {
        target.restore(truncated);
        throw new AssertionError("seed " + seed + ": a snapshot cut at " + cut + " was restored");
      } catch (IllegalArgumentException expected) {
        assertThat(target.snapshot()).isEqualTo(before);
      }
    }
    for (int i = 0; i < 300; i++) {
      byte[] damaged = good.clone();
      for (int k = 1 + random.nextInt(3); k > 0; k--) {
        damaged[random.nextInt(damaged.length)] = (byte) random.nextInt(256);
      }
      Registers t = new Registers();
      t.apply(1, new Put("keep", "me", Expect.ANY).encode());
      try {
        t.restore(damaged);
        assertThat(t.snapshot()).as("seed %d: an accepted snapshot is canonical", seed).isEqualTo(damaged);
      } catch (IllegalArgumentException e) {
        assertThat(t.snapshot()).as("seed %d", seed).isEqualTo(before);
      }
    }
  }

  /** Mostly valid commands over a few names, some refused by their expectation, a few malformed. */
  private static byte[] command(SplittableRandom random, Model model) {
    String name = NAMES[random.nextInt(NAMES.length)];
    int roll = random.nextInt(100);
    if (roll < 3) {
      byte[] junk = new byte[random.nextInt(12)];
      random.nextBytes(junk);
      return junk;
    }
    if (roll < 5) {
      return new Put("", "v", Expect.ANY).encode();
    }
    if (roll < 40) {
      return new Put(name, "v" + random.nextInt(1000), expect(random, model, name, true)).encode();
    }
    if (roll < 60) {
      return new Delete(name, expect(random, model, name, false)).encode();
    }
    long delta = switch (random.nextInt(10)) {
      case 0 -> Long.MAX_VALUE - random.nextInt(3);
      case 1 -> Long.MIN_VALUE + random.nextInt(3);
      default -> random.nextLong(-100, 100);
    };
    return new Add(name, delta).encode();
  }

  /** Half of the version expectations name the current version (if the model knows it). */
  private static Expect expect(SplittableRandom random, Model model, String name, boolean absentAllowed) {
    return switch (random.nextInt(absentAllowed ? 3 : 2)) {
      case 0 -> Expect.ANY;
      case 1 -> model != null && model.registers.containsKey(name) && random.nextBoolean()
          ? Expect.version(model.registers.get(name).version)
          : Expect.version(1 + random.nextInt(500));
      default -> Expect.ABSENT;
    };
  }

  /** The semantics written out as plainly as possible, over hash maps. */
  private static final class Model {
    private record Value(String value, long version) {}

    final Map<String, Value> registers = new HashMap<>();
    final Map<String, long[]> counters = new HashMap<>();

    RegisterResult apply(long index, byte[] bytes) {
      RegisterCommand c;
      try {
        c = RegisterCommand.decode(bytes);
      } catch (IllegalArgumentException e) {
        return new Invalid("malformed register command: " + e.getMessage());
      }
      if (c instanceof Put p) {
        if (p.name().isEmpty()) {
          return new Invalid("a name is 1 to 256 bytes of UTF-8, not 0");
        }
        Value cur = registers.get(p.name());
        boolean ok = p.expect().kind() == Expect.Kind.ANY
            || (p.expect().kind() == Expect.Kind.ABSENT && cur == null)
            || (cur != null && p.expect().kind() == Expect.Kind.VERSION && cur.version == p.expect().version());
        if (!ok) {
          return new PreconditionFailed(cur == null ? OptionalLong.empty() : OptionalLong.of(cur.version));
        }
        registers.put(p.name(), new Value(p.value(), index));
        return new Written(index);
      }
      if (c instanceof Delete d) {
        Value cur = registers.get(d.name());
        if (d.expect().kind() == Expect.Kind.ANY && cur == null) {
          return new NotFound();
        }
        if (d.expect().kind() == Expect.Kind.VERSION && (cur == null || cur.version != d.expect().version())) {
          return new PreconditionFailed(cur == null ? OptionalLong.empty() : OptionalLong.of(cur.version));
        }
        registers.remove(d.name());
        return new Deleted(cur.version);
      }
      Add a = (Add) c;
      long[] cur = counters.getOrDefault(a.counter(), new long[] {0, 0});
      java.math.BigInteger sum = java.math.BigInteger.valueOf(cur[0]).add(java.math.BigInteger.valueOf(a.delta()));
      if (sum.bitLength() > 63) {
        return new Overflow(cur[0], a.delta());
      }
      counters.put(a.counter(), new long[] {sum.longValue(), index});
      return new CounterValue(sum.longValue(), index);
    }
  }
}
