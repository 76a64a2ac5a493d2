package io.cairn.coordination;

import io.cairn.coordination.machine.Counter;
import io.cairn.coordination.machine.Register;
import io.cairn.coordination.machine.RegisterCommand;
import io.cairn.coordination.machine.RegisterCommand.Expect;
import io.cairn.coordination.machine.RegisterResult;
import io.cairn.coordination.machine.Registers;
import io.vertx.core.Future;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The registers of the coordination group, from any node: writes are committed through its log,
 * reads are answered by its leader after a ReadIndex barrier.
 *
 * <p>A query travels as {@code u8 kind (1 register, 2 counter), UTF-8 name}; its answer as
 * {@code u8 present, [i64 version, UTF-8 value]} for a register and {@code i64 value, i64 version}
 * for a counter.
 */
public final class ReplicatedRegisters implements RegisterService {
  private static final byte REGISTER = 1;
  private static final byte COUNTER = 2;

  private final Coordination coordination;

  public ReplicatedRegisters(Coordination coordination) {
    this.coordination = coordination;
  }

  @Override
  public Future<Optional<Register>> get(String name) {
    return coordination.query(query(REGISTER, name)).map(answer -> register(name, answer));
  }

  /**
   * The register as this voter has applied it, possibly stale ({@link
   * Coordination#serializableQuery}); the linearizability test uses it to show that its checker
   * catches stale reads.
   */
  public Future<Optional<Register>> getSerializable(String name) {
    return coordination.serializableQuery(query(REGISTER, name)).map(answer -> register(name, answer));
  }

  private static Optional<Register> register(String name, byte[] answer) {
    ByteBuffer b = ByteBuffer.wrap(answer);
    if (b.get() == 0) {
      return Optional.empty();
    }
    long version = b.getLong();
    return Optional.of(new Register(name, StandardCharsets.UTF_8.decode(b).toString(), version));
  }

  @Override
  public Future<Counter> counter(String name) {
    return coordination.query(query(COUNTER, name)).map(answer -> {
      ByteBuffer b = ByteBuffer.wrap(answer);
      return new Counter(name, b.getLong(), b.getLong());
    });
  }

  @Override
  public Future<RegisterResult> put(String name, String value, Expect expect) {
    return command(new RegisterCommand.Put(name, value, expect));
  }

  @Override
  public Future<RegisterResult> delete(String name, Expect expect) {
    return command(new RegisterCommand.Delete(name, expect));
  }

  @Override
  public Future<RegisterResult> add(String name, long delta) {
    return command(new RegisterCommand.Add(name, delta));
  }

  private Future<RegisterResult> command(RegisterCommand c) {
    return coordination.command(c.encode()).map(RegisterResult::decode);
  }

  private static byte[] query(byte kind, String name) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + n.length).put(kind).put(n).array();
  }

  /** Answers a query against the leader's applied state (the {@code queries} of {@link Coordination}). */
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
}
