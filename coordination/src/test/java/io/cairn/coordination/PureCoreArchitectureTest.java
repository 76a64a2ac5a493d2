package io.cairn.coordination;

import io.cairn.membership.testing.PureCores;
import org.junit.jupiter.api.Test;

/**
 * The Raft core is pure: see {@link PureCores}. Its log store ({@code raft.log}) is not: it does
 * blocking file I/O on the {@code cairn-wal} worker, so the rule names {@code raft} alone.
 */
class PureCoreArchitectureTest {
  @Test
  void theRaftCoreIsPure() {
    PureCores.check("io.cairn.coordination", "io.cairn.coordination.raft");
  }
}
