package io.cairn.membership;

import io.cairn.membership.testing.PureCores;
import org.junit.jupiter.api.Test;

/** The SWIM core, the phi detector and the broadcast queue are pure: see {@link PureCores}. */
class PureCoreArchitectureTest {
  @Test
  void theMembershipCoresArePure() {
    PureCores.check(
        "io.cairn.membership",
        "io.cairn.membership.swim..", "io.cairn.membership.phi..", "io.cairn.membership.gossip..");
  }
}
