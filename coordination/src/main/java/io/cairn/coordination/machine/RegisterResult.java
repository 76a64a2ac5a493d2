package io.cairn.coordination.machine;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * What applying a {@link RegisterCommand} produced, returned to the proposer as {@link #encode()
 * bytes}. Every outcome is a value, never an exception: the same bytes give the same result on
 * every replica.
 *
 * <pre>
 * result = u8 format (1), u8 kind, fields of the kind
 * kind   = 1 Written: i64 version          2 Deleted: i64 version
 *          3 CounterValue: i64 value, i64 version
 *          4 NotFound                      5 PreconditionFailed: u8 0|1, [i64 current version]
 *          6 Invalid: u32 length, UTF-8 reason
 *          7 Overflow: i64 value, i64 delta
 * </pre>
 */
public sealed interface RegisterResult {
  /** The first byte of every encoded result. */
  int FORMAT = 1;

  enum Kind { WRITTEN, DELETED, COUNTER_VALUE, NOT_FOUND, PRECONDITION_FAILED, INVALID, OVERFLOW }

  Kind kind();

  byte[] encode();

  /** Decodes {@link #encode()}'s bytes; throws {@link IllegalArgumentException} for anything else. */
  static RegisterResult decode(byte[] bytes) {
    ByteReader in = new ByteReader(bytes);
    int format = in.u8("result format");
    if (format != FORMAT) {
      throw new IllegalArgumentException("register result format " + format + ", this node knows " + FORMAT);
    }
    int kind = in.u8("result kind");
    RegisterResult r = switch (kind) {
      case 1 -> new Written(in.i64("version"));
      case 2 -> new Deleted(in.i64("version"));
      case 3 -> new CounterValue(in.i64("value"), in.i64("version"));
      case 4 -> new NotFound();
      case 5 -> {
        int has = in.u8("has current version");
        if (has > 1) {
          throw new IllegalArgumentException("has current version: 0 or 1, not " + has);
        }
        yield new PreconditionFailed(has == 1 ? OptionalLong.of(in.i64("current version")) : OptionalLong.empty());
      }
      case 6 -> new Invalid(in.string("reason"));
      case 7 -> new Overflow(in.i64("value"), in.i64("delta"));
      default -> throw new IllegalArgumentException("unknown register result kind " + kind);
    };
    in.expectEnd("register result");
    return r;
  }

  /** The put took effect; {@code version} is its log index, the register's new ETag. */
  record Written(long version) implements RegisterResult {
    public Written {
      positive(version);
    }

    @Override
    public Kind kind() {
      return Kind.WRITTEN;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(10).u8(FORMAT).u8(1).i64(version).toByteArray();
    }
  }

  /** The register was removed; {@code version} is the version it had. */
  record Deleted(long version) implements RegisterResult {
    public Deleted {
      positive(version);
    }

    @Override
    public Kind kind() {
      return Kind.DELETED;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(10).u8(FORMAT).u8(2).i64(version).toByteArray();
    }
  }

  /** A counter after an add: its value and version (the add's log index). */
  record CounterValue(long value, long version) implements RegisterResult {
    public CounterValue {
      positive(version);
    }

    @Override
    public Kind kind() {
      return Kind.COUNTER_VALUE;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(18).u8(FORMAT).u8(3).i64(value).i64(version).toByteArray();
    }
  }

  /** An unconditional delete of a register that does not exist. */
  record NotFound() implements RegisterResult {
    @Override
    public Kind kind() {
      return Kind.NOT_FOUND;
    }

    @Override
    public byte[] encode() {
      return new byte[] {FORMAT, 4};
    }
  }

  /**
   * The expectation did not hold (HTTP 412); {@code currentVersion} is the register's version, or
   * empty when there is no register.
   */
  record PreconditionFailed(OptionalLong currentVersion) implements RegisterResult {
    public PreconditionFailed {
      Objects.requireNonNull(currentVersion, "currentVersion");
      currentVersion.ifPresent(RegisterResult::positive);
    }

    @Override
    public Kind kind() {
      return Kind.PRECONDITION_FAILED;
    }

    @Override
    public byte[] encode() {
      ByteWriter out = new ByteWriter(11).u8(FORMAT).u8(5);
      if (currentVersion.isPresent()) {
        out.u8(1).i64(currentVersion.getAsLong());
      } else {
        out.u8(0);
      }
      return out.toByteArray();
    }
  }

  /** A malformed or out-of-limits command (HTTP 400); nothing changed. */
  record Invalid(String reason) implements RegisterResult {
    public Invalid {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public Kind kind() {
      return Kind.INVALID;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(6 + reason.length()).u8(FORMAT).u8(6).string(reason).toByteArray();
    }
  }

  /**
   * Adding {@code delta} to the counter's {@code value} would not fit a signed 64-bit integer
   * (HTTP 409); nothing changed.
   */
  record Overflow(long value, long delta) implements RegisterResult {
    @Override
    public Kind kind() {
      return Kind.OVERFLOW;
    }

    @Override
    public byte[] encode() {
      return new ByteWriter(18).u8(FORMAT).u8(7).i64(value).i64(delta).toByteArray();
    }
  }

  private static void positive(long version) {
    if (version < 1) {
      throw new IllegalArgumentException("a version is a log index, at least 1: " + version);
    }
  }
}
