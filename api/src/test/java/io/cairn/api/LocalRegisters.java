package io.cairn.api;

import io.cairn.coordination.CoordinationException;
import io.cairn.coordination.RaftStatus;
import io.cairn.coordination.RegisterService;
import io.cairn.coordination.machine.Counter;
import io.cairn.coordination.machine.Register;
import io.cairn.coordination.machine.RegisterCommand;
import io.cairn.coordination.machine.RegisterCommand.Expect;
import io.cairn.coordination.machine.RegisterResult;
import io.cairn.coordination.machine.Registers;
import io.cairn.membership.NodeId;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The register state machine applied in process, in place of a coordination group, for the HTTP
 * layer's tests: the commands and results are the real ones, only the log is missing. {@link
 * #failWith} makes every call fail as a group without a leader (or with a lost answer) would.
 */
public final class LocalRegisters implements RegisterService {
  private final Registers machine = new Registers();
  private long index;
  private volatile CoordinationException failure;

  public void failWith(CoordinationException.Kind kind) {
    failure = kind == null ? null : new CoordinationException(kind, "no leader (a test)", Duration.ofSeconds(1));
  }

  /** The status a lone voter that leads reports. */
  public synchronized Future<RaftStatus> status() {
    NodeId self = NodeId.of("self");
    return Future.succeededFuture(new RaftStatus(self, "LEADER", 2, Optional.of(self), index, index, index, 0,
        List.of(self), List.of()));
  }

  @Override
  public synchronized Future<Optional<Register>> get(String name) {
    return failure != null ? Future.failedFuture(failure) : Future.succeededFuture(machine.get(name));
  }

  @Override
  public synchronized Future<Counter> counter(String name) {
    return failure != null ? Future.failedFuture(failure) : Future.succeededFuture(machine.counter(name));
  }

  @Override
  public Future<RegisterResult> put(String name, String value, Expect expect) {
    return apply(new RegisterCommand.Put(name, value, expect));
  }

  @Override
  public Future<RegisterResult> delete(String name, Expect expect) {
    return apply(new RegisterCommand.Delete(name, expect));
  }

  @Override
  public Future<RegisterResult> add(String name, long delta) {
    return apply(new RegisterCommand.Add(name, delta));
  }

  private synchronized Future<RegisterResult> apply(RegisterCommand c) {
    if (failure != null) {
      return Future.failedFuture(failure);
    }
    return Future.succeededFuture(RegisterResult.decode(machine.apply(++index, c.encode())));
  }
}
