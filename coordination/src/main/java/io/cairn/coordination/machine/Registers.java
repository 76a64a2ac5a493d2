package io.cairn.coordination.machine;

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
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Linearizable registers (name → UTF-8 value) and counters (name → long), in two separate
 * namespaces, replicated by Raft. Every write is versioned by the log index of its command, so a
 * version is unique across the group and increases with every write: it is the ETag, and
 * compare-and-set ({@link Expect#version}) and create-only ({@link Expect#ABSENT}) are checked
 * against it.
 *
 * <p>Reads ({@link #get}, {@link #counter}, {@link #size}) are run by the shell on the thread that
 * applies, after a ReadIndex barrier; this class does nothing to make them linearizable itself.
 * Not thread-safe.
 *
 * <p>The snapshot format, in ascending {@link String#compareTo} order of names so that equal
 * states give equal bytes (a checksum is not needed: the WAL checksums the file that holds it):
 *
 * <pre>
 * snapshot = u32 magic "CREG", u8 format (1), i64 last version written,
 *            u32 register count, registers, u32 counter count, counters
 * register = string name, string value, i64 version
 * counter  = string name, i64 value, i64 version
 * string   = u32 length, that many bytes of UTF-8
 * </pre>
 */
public final class Registers implements StateMachine {
  /** The longest register or counter name, in UTF-8 bytes (the shortest is 1). */
  public static final int MAX_NAME_BYTES = 256;
  /** The longest register value, in UTF-8 bytes. */
  public static final int MAX_VALUE_BYTES = 65_536;

  static final int SNAPSHOT_MAGIC = 0x43524547; // "CREG"
  static final int SNAPSHOT_FORMAT = 1;
  private static final int MIN_REGISTER_BYTES = 4 + 1 + 4 + 8;
  private static final int MIN_COUNTER_BYTES = 4 + 1 + 8 + 8;

  private record Versioned(String value, long version) {}

  private record Count(long value, long version) {}

  private TreeMap<String, Versioned> registers = new TreeMap<>();
  private TreeMap<String, Count> counters = new TreeMap<>();
  /**
   * The highest version written, deleted values included: a later write must have a higher index,
   * or versions would repeat. Part of the snapshot, so the check survives a restore.
   */
  private long lastVersion;

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if {@code index} is below 1, and IllegalStateException if it
   *     is not above the last index that wrote: both a broken shell, not a bad command
   */
  @Override
  public byte[] apply(long index, byte[] command) {
    RegisterCommand c;
    try {
      c = RegisterCommand.decode(command);
    } catch (IllegalArgumentException e) {
      checkIndex(index);
      return new Invalid("malformed register command: " + e.getMessage()).encode();
    }
    return apply(index, c).encode();
  }

  /** {@link #apply(long, byte[])} without the bytes: for tests and the encoding-free path. */
  RegisterResult apply(long index, RegisterCommand command) {
    checkIndex(index);
    return switch (command.kind()) {
      case PUT -> put(index, (Put) command);
      case DELETE -> delete((Delete) command);
      case ADD -> add(index, (Add) command);
    };
  }

  private void checkIndex(long index) {
    if (index < 1) {
      throw new IllegalArgumentException("a log index is at least 1: " + index);
    }
    if (index <= lastVersion) {
      throw new IllegalStateException("applying index " + index + " after a write at " + lastVersion
          + ": commands must be applied once each, in log order");
    }
  }

  private RegisterResult put(long index, Put p) {
    String invalid = checkName(p.name());
    if (invalid == null) {
      invalid = checkValue(p.value());
    }
    if (invalid != null) {
      return new Invalid(invalid);
    }
    Versioned current = registers.get(p.name());
    boolean holds = switch (p.expect().kind()) {
      case ANY -> true;
      case ABSENT -> current == null;
      case VERSION -> current != null && current.version() == p.expect().version();
    };
    if (!holds) {
      return preconditionFailed(current);
    }
    registers.put(p.name(), new Versioned(p.value(), index));
    lastVersion = index;
    return new Written(index);
  }

  private RegisterResult delete(Delete d) {
    String invalid = checkName(d.name());
    if (invalid != null) {
      return new Invalid(invalid);
    }
    Versioned current = registers.get(d.name());
    if (d.expect().kind() == Expect.Kind.VERSION) {
      // If-Match on a register that is not there fails the precondition (RFC 9110), it is no 404.
      if (current == null || current.version() != d.expect().version()) {
        return preconditionFailed(current);
      }
    } else if (current == null) {
      return new NotFound();
    }
    registers.remove(d.name());
    return new Deleted(current.version());
  }

  private RegisterResult add(long index, Add a) {
    String invalid = checkName(a.counter());
    if (invalid != null) {
      return new Invalid(invalid);
    }
    Count current = counters.get(a.counter());
    long before = current == null ? 0 : current.value();
    long after;
    try {
      after = Math.addExact(before, a.delta());
    } catch (ArithmeticException e) {
      return new Overflow(before, a.delta());
    }
    counters.put(a.counter(), new Count(after, index));
    lastVersion = index;
    return new CounterValue(after, index);
  }

  private static PreconditionFailed preconditionFailed(Versioned current) {
    return new PreconditionFailed(current == null ? OptionalLong.empty() : OptionalLong.of(current.version()));
  }

  /** Why {@code name} is not a valid register or counter name, or null if it is. */
  static String checkName(String name) {
    int n = ByteWriter.utf8Length(name);
    if (n < 0) {
      return "a name must be valid Unicode (it has an unpaired surrogate)";
    }
    if (n < 1 || n > MAX_NAME_BYTES) {
      return "a name is 1 to " + MAX_NAME_BYTES + " bytes of UTF-8, not " + n;
    }
    return null;
  }

  /** Why {@code value} is not a valid register value, or null if it is. */
  static String checkValue(String value) {
    int n = ByteWriter.utf8Length(value);
    if (n < 0) {
      return "a value must be valid Unicode (it has an unpaired surrogate)";
    }
    if (n > MAX_VALUE_BYTES) {
      return "a value is at most " + MAX_VALUE_BYTES + " bytes of UTF-8, not " + n;
    }
    return null;
  }

  /** The register named {@code name}, if there is one. */
  public Optional<Register> get(String name) {
    Versioned v = registers.get(name);
    return v == null ? Optional.empty() : Optional.of(new Register(name, v.value(), v.version()));
  }

  /** The counter named {@code name}; one never added to is 0 at version 0. */
  public Counter counter(String name) {
    Count c = counters.get(name);
    return c == null ? new Counter(name, 0, 0) : new Counter(name, c.value(), c.version());
  }

  /** How many registers there are (counters are not counted). */
  public int size() {
    return registers.size();
  }

  @Override
  public byte[] snapshot() {
    ByteWriter out = new ByteWriter(64 + registers.size() * 32 + counters.size() * 32);
    out.i32(SNAPSHOT_MAGIC).u8(SNAPSHOT_FORMAT).i64(lastVersion);
    out.i32(registers.size());
    for (Map.Entry<String, Versioned> e : registers.entrySet()) {
      out.string(e.getKey()).string(e.getValue().value()).i64(e.getValue().version());
    }
    out.i32(counters.size());
    for (Map.Entry<String, Count> e : counters.entrySet()) {
      out.string(e.getKey()).i64(e.getValue().value()).i64(e.getValue().version());
    }
    return out.toByteArray();
  }

  /**
   * {@inheritDoc} Everything is checked before anything is replaced: the magic and format, counts
   * against the bytes left, names and values against the limits, names strictly ascending (so no
   * duplicates, and one encoding per state), versions between 1 and the last version written, and
   * no trailing bytes.
   */
  @Override
  public void restore(byte[] snapshot) {
    ByteReader in = new ByteReader(snapshot);
    in.snapshotHeader(SNAPSHOT_MAGIC, SNAPSHOT_FORMAT, "registers");
    long last = in.i64("last version");
    if (last < 0) {
      throw new IllegalArgumentException("last version " + last + " is negative");
    }
    TreeMap<String, Versioned> regs = new TreeMap<>();
    int registerCount = in.count(MIN_REGISTER_BYTES, "register count");
    String previous = null;
    for (int i = 0; i < registerCount; i++) {
      String name = name(in, previous, "register");
      String value = in.string("value");
      String invalid = checkValue(value);
      if (invalid != null) {
        throw new IllegalArgumentException("register " + i + ": " + invalid);
      }
      regs.put(name, new Versioned(value, version(in, last, "register " + i)));
      previous = name;
    }
    TreeMap<String, Count> counts = new TreeMap<>();
    int counterCount = in.count(MIN_COUNTER_BYTES, "counter count");
    previous = null;
    for (int i = 0; i < counterCount; i++) {
      String name = name(in, previous, "counter");
      long value = in.i64("counter value");
      counts.put(name, new Count(value, version(in, last, "counter " + i)));
      previous = name;
    }
    in.expectEnd("registers snapshot");
    registers = regs;
    counters = counts;
    lastVersion = last;
  }

  private static String name(ByteReader in, String previous, String what) {
    String name = in.string(what + " name");
    String invalid = checkName(name);
    if (invalid != null) {
      throw new IllegalArgumentException(what + ": " + invalid);
    }
    if (previous != null && previous.compareTo(name) >= 0) {
      throw new IllegalArgumentException(what + " names out of order or repeated");
    }
    return name;
  }

  private static long version(ByteReader in, long last, String what) {
    long version = in.i64(what + " version");
    if (version < 1 || version > last) {
      throw new IllegalArgumentException(what + ": version " + version + " outside 1.." + last);
    }
    return version;
  }

  /** The highest version written (0 before any write): for tests. */
  long lastVersion() {
    return lastVersion;
  }
}
