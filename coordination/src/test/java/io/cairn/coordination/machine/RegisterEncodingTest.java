package io.cairn.coordination.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.coordination.machine.RegisterCommand.Add;
import io.cairn.coordination.machine.RegisterCommand.Delete;
import io.cairn.coordination.machine.RegisterCommand.Expect;
import io.cairn.coordination.machine.RegisterCommand.Put;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class RegisterEncodingTest {
  private static final List<RegisterCommand> COMMANDS = List.of(
      new Put("a", "", Expect.ANY),
      new Put("日本", "värde", Expect.ABSENT),
      new Put("k", "v".repeat(1000), Expect.version(Long.MAX_VALUE)),
      new Delete("a", Expect.ANY),
      new Delete("a", Expect.version(3)),
      new Add("c", Long.MIN_VALUE),
      new Add("c", 0));

  private static final List<RegisterResult> RESULTS = List.of(
      new RegisterResult.Written(1),
      new RegisterResult.Deleted(Long.MAX_VALUE),
      new RegisterResult.CounterValue(-5, 9),
      new RegisterResult.NotFound(),
      new RegisterResult.PreconditionFailed(OptionalLong.empty()),
      new RegisterResult.PreconditionFailed(OptionalLong.of(4)),
      new RegisterResult.Invalid("a name is 1 to 256 bytes of UTF-8, not 0"),
      new RegisterResult.Overflow(Long.MAX_VALUE, 1));

  @Test
  void everyCommandRoundTrips() {
    EnumSet<RegisterCommand.Kind> kinds = EnumSet.noneOf(RegisterCommand.Kind.class);
    for (RegisterCommand c : COMMANDS) {
      kinds.add(c.kind());
      byte[] bytes = c.encode();
      assertThat(bytes[0]).isEqualTo((byte) RegisterCommand.FORMAT);
      assertThat(RegisterCommand.decode(bytes)).isEqualTo(c);
    }
    assertThat(kinds).containsExactlyInAnyOrder(RegisterCommand.Kind.values());
  }

  @Test
  void everyResultRoundTrips() {
    EnumSet<RegisterResult.Kind> kinds = EnumSet.noneOf(RegisterResult.Kind.class);
    for (RegisterResult r : RESULTS) {
      kinds.add(r.kind());
      assertThat(RegisterResult.decode(r.encode())).isEqualTo(r);
    }
    assertThat(kinds).containsExactlyInAnyOrder(RegisterResult.Kind.values());
  }

  @Test
  void truncatedOrExtendedBytesAreRefused() {
    for (RegisterCommand c : COMMANDS) {
      byte[] bytes = c.encode();
      for (int cut = 0; cut < bytes.length; cut++) {
        byte[] prefix = Arrays.copyOf(bytes, cut);
        assertThatThrownBy(() -> RegisterCommand.decode(prefix)).isInstanceOf(IllegalArgumentException.class);
      }
      assertThatThrownBy(() -> RegisterCommand.decode(Arrays.copyOf(bytes, bytes.length + 1)))
          .isInstanceOf(IllegalArgumentException.class);
    }
    for (RegisterResult r : RESULTS) {
      byte[] bytes = r.encode();
      for (int cut = 0; cut < bytes.length; cut++) {
        byte[] prefix = Arrays.copyOf(bytes, cut);
        assertThatThrownBy(() -> RegisterResult.decode(prefix)).isInstanceOf(IllegalArgumentException.class);
      }
      assertThatThrownBy(() -> RegisterResult.decode(Arrays.copyOf(bytes, bytes.length + 1)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void unknownFormatsAndKindsAreRefused() {
    assertThatThrownBy(() -> RegisterCommand.decode(new byte[] {2, 1})).hasMessageContaining("format");
    assertThatThrownBy(() -> RegisterCommand.decode(new byte[] {1, 4})).hasMessageContaining("kind");
    assertThatThrownBy(() -> RegisterResult.decode(new byte[] {2, 4})).hasMessageContaining("format");
    assertThatThrownBy(() -> RegisterResult.decode(new byte[] {1, 8})).hasMessageContaining("kind");
    assertThatThrownBy(() -> RegisterResult.decode(new byte[] {1, 5, 2})).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RegisterResult.decode(new byte[] {1, 1, 0, 0, 0, 0, 0, 0, 0, 0}))
        .isInstanceOf(IllegalArgumentException.class); // version 0
  }

  @Test
  void aStringThatIsNotUnicodeIsNotEncoded() {
    assertThatThrownBy(() -> new Put("a\uD800", "v", Expect.ANY).encode()).isInstanceOf(IllegalArgumentException.class);
  }
}
