package io.cairn.cache.cluster;

import io.cairn.membership.testing.PureCores;
import org.junit.jupiter.api.Test;

/** The cluster map and the rebalancer are pure: see {@link PureCores}. */
class ClusterPurityTest {
  @Test
  void clusterPackageIsPure() {
    PureCores.check("io.cairn.cache.cluster", "io.cairn.cache.cluster..");
  }
}
