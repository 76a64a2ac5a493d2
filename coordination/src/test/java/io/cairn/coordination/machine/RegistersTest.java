package io.cairn.coordination.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.coordination.machine.RegisterCommand.Add;
import io.cairn.coordination.machine.RegisterCommand.Delete;
import io.cairn.coordination.machine.RegisterCommand.Expect;
import io.cairn.coordination.machine.RegisterCommand.Put;
import io.cairn.coordination.machine.RegisterResult.CounterValue;
import io.cairn.coordination.machine.RegisterResult.Deleted;
import io.cairn.coordination.machine.RegisterResult.Invalid;
import io.cairn.coordination.machine.RegisterResult.Overflow;
import io.cairn.coordination.machine.RegisterResult.NotFound;
import io.cairn.coordination.machine.RegisterResult.PreconditionFailed;
import io.cairn.coordination.machine.RegisterResult.Written;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class RegistersTest {
  private final Registers r = new Registers();

  @Test
  void aPutWritesAndItsVersionIsTheApplyIndex() {
    assertThat(r.apply(3, new Put("a", "one", Expect.ANY))).isEqualTo(new Written(3));
    assertThat(r.get("a")).contains(new Register("a", "one", 3));
    assertThat(r.apply(7, new Put("a", "two", Expect.ANY))).isEqualTo(new Written(7));
    assertThat(r.get("a")).contains(new Register("a", "two", 7));
    assertThat(r.get("b")).isEmpty();
    assertThat(r.size()).isEqualTo(1);
  }

  @Test
  void createOnlySucceedsOnceThenReportsTheCurrentVersion() {
    assertThat(r.apply(1, new Put("a", "x", Expect.ABSENT))).isEqualTo(new Written(1));
    assertThat(r.apply(2, new Put("a", "y", Expect.ABSENT)))
        .isEqualTo(new PreconditionFailed(OptionalLong.of(1)));
    assertThat(r.get("a")).contains(new Register("a", "x", 1));
    r.apply(3, new Delete("a", Expect.ANY));
    assertThat(r.apply(4, new Put("a", "z", Expect.ABSENT))).isEqualTo(new Written(4));
  }

  @Test
  void compareAndSetWritesOnlyOverTheExpectedVersion() {
    r.apply(1, new Put("a", "x", Expect.ANY));
    assertThat(r.apply(2, new Put("a", "y", Expect.version(5))))
        .isEqualTo(new PreconditionFailed(OptionalLong.of(1)));
    assertThat(r.get("a")).contains(new Register("a", "x", 1));
    assertThat(r.apply(3, new Put("a", "y", Expect.version(1)))).isEqualTo(new Written(3));
    assertThat(r.apply(4, new Put("a", "z", Expect.version(1))))
        .isEqualTo(new PreconditionFailed(OptionalLong.of(3)));
    assertThat(r.apply(5, new Put("missing", "z", Expect.version(1))))
        .isEqualTo(new PreconditionFailed(OptionalLong.empty()));
    assertThat(r.get("missing")).isEmpty();
  }

  @Test
  void deleteWithAndWithoutAVersion() {
    assertThat(r.apply(1, new Delete("a", Expect.ANY))).isEqualTo(new NotFound());
    assertThat(r.apply(2, new Delete("a", Expect.version(1))))
        .isEqualTo(new PreconditionFailed(OptionalLong.empty()));
    r.apply(3, new Put("a", "x", Expect.ANY));
    assertThat(r.apply(4, new Delete("a", Expect.version(2))))
        .isEqualTo(new PreconditionFailed(OptionalLong.of(3)));
    assertThat(r.get("a")).isPresent();
    assertThat(r.apply(5, new Delete("a", Expect.version(3)))).isEqualTo(new Deleted(3));
    assertThat(r.get("a")).isEmpty();
    r.apply(6, new Put("b", "y", Expect.ANY));
    assertThat(r.apply(7, new Delete("b", Expect.ANY))).isEqualTo(new Deleted(6));
    assertThat(r.size()).isZero();
  }

  @Test
  void aDeleteCannotExpectAbsence() {
    assertThatThrownBy(() -> new Delete("a", Expect.ABSENT)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Expect.version(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void countersAddUpInTheirOwnNamespace() {
    assertThat(r.counter("c")).isEqualTo(new Counter("c", 0, 0));
    assertThat(r.apply(2, new Add("c", 5))).isEqualTo(new CounterValue(5, 2));
    assertThat(r.apply(3, new Add("c", -8))).isEqualTo(new CounterValue(-3, 3));
    assertThat(r.apply(4, new Add("c", 0))).isEqualTo(new CounterValue(-3, 4));
    assertThat(r.counter("c")).isEqualTo(new Counter("c", -3, 4));
    assertThat(r.get("c")).isEmpty();
    r.apply(5, new Put("c", "a register", Expect.ANY));
    assertThat(r.counter("c").value()).isEqualTo(-3);
    assertThat(r.size()).isEqualTo(1);
  }

  @Test
  void anOverflowingAddIsRefusedAndChangesNothing() {
    r.apply(1, new Add("up", Long.MAX_VALUE - 1));
    r.apply(2, new Add("down", Long.MIN_VALUE + 1));
    byte[] before = r.snapshot();
    assertThat(r.apply(3, new Add("up", 2))).isEqualTo(new Overflow(Long.MAX_VALUE - 1, 2));
    assertThat(r.apply(4, new Add("down", -2))).isEqualTo(new Overflow(Long.MIN_VALUE + 1, -2));
    assertThat(r.apply(5, new Add("fresh", Long.MIN_VALUE))).isEqualTo(new CounterValue(Long.MIN_VALUE, 5));
    assertThat(r.apply(6, new Add("fresh", -1))).isEqualTo(new Overflow(Long.MIN_VALUE, -1));
    assertThat(r.counter("up")).isEqualTo(new Counter("up", Long.MAX_VALUE - 1, 1));
    assertThat(r.counter("down")).isEqualTo(new Counter("down", Long.MIN_VALUE + 1, 2));
    assertThat(r.apply(7, new Add("up", 1))).isEqualTo(new CounterValue(Long.MAX_VALUE, 7));
    assertThat(before).isNotEqualTo(r.snapshot());
  }

  @Test
  void namesAndValuesAreCheckedAgainstTheLimitsInUtf8Bytes() {
    String longestName = "é".repeat(Registers.MAX_NAME_BYTES / 2); // 2 bytes each
    String longestValue = "€".repeat(Registers.MAX_VALUE_BYTES / 3) + "x"; // 3 bytes each, + 1
    assertThat(longestValue.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSize(Registers.MAX_VALUE_BYTES);
    assertThat(r.apply(1, new Put(longestName, longestValue, Expect.ANY))).isEqualTo(new Written(1));
    assertThat(r.apply(2, new Put("empty", "", Expect.ANY))).isEqualTo(new Written(2));
    byte[] before = r.snapshot();
    for (RegisterCommand c : new RegisterCommand[] {
        new Put("", "v", Expect.ANY),
        new Put(longestName + "a", "v", Expect.ANY),
        new Put("a", longestValue + "x", Expect.ANY),
        new Put("a\uD800", "v", Expect.ANY),
        new Put("a", "v\uDC00", Expect.ANY),
        new Delete("", Expect.ANY),
        new Delete("x".repeat(Registers.MAX_NAME_BYTES + 1), Expect.ANY),
        new Add("", 1),
        new Add("x".repeat(Registers.MAX_NAME_BYTES + 1), 1)}) {
      assertThat(r.apply(3, c)).as("%s", c.kind()).isInstanceOf(Invalid.class);
      assertThat(r.snapshot()).isEqualTo(before);
    }
    // the bytes path says the same
    Registers other = new Registers();
    byte[] result = other.apply(1, new Put("", "v", Expect.ANY).encode());
    assertThat(RegisterResult.decode(result)).isInstanceOf(Invalid.class);
  }

  @Test
  void malformedCommandsAreInvalidAndChangeNothing() {
    r.apply(1, new Put("a", "x", Expect.ANY));
    r.apply(2, new Add("c", 1));
    byte[] before = r.snapshot();
    byte[] good = new Put("a", "y", Expect.version(1)).encode();
    byte[][] bad = {
        null,
        new byte[0],
        {2, 1},                                // unknown format
        {1, 9},                                // unknown kind
        Arrays.copyOf(good, good.length + 1),  // trailing byte
        Arrays.copyOf(good, good.length - 1),  // truncated
        withExpect(good, (byte) 7),            // unknown expectation
        versionZero(good),                     // VERSION 0
        {1, 1, 0, 0, 0, 1, (byte) 0xff, 0, 0, 0, 0, 1},       // name not UTF-8
        {1, 1, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff},  // a 2 GiB name
        {1, 2, 0, 0, 0, 1, 'a', 2},            // Delete expecting ABSENT
    };
    for (byte[] b : bad) {
      assertThat(RegisterResult.decode(r.apply(3, b))).as(Arrays.toString(b)).isInstanceOf(Invalid.class);
      assertThat(r.snapshot()).isEqualTo(before);
    }
    for (int cut = 0; cut < good.length; cut++) {
      assertThat(RegisterResult.decode(r.apply(3, Arrays.copyOf(good, cut)))).isInstanceOf(Invalid.class);
    }
    assertThat(r.snapshot()).isEqualTo(before);
    assertThat(RegisterResult.decode(r.apply(3, good))).isEqualTo(new Written(3));
  }

  @Test
  void applyingOutOfLogOrderIsABrokenShell() {
    r.apply(5, new Put("a", "x", Expect.ANY));
    assertThatThrownBy(() -> r.apply(5, new Put("b", "x", Expect.ANY))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> r.apply(4, new Add("c", 1).encode())).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> new Registers().apply(0, new Add("c", 1))).isInstanceOf(IllegalArgumentException.class);
    assertThat(r.get("b")).isEmpty();
  }

  @Test
  void equalStatesReachedDifferentlyEncodeToEqualBytes() {
    Registers a = new Registers();
    a.apply(1, new Put("zeta", "1", Expect.ANY));
    a.apply(2, new Put("alpha", "2", Expect.ANY));
    a.apply(3, new Put("mid", "3", Expect.ANY));
    a.apply(4, new Delete("mid", Expect.ANY));
    a.apply(5, new Add("c", 2));

    Registers b = new Registers();
    b.apply(1, new Put("zeta", "1", Expect.ANY));
    b.apply(2, new Put("alpha", "2", Expect.ANY));
    b.apply(3, new Put("mid", "other", Expect.ANY));
    b.apply(4, new Put("mid", "refused", Expect.ABSENT));
    b.apply(5, new Add("c", 2));
    b.apply(6, new Delete("mid", Expect.version(3)));

    assertThat(b.snapshot()).isEqualTo(a.snapshot());
    Registers c = new Registers();
    c.restore(a.snapshot());
    assertThat(c.snapshot()).isEqualTo(a.snapshot());
    assertThat(c.get("zeta")).contains(new Register("zeta", "1", 1));
    assertThat(c.counter("c")).isEqualTo(new Counter("c", 2, 5));
  }

  @Test
  void aRestoredMachineRefusesToReuseVersions() {
    r.apply(9, new Put("a", "x", Expect.ANY));
    Registers copy = new Registers();
    copy.restore(r.snapshot());
    assertThat(copy.lastVersion()).isEqualTo(9);
    assertThatThrownBy(() -> copy.apply(9, new Put("b", "y", Expect.ANY))).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void restoreReplacesTheWholeState() {
    r.apply(1, new Put("old", "x", Expect.ANY));
    r.apply(2, new Add("old", 1));
    Registers other = new Registers();
    other.apply(1, new Put("new", "y", Expect.ANY));
    r.restore(other.snapshot());
    assertThat(r.get("old")).isEmpty();
    assertThat(r.counter("old")).isEqualTo(new Counter("old", 0, 0));
    assertThat(r.get("new")).contains(new Register("new", "y", 1));
    r.restore(new Registers().snapshot());
    assertThat(r.size()).isZero();
    assertThat(r.get("new")).isEqualTo(Optional.empty());
  }

  @Test
  void snapshotsWithBrokenInvariantsAreRefused() {
    r.apply(1, new Put("b", "x", Expect.ANY));
    r.apply(2, new Put("a", "y", Expect.ANY));
    byte[] good = r.snapshot();
    Registers target = new Registers();
    target.apply(1, new Add("keep", 1));
    byte[] before = target.snapshot();

    // header: magic(4) format(1) last(8) count(4), then "a": len(4) 'a' len(4) 'y' version(8)
    byte[] badMagic = good.clone();
    badMagic[0] = 'X';
    byte[] badFormat = good.clone();
    badFormat[4] = 2;
    byte[] lastTooLow = good.clone();
    ByteBuffer.wrap(lastTooLow).putLong(5, 1);
    byte[] outOfOrder = good.clone();
    outOfOrder[4 + 1 + 8 + 4 + 4] = 'c'; // "c" before "b"
    byte[] duplicate = good.clone();
    duplicate[4 + 1 + 8 + 4 + 4] = 'b';
    byte[] versionZero = good.clone();
    ByteBuffer.wrap(versionZero).putLong(4 + 1 + 8 + 4 + 4 + 1 + 4 + 1, 0);
    byte[] hugeCount = good.clone();
    ByteBuffer.wrap(hugeCount).putInt(4 + 1 + 8, Integer.MAX_VALUE);
    byte[] negativeCount = good.clone();
    ByteBuffer.wrap(negativeCount).putInt(4 + 1 + 8, -1);
    byte[] trailing = Arrays.copyOf(good, good.length + 1);

    for (byte[] bad : new byte[][] {null, new byte[0], badMagic, badFormat, lastTooLow, outOfOrder, duplicate,
        versionZero, hugeCount, negativeCount, trailing}) {
      assertThatThrownBy(() -> target.restore(bad)).isInstanceOf(IllegalArgumentException.class);
      assertThat(target.snapshot()).isEqualTo(before);
    }
  }

  private static byte[] withExpect(byte[] put, byte code) {
    byte[] b = put.clone();
    b[b.length - 9] = code;
    return b;
  }

  private static byte[] versionZero(byte[] put) {
    byte[] b = put.clone();
    ByteBuffer.wrap(b).putLong(b.length - 8, 0);
    return b;
  }
}
