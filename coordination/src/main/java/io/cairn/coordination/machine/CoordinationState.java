package io.cairn.coordination.machine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The coordination group's state machine: the {@link Registers}, the {@link Primitives} and, when
 * a module above supplies one, an {@link ExtensionMachine} (the caches' cluster map) side by side
 * in one log. A command or a query is one byte naming its machine, then that machine's bytes; a
 * result or an answer is the machine's own. The extension learns at the same log index when
 * sessions of the primitives end, and may ask which are live.
 *
 * <p>After every command the primitives apply, their events go to the {@link #onEvents} listener,
 * on the applying thread, before the proposer's result is delivered; after a {@link #restore} the
 * {@link #onRestore} listener runs, since events between the old state and the restored one are
 * not known. The listeners belong to whoever waits on events (long polls), not to the replicated
 * state.
 *
 * <pre>
 * snapshot = u32 magic "CCST", u8 format (2), u32 length, registers snapshot, u32 length,
 *            primitives snapshot, u32 length, extension snapshot (empty without one)
 * </pre>
 *
 * A snapshot of format 1 (before extensions) has no extension part: the extension restores from
 * no bytes, its initial state.
 */
public final class CoordinationState implements StateMachine {
  /** The first byte of a register command or query. */
  public static final byte REGISTERS = 1;
  /** The first byte of a primitives command or query. */
  public static final byte PRIMITIVES = 2;
  /** The first byte of a command or query of the extension machine. */
  public static final byte EXTENSION = 3;

  static final int SNAPSHOT_MAGIC = 0x43435354; // "CCST"
  static final int SNAPSHOT_FORMAT = 2;

  private final ExtensionMachine extension;
  private Runnable onExtension = () -> { };

  private Registers registers = new Registers();
  private Primitives primitives = new Primitives();
  private Consumer<List<PrimitiveEvent>> onEvents = events -> { };
  private Runnable onRestore = () -> { };

  // Counts of what this replica applied since it started (not replicated state: for metrics).
  private volatile long sessionsCreated;
  private volatile long sessionsExpired;
  private volatile long lockGrants;
  private volatile long electionChanges;

  /** Registers and primitives only. */
  public CoordinationState() {
    this(null);
  }

  /** Registers, primitives and {@code extension} (null for none). */
  public CoordinationState(ExtensionMachine extension) {
    this.extension = extension;
  }

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
   * Runs after every apply that may have changed the extension's state (its own commands, ended
   * sessions) and after a restore, on the applying thread.
   */
  public void onExtension(Runnable listener) {
    this.onExtension = listener;
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
          endSessions(index, events);
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
      case EXTENSION:
        if (extension == null) {
          return new byte[0];
        }
        byte[] answer = extension.apply(index, body, primitives::isLive);
        onExtension.run();
        return answer;
      default:
        return new byte[0];
    }
  }

  private void endSessions(long index, List<PrimitiveEvent> events) {
    if (extension == null) {
      return;
    }
    List<Long> ended = new ArrayList<>();
    for (PrimitiveEvent e : events) {
      if (e instanceof PrimitiveEvent.SessionExpired x) {
        ended.add(x.sessionId());
      } else if (e instanceof PrimitiveEvent.SessionClosed c) {
        ended.add(c.sessionId());
      }
    }
    if (!ended.isEmpty()) {
      extension.sessionsEnded(index, ended);
      onExtension.run();
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
      case EXTENSION -> {
        if (extension == null) {
          throw new IllegalArgumentException("this node has no extension machine");
        }
        yield extension.answer(body);
      }
      default -> throw new IllegalArgumentException("a query for unknown machine " + query[0]);
    };
  }

  @Override
  public byte[] snapshot() {
    byte[] r = registers.snapshot();
    byte[] p = primitives.snapshot();
    byte[] x = extension == null ? new byte[0] : extension.snapshot();
    ByteWriter out = new ByteWriter(r.length + p.length + x.length + 20).i32(SNAPSHOT_MAGIC).u8(SNAPSHOT_FORMAT);
    out.bytes(r);
    out.bytes(p);
    out.bytes(x);
    return out.toByteArray();
  }

  /**
   * {@inheritDoc} Every machine is decoded before any is replaced (the extension last: it checks
   * its own bytes before it changes anything).
   */
  @Override
  public void restore(byte[] snapshot) {
    ByteReader in = new ByteReader(snapshot);
    int magic = in.i32("magic");
    int format = in.u8("format");
    if (magic != SNAPSHOT_MAGIC || format < 1 || format > SNAPSHOT_FORMAT) {
      throw new IllegalArgumentException("not a coordination state snapshot this node knows (magic "
          + Integer.toHexString(magic) + ", format " + format + ")");
    }
    Registers r = new Registers();
    r.restore(in.bytes("registers snapshot"));
    Primitives p = new Primitives();
    p.restore(in.bytes("primitives snapshot"));
    byte[] x = format >= 2 ? in.bytes("extension snapshot") : new byte[0];
    in.expectEnd("coordination state snapshot");
    if (extension != null) {
      extension.restore(x);
    }
    registers = r;
    primitives = p;
    onRestore.run();
    if (extension != null) {
      onExtension.run();
    }
  }
}
