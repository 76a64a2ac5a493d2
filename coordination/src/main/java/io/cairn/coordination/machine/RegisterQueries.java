package io.cairn.coordination.machine;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads of {@link Registers} as they travel to the leader and back: a query is {@code u8 kind (1
 * register, 2 counter), UTF-8 name}; its answer {@code u8 present, [i64 version, UTF-8 value]} for
 * a register and {@code i64 value, i64 version} for a counter.
 */
public final class RegisterQueries {
  private static final byte REGISTER = 1;
  private static final byte COUNTER = 2;

  private RegisterQueries() {}

  public static byte[] register(String name) {
    return query(REGISTER, name);
  }

  public static byte[] counter(String name) {
    return query(COUNTER, name);
  }

  private static byte[] query(byte kind, String name) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + n.length).put(kind).put(n).array();
  }

  /** Answers {@code query} from {@code machine}; IllegalArgumentException for a malformed query. */
  public static byte[] answer(Registers machine, byte[] query) {
    if (query.length < 1) {
      throw new IllegalArgumentException("an empty register query");
    }
    String name = new String(query, 1, query.length - 1, StandardCharsets.UTF_8);
    switch (query[0]) {
      case REGISTER -> {
        Optional<Register> r = machine.get(name);
        if (r.isEmpty()) {
          return new byte[] {0};
        }
        byte[] value = r.get().value().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + 8 + value.length).put((byte) 1).putLong(r.get().version()).put(value).array();
      }
      case COUNTER -> {
        Counter c = machine.counter(name);
        return ByteBuffer.allocate(16).putLong(c.value()).putLong(c.version()).array();
      }
      default -> throw new IllegalArgumentException("unknown register query kind " + query[0]);
    }
  }

  public static Optional<Register> registerAnswer(String name, byte[] answer) {
    ByteBuffer b = ByteBuffer.wrap(answer);
    if (b.get() == 0) {
      return Optional.empty();
    }
    long version = b.getLong();
    return Optional.of(new Register(name, StandardCharsets.UTF_8.decode(b).toString(), version));
  }

  public static Counter counterAnswer(String name, byte[] answer) {
    ByteBuffer b = ByteBuffer.wrap(answer);
    return new Counter(name, b.getLong(), b.getLong());
  }
}
