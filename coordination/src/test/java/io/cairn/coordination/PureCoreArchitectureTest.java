package io.cairn.coordination;

import io.cairn.membership.testing.PureCores;
import org.junit.jupiter.api.Test;

/**
 * The Raft core and the state machines are pure: see {@link PureCores}. The Raft log store ({@code
 * raft.log}) is not: it does blocking file I/O on the {@code cairn-wal} worker, so the rule names
 * {@code raft} alone. Neither is the shell, which runs them on Vert.x.
 */
class PureCoreArchitectureTest {
  @Test
  void theRaftCoreAndTheStateMachinesArePure() {
    PureCores.check("io.cairn.coordination", "io.cairn.coordination.raft", "io.cairn.coordination.machine..");
  }
}
