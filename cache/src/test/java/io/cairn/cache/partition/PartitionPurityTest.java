package io.cairn.cache.partition;

import io.cairn.membership.testing.PureCores;
import org.junit.jupiter.api.Test;

/** The partitioner, the table and the planner are pure: see {@link PureCores}. */
class PartitionPurityTest {
  @Test
  void partitionPackageIsPure() {
    PureCores.check("io.cairn.cache.partition", "io.cairn.cache.partition..");
  }
}
