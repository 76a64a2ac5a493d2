package io.cairn.cache.replication;

import io.cairn.membership.testing.PureCores;
import org.junit.jupiter.api.Test;

/** The replica core is pure: see {@link PureCores}. */
class ReplicationPurityTest {
  @Test
  void replicationPackageIsPure() {
    PureCores.check("io.cairn.cache.replication", "io.cairn.cache.replication..");
  }
}
