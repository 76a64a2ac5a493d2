package io.cairn.coordination;

import io.cairn.coordination.machine.Counter;
import io.cairn.coordination.machine.Register;
import io.cairn.coordination.machine.RegisterCommand.Expect;
import io.cairn.coordination.machine.RegisterResult;
import io.vertx.core.Future;
import java.util.Optional;

/**
 * Linearizable registers and counters (the semantics are {@link
 * io.cairn.coordination.machine.Registers}'s). Failures that are not the register's own answer
 * come as {@link CoordinationException}.
 */
public interface RegisterService {
  Future<Optional<Register>> get(String name);

  /** A counter never added to is 0 with version 0. */
  Future<Counter> counter(String name);

  /** {@code Written}, {@code PreconditionFailed} or {@code Invalid}. */
  Future<RegisterResult> put(String name, String value, Expect expect);

  /** {@code Deleted}, {@code NotFound}, {@code PreconditionFailed} or {@code Invalid}. */
  Future<RegisterResult> delete(String name, Expect expect);

  /** {@code CounterValue}, {@code Overflow} or {@code Invalid}. */
  Future<RegisterResult> add(String name, long delta);
}
