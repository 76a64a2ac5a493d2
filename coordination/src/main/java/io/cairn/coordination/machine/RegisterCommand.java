package io.cairn.coordination.machine;

import java.util.Objects;

/**
 * A command to {@link Registers}, proposed through Raft as {@link #encode() bytes}. Construction
 * checks only shape (no nulls, an {@link Expect} that fits the command); the limits on names and
 * values ({@link Registers#MAX_NAME_BYTES}, {@link Registers#MAX_VALUE_BYTES}) are checked where
 * the command is applied, so that every replica, whatever version proposed it, gives the same
 * {@link RegisterResult.Invalid} for the same bytes.
 *
 * <pre>
 * command = u8 format (1), u8 kind, fields of the kind
 * kind    = 1 Put:    string name, string value, expect
 *           2 Delete: string name, expect
 *           3 Add:    string counter, i64 delta
 * expect  = u8 1 ANY | 2 ABSENT | 3 VERSION followed by i64 version (at least 1)
 * string  = u32 length, that many bytes of UTF-8
 * </pre>
 */
public sealed interface RegisterCommand {
  /** The first byte of every encoded command. */
  int FORMAT = 1;

  enum Kind { PUT, DELETE, ADD }

  Kind kind();

  /** The command as proposed to Raft; throws IllegalArgumentException for an unpaired surrogate. */
  byte[] encode();

  /**
   * Decodes {@link #encode()}'s bytes; throws {@link IllegalArgumentException} for anything else
   * (truncated, trailing bytes, an unknown format or kind, bad UTF-8).
   */
  static RegisterCommand decode(byte[] bytes) {
    ByteReader in = new ByteReader(bytes);
    int format = in.u8("command format");
    if (format != FORMAT) {
      throw new IllegalArgumentException("register command format " + format + ", this node knows " + FORMAT);
    }
    int kind = in.u8("command kind");
    RegisterCommand c = switch (kind) {
      case 1 -> new Put(in.string("name"), in.string("value"), Expect.read(in));
      case 2 -> new Delete(in.string("name"), Expect.read(in));
      case 3 -> new Add(in.string("counter"), in.i64("delta"));
      default -> throw new IllegalArgumentException("unknown register command kind " + kind);
    };
    in.expectEnd("register command");
    return c;
  }

  /**
   * What the writer expects of the register's current state: anything ({@link #ANY}), no register
   * ({@link #ABSENT}: create only, {@code If-None-Match: *}) or exactly this version ({@link
   * #version}: compare-and-set, {@code If-Match}).
   */
  record Expect(Kind kind, long version) {
    public enum Kind { ANY, ABSENT, VERSION }

    public static final Expect ANY = new Expect(Kind.ANY, 0);
    public static final Expect ABSENT = new Expect(Kind.ABSENT, 0);

    public Expect {
      Objects.requireNonNull(kind, "kind");
      if (kind == Kind.VERSION ? version < 1 : version != 0) {
        throw new IllegalArgumentException("a version is expected only of VERSION, and is at least 1: "
            + kind + " " + version);
      }
    }

    public static Expect version(long version) {
      return new Expect(Kind.VERSION, version);
    }

    void write(ByteWriter out) {
      switch (kind) {
        case ANY -> out.u8(1);
        case ABSENT -> out.u8(2);
        case VERSION -> out.u8(3).i64(version);
      }
    }

    static Expect read(ByteReader in) {
      int code = in.u8("expect");
      return switch (code) {
        case 1 -> ANY;
        case 2 -> ABSENT;
        case 3 -> version(in.i64("expected version"));
        default -> throw new IllegalArgumentException("unknown expectation " + code);
      };
    }
  }

  /** Writes {@code value} to register {@code name} if {@code expect} holds. */
  record Put(String name, String value, Expect expect) implements RegisterCommand {
    public Put {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(expect, "expect");
    }

    @Override
    public Kind kind() {
      return Kind.PUT;
    }

    @Override
    public byte[] encode() {
      ByteWriter out = new ByteWriter(2 + 8 + name.length() + value.length() + 9);
      out.u8(FORMAT).u8(1).string(name).string(value);
      expect.write(out);
      return out.toByteArray();
    }
  }

  /** Removes register {@code name} if {@code expect} holds: ANY or VERSION (ABSENT means nothing here). */
  record Delete(String name, Expect expect) implements RegisterCommand {
    public Delete {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(expect, "expect");
      if (expect.kind() == Expect.Kind.ABSENT) {
        throw new IllegalArgumentException("a delete expects ANY or a VERSION, not ABSENT");
      }
    }

    @Override
    public Kind kind() {
      return Kind.DELETE;
    }

    @Override
    public byte[] encode() {
      ByteWriter out = new ByteWriter(2 + 4 + name.length() + 9);
      out.u8(FORMAT).u8(2).string(name);
      expect.write(out);
      return out.toByteArray();
    }
  }

  /** Adds {@code delta} (may be negative) to counter {@code counter}; an absent counter is 0. */
  record Add(String counter, long delta) implements RegisterCommand {
    public Add {
      Objects.requireNonNull(counter, "counter");
    }

    @Override
    public Kind kind() {
      return Kind.ADD;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(2 + 4 + counter.length() + 8).u8(FORMAT).u8(3).string(counter).i64(delta).toByteArray();
    }
  }
}
