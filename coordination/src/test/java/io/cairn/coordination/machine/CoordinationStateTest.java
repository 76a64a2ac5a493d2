package io.cairn.coordination.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.coordination.machine.PrimitiveCommand.CloseSession;
import io.cairn.coordination.machine.PrimitiveCommand.CreateSession;
import io.cairn.coordination.machine.PrimitiveCommand.Tick;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;

/** The coordination state with an extension machine beside the registers and primitives. */
class CoordinationStateTest {
  /** Records what it is told; its state is the list of what it applied. */
  static final class Recorder implements ExtensionMachine {
    final List<String> seen = new ArrayList<>();
    LongPredicate live;

    @Override
    public byte[] apply(long index, byte[] command, LongPredicate sessionLive) {
      live = sessionLive;
      seen.add(index + ":" + new String(command));
      return ("ok " + index).getBytes();
    }

    @Override
    public void sessionsEnded(long index, List<Long> sessions) {
      seen.add(index + ":ended " + sessions);
    }

    @Override
    public byte[] answer(byte[] query) {
      return String.join(",", seen).getBytes();
    }

    @Override
    public byte[] snapshot() {
      return String.join("\n", seen).getBytes();
    }

    @Override
    public void restore(byte[] snapshot) {
      seen.clear();
      if (snapshot.length > 0) {
        seen.addAll(List.of(new String(snapshot).split("\n")));
      }
    }
  }

  private final Recorder ext = new Recorder();
  private final CoordinationState state = new CoordinationState(ext);
  private int extensionRuns;
  private long index;

  CoordinationStateTest() {
    state.onExtension(() -> extensionRuns++);
  }

  private byte[] run(byte machine, byte[] body) {
    return state.apply(++index, CoordinationState.to(machine, body));
  }

  private long session(long ttl) {
    PrimitiveResult r = PrimitiveResult.decode(run(CoordinationState.PRIMITIVES, new CreateSession(ttl).encode()));
    return ((PrimitiveResult.SessionCreated) r).id();
  }

  @Test
  void theExtensionAppliesItsCommandsAndSeesWhichSessionsLive() {
    long s = session(1_000);
    assertThat(new String(run(CoordinationState.EXTENSION, "hello".getBytes()))).isEqualTo("ok 2");
    assertThat(ext.seen).containsExactly("2:hello");
    assertThat(ext.live.test(s)).isTrue();
    assertThat(ext.live.test(s + 1)).isFalse();
    assertThat(extensionRuns).isEqualTo(1);
    assertThat(new String(state.answer(CoordinationState.to(CoordinationState.EXTENSION, new byte[0]))))
        .isEqualTo("2:hello");
  }

  @Test
  void theExtensionLearnsOfClosedAndExpiredSessionsAtTheirIndex() {
    long a = session(1_000);
    long b = session(1_000);
    run(CoordinationState.PRIMITIVES, new CloseSession(a).encode());
    assertThat(ext.seen).containsExactly("3:ended [" + a + "]");
    run(CoordinationState.PRIMITIVES, new Tick(0).encode());
    run(CoordinationState.PRIMITIVES, new Tick(2_000).encode());
    assertThat(ext.seen).containsExactly("3:ended [" + a + "]", "5:ended [" + b + "]");
    assertThat(extensionRuns).isEqualTo(2);
  }

  @Test
  void snapshotsCarryTheExtensionAndAnOldFormatResetsIt() {
    session(1_000);
    run(CoordinationState.EXTENSION, "x".getBytes());
    byte[] snap = state.snapshot();
    Recorder other = new Recorder();
    CoordinationState copy = new CoordinationState(other);
    copy.restore(snap);
    assertThat(other.seen).containsExactly("2:x");
    assertThat(copy.snapshot()).isEqualTo(snap);

    // format 1: registers and primitives only
    ByteReader in = new ByteReader(snap);
    in.i32("magic");
    in.u8("format");
    byte[] r = in.bytes("registers");
    byte[] p = in.bytes("primitives");
    byte[] old = new ByteWriter(64).i32(CoordinationState.SNAPSHOT_MAGIC).u8(1).bytes(r).bytes(p).toByteArray();
    copy.restore(old);
    assertThat(other.seen).isEmpty();
    assertThat(copy.primitives().sessionCount()).isEqualTo(1);
    assertThatThrownBy(() -> copy.restore(new ByteWriter(8).i32(CoordinationState.SNAPSHOT_MAGIC).u8(3).toByteArray()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void withoutAnExtensionItsCommandsChangeNothing() {
    CoordinationState plain = new CoordinationState();
    assertThat(plain.apply(1, CoordinationState.to(CoordinationState.EXTENSION, "x".getBytes()))).isEmpty();
    assertThatThrownBy(() -> plain.answer(CoordinationState.to(CoordinationState.EXTENSION, new byte[0])))
        .isInstanceOf(IllegalArgumentException.class);
    CoordinationState copy = new CoordinationState();
    copy.restore(plain.snapshot());
  }
}
