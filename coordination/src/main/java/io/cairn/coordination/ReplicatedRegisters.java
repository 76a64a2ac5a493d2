package io.cairn.coordination;

import static io.cairn.coordination.machine.CoordinationState.REGISTERS;
import static io.cairn.coordination.machine.CoordinationState.to;

import io.cairn.coordination.machine.Counter;
import io.cairn.coordination.machine.Register;
import io.cairn.coordination.machine.RegisterCommand;
import io.cairn.coordination.machine.RegisterCommand.Expect;
import io.cairn.coordination.machine.RegisterQueries;
import io.cairn.coordination.machine.RegisterResult;
import io.vertx.core.Future;
import java.util.Optional;

/**
 * The registers of the coordination group, from any node: writes are committed through its log,
 * reads are answered by its leader after a ReadIndex barrier.
 */
public final class ReplicatedRegisters implements RegisterService {
  private final Coordination coordination;

  public ReplicatedRegisters(Coordination coordination) {
    this.coordination = coordination;
  }

  @Override
  public Future<Optional<Register>> get(String name) {
    return coordination.query(to(REGISTERS, RegisterQueries.register(name)))
        .map(answer -> RegisterQueries.registerAnswer(name, answer));
  }

  /**
   * The register as this voter has applied it, possibly stale ({@link
   * Coordination#serializableQuery}); the linearizability test uses it to show that its checker
   * catches stale reads.
   */
  public Future<Optional<Register>> getSerializable(String name) {
    return coordination.serializableQuery(to(REGISTERS, RegisterQueries.register(name)))
        .map(answer -> RegisterQueries.registerAnswer(name, answer));
  }

  @Override
  public Future<Counter> counter(String name) {
    return coordination.query(to(REGISTERS, RegisterQueries.counter(name)))
        .map(answer -> RegisterQueries.counterAnswer(name, answer));
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
    return coordination.command(to(REGISTERS, c.encode())).map(RegisterResult::decode);
  }
}
