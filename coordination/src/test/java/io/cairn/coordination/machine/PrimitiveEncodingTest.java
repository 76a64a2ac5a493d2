package io.cairn.coordination.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.coordination.machine.PrimitiveCommand.Acquire;
import io.cairn.coordination.machine.PrimitiveCommand.Campaign;
import io.cairn.coordination.machine.PrimitiveCommand.CancelWait;
import io.cairn.coordination.machine.PrimitiveCommand.CloseSession;
import io.cairn.coordination.machine.PrimitiveCommand.CreateSession;
import io.cairn.coordination.machine.PrimitiveCommand.KeepAlive;
import io.cairn.coordination.machine.PrimitiveCommand.Proclaim;
import io.cairn.coordination.machine.PrimitiveCommand.Release;
import io.cairn.coordination.machine.PrimitiveCommand.Resign;
import io.cairn.coordination.machine.PrimitiveCommand.Tick;
import io.cairn.coordination.machine.PrimitiveResult.Renewal;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrimitiveEncodingTest {
  private static final List<PrimitiveCommand> COMMANDS = List.of(
      new Tick(0), new Tick(Long.MAX_VALUE), new CreateSession(1_000), new KeepAlive(List.of()),
      new KeepAlive(List.of(1L, Long.MIN_VALUE)), new CloseSession(7), new Acquire("日本", 3, true, 500),
      new Acquire("a", 3, false, 0), new Release("a", 3, 9), new CancelWait("a/b", 4),
      new Campaign("e", 5, ""), new Campaign("é", 5, "värde"), new Proclaim("e", 5, 6, "x"),
      new Resign("e", 5, 0), new PrimitiveCommand.AcquirePermits("s", 5, 2, 3, true),
      new PrimitiveCommand.AcquirePermits("s", 5, 1, 1, false), new PrimitiveCommand.ReleasePermits("s", 5, 2),
      new PrimitiveCommand.CancelPermits("s", 5));

  private static final List<PrimitiveResult> RESULTS = List.of(
      new PrimitiveResult.Ticked(12), new PrimitiveResult.SessionCreated(3, 1_000),
      new PrimitiveResult.KeptAlive(List.of()),
      new PrimitiveResult.KeptAlive(List.of(new Renewal(1, true, 5_000), new Renewal(2, false, 0))),
      new PrimitiveResult.SessionClosed(3), new PrimitiveResult.NoSession(-1), new PrimitiveResult.Granted(9, 2),
      new PrimitiveResult.Queued(1), new PrimitiveResult.Busy(3, 9), new PrimitiveResult.Delayed(250),
      new PrimitiveResult.Released(0), new PrimitiveResult.Conflict(0, 0), new PrimitiveResult.Cancelled(),
      new PrimitiveResult.NotWaiting(4), new PrimitiveResult.Invalid("nö"), new PrimitiveResult.Elected(8),
      new PrimitiveResult.Proclaimed(10), new PrimitiveResult.Resigned(), new PrimitiveResult.PermitsGranted(3),
      new PrimitiveResult.NoPermits(1, 5), new PrimitiveResult.PermitsReleased(0), new PrimitiveResult.NotHeld(2));

  @Test
  void everyCommandRoundTrips() {
    EnumSet<PrimitiveCommand.Kind> kinds = EnumSet.noneOf(PrimitiveCommand.Kind.class);
    for (PrimitiveCommand c : COMMANDS) {
      kinds.add(c.kind());
      byte[] bytes = c.encode();
      assertThat(bytes[0]).isEqualTo((byte) PrimitiveCommand.FORMAT);
      assertThat(PrimitiveCommand.decode(bytes)).isEqualTo(c);
    }
    assertThat(kinds).containsExactlyInAnyOrder(PrimitiveCommand.Kind.values());
  }

  @Test
  void everyResultRoundTrips() {
    EnumSet<PrimitiveResult.Kind> kinds = EnumSet.noneOf(PrimitiveResult.Kind.class);
    for (PrimitiveResult r : RESULTS) {
      kinds.add(r.kind());
      assertThat(r.encode()[0]).isEqualTo((byte) PrimitiveResult.FORMAT);
      assertThat(PrimitiveResult.decode(r.encode())).isEqualTo(r);
    }
    assertThat(kinds).containsExactlyInAnyOrder(PrimitiveResult.Kind.values());
  }

  @Test
  void truncatedOrExtendedBytesAreRefused() {
    for (PrimitiveCommand c : COMMANDS) {
      byte[] bytes = c.encode();
      for (int cut = 0; cut < bytes.length; cut++) {
        byte[] prefix = Arrays.copyOf(bytes, cut);
        assertThatThrownBy(() -> PrimitiveCommand.decode(prefix)).isInstanceOf(IllegalArgumentException.class);
      }
      assertThatThrownBy(() -> PrimitiveCommand.decode(Arrays.copyOf(bytes, bytes.length + 1)))
          .isInstanceOf(IllegalArgumentException.class);
    }
    for (PrimitiveResult r : RESULTS) {
      byte[] bytes = r.encode();
      for (int cut = 0; cut < bytes.length; cut++) {
        byte[] prefix = Arrays.copyOf(bytes, cut);
        assertThatThrownBy(() -> PrimitiveResult.decode(prefix)).isInstanceOf(IllegalArgumentException.class);
      }
      assertThatThrownBy(() -> PrimitiveResult.decode(Arrays.copyOf(bytes, bytes.length + 1)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void unknownFormatsKindsAndFlagsAreRefused() {
    assertThatThrownBy(() -> PrimitiveCommand.decode(new byte[] {2, 1})).hasMessageContaining("format");
    assertThatThrownBy(() -> PrimitiveCommand.decode(new byte[] {1, 14})).hasMessageContaining("kind");
    assertThatThrownBy(() -> PrimitiveCommand.decode(new byte[] {1, 0})).hasMessageContaining("kind");
    byte[] acquire = new Acquire("a", 1, true, 0).encode();
    acquire[acquire.length - 9] = 2;
    assertThatThrownBy(() -> PrimitiveCommand.decode(acquire)).hasMessageContaining("queue if busy");
    byte[] forgedCount = {1, 3, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    assertThatThrownBy(() -> PrimitiveCommand.decode(forgedCount)).hasMessageContaining("keepalive count");
    assertThatThrownBy(() -> PrimitiveResult.decode(new byte[] {2, 1})).hasMessageContaining("format");
    assertThatThrownBy(() -> PrimitiveResult.decode(new byte[] {1, 22})).hasMessageContaining("kind");
    byte[] renewal = new PrimitiveResult.KeptAlive(List.of(new Renewal(1, true, 5))).encode();
    renewal[2 + 4 + 8] = 2;
    assertThatThrownBy(() -> PrimitiveResult.decode(renewal)).hasMessageContaining("alive");
  }

  @Test
  void aStringThatIsNotUnicodeIsNotEncoded() {
    assertThatThrownBy(() -> new Acquire("a\uD800", 1, false, 0).encode()).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Campaign("e", 1, "\uDC00").encode()).isInstanceOf(IllegalArgumentException.class);
  }
}
