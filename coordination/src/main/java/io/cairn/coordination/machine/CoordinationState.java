package io.cairn.coordination.machine;

import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The coordination group's state machine: the {@link Registers} and the {@link Primitives} side by
 * side in one log. A command or a query is one byte naming its machine, then that machine's bytes;
 * a result or an answer is the machine's own.
 *
 * <p>After every command the primitives apply, their events go to the {@link #onEvents} listener,
 * on the applying thread, before the proposer's result is delivered; after a {@link #restore} the
 * {@link #onRestore} listener runs, since events between the old state and the restored one are
 * not known. The listeners belong to whoever waits on events (long polls), not to the replicated
 * state.
 *
 * <pre>
 * snapshot = u32 magic "CCST", u8 format (1), u32 length, registers snapshot, u32 length,
 *            primitives snapshot
 * </pre>
 */
public final class CoordinationState implements StateMachine {
  /** The first byte of a register command or query. */
  public static final byte REGISTERS = 1;
  /** The first byte of a primitives command or query. */
  public static final byte PRIMITIVES = 2;

  static final int SNAPSHOT_MAGIC = 0x43435354; // "CCST"
  static final int SNAPSHOT_FORMAT = 1;

  private Registers registers = new Registers();
  private Primitives primitives = new Primitives();
  private Consumer<List<PrimitiveEvent>> onEvents = events -> { };
  private Runnable onRestore = () -> { };

  // Counts of what this replica applied since it started (not replicated state: for metrics).
  private volatile long sessionsCreated;
  private volatile long sessionsExpired;
  private volatile long lockGrants;
  private volatile long electionChanges;

  /** What this replica has applied since it started, for metrics. */
  public record Applied(long sessionsCreated, long sessionsExpired, long lockGrants, long electionChanges) {}

  public Applied applied() {
    return new Applied(sessionsCreated, sessionsExpired, lockGrants, electionChanges);
  }

  private void count(byte[] result) {
    if (result.length < 2) {
      return;
    }
    PrimitiveResult r = PrimitiveResult.decode(result);
    if (r instanceof PrimitiveResult.SessionCreated) {
      sessionsCreated++;
    } else if (r instanceof PrimitiveResult.Granted g && g.count() == 1) {
      lockGrants++;
    }
  }

  /** {@code bytes} addressed to {@code machine}. */
  public static byte[] to(byte machine, byte[] bytes) {
    byte[] out = new byte[bytes.length + 1];
    out[0] = machine;
    System.arraycopy(bytes, 0, out, 1, bytes.length);
    return out;
  }

  /** The registers as applied; replaced by a restore. */
  public Registers registers() {
    return registers;
  }

  /** The primitives as applied; replaced by a restore. */
  public Primitives primitives() {
    return primitives;
  }

  public void onEvents(Consumer<List<PrimitiveEvent>> listener) {
    this.onEvents = listener;
  }

  public void onRestore(Runnable listener) {
    this.onRestore = listener;
  }

  /**
   * {@inheritDoc} A command naming no known machine changes nothing and gets an empty result (no
   * node of this version proposes one).
   */
  @Override
  public byte[] apply(long index, byte[] command) {
    if (command.length == 0) {
      return new byte[0];
    }
    byte[] body = Arrays.copyOfRange(command, 1, command.length);
    switch (command[0]) {
      case REGISTERS:
        return registers.apply(index, body);
      case PRIMITIVES:
        byte[] result = primitives.apply(index, body);
        count(result);
        List<PrimitiveEvent> events = primitives.drainEvents();
        if (!events.isEmpty()) {
          for (PrimitiveEvent e : events) {
            if (e instanceof PrimitiveEvent.LockGranted) {
              lockGrants++;
            } else if (e instanceof PrimitiveEvent.SessionExpired) {
              sessionsExpired++;
            } else if (e instanceof PrimitiveEvent.LeaderChanged) {
              electionChanges++;
            }
          }
          onEvents.accept(events);
        }
        return result;
      default:
        return new byte[0];
    }
  }

  /** Answers a query against the applied state: IllegalArgumentException for a malformed one. */
  public byte[] answer(byte[] query) {
    if (query.length == 0) {
      throw new IllegalArgumentException("an empty coordination query");
    }
    byte[] body = Arrays.copyOfRange(query, 1, query.length);
    return switch (query[0]) {
      case REGISTERS -> RegisterQueries.answer(registers, body);
      case PRIMITIVES -> PrimitiveQueries.answer(primitives, body);
      default -> throw new IllegalArgumentException("a query for unknown machine " + query[0]);
    };
  }

  @Override
  public byte[] snapshot() {
    byte[] r = registers.snapshot();
    byte[] p = primitives.snapshot();
    ByteWriter out = new ByteWriter(r.length + p.length + 16).i32(SNAPSHOT_MAGIC).u8(SNAPSHOT_FORMAT);
    out.bytes(r);
    out.bytes(p);
    return out.toByteArray();
  }

  /** {@inheritDoc} Both machines are decoded before either is replaced. */
  @Override
  public void restore(byte[] snapshot) {
    ByteReader in = new ByteReader(snapshot);
    in.snapshotHeader(SNAPSHOT_MAGIC, SNAPSHOT_FORMAT, "coordination state");
    Registers r = new Registers();
    r.restore(in.bytes("registers snapshot"));
    Primitives p = new Primitives();
    p.restore(in.bytes("primitives snapshot"));
    in.expectEnd("coordination state snapshot");
    registers = r;
    primitives = p;
    onRestore.run();
  }
}
