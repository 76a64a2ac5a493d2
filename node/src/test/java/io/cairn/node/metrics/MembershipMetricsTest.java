package io.cairn.node.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.membership.MemberEvent.Kind;
import io.cairn.membership.MemberStatus;
import io.cairn.membership.testing.FakeMembership;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class MembershipMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final FakeMembership membership = new FakeMembership("a");

  private double members(String status) {
    return registry.get("cairn.membership.members").tag("status", status).gauge().value();
  }

  private double count(String name) {
    return registry.get(name).counter().count();
  }

  @Test
  void countsMembersByStatusAndEveryKindOfChange() {
    MembershipMetrics metrics = new MembershipMetrics(membership, registry);
    assertThat(members("alive")).isEqualTo(1);
    membership.event(Kind.JOINED, "b", MemberStatus.ALIVE);
    membership.event(Kind.JOINED, "c", MemberStatus.ALIVE);
    membership.event(Kind.SUSPECTED, "b", MemberStatus.SUSPECT);
    membership.event(Kind.REFUTED, "b", MemberStatus.ALIVE);
    membership.event(Kind.SUSPECTED, "c", MemberStatus.SUSPECT);
    membership.event(Kind.DIED, "c", MemberStatus.DEAD);
    membership.event(Kind.JOINED, "d", MemberStatus.ALIVE);
    membership.event(Kind.LEFT, "d", MemberStatus.LEFT);
    membership.event(Kind.UPDATED, "b", MemberStatus.ALIVE);

    assertThat(members("alive")).isEqualTo(2);
    assertThat(members("suspect")).isEqualTo(0);
    assertThat(members("dead")).isEqualTo(1);
    assertThat(members("left")).isEqualTo(1);
    assertThat(count("cairn.membership.joins")).isEqualTo(3);
    assertThat(count("cairn.membership.suspicions")).isEqualTo(2);
    assertThat(count("cairn.membership.refutations")).isEqualTo(1);
    assertThat(count("cairn.membership.deaths")).isEqualTo(1);
    assertThat(count("cairn.membership.leaves")).isEqualTo(1);

    metrics.close();
    assertThat(membership.subscribers()).isZero();
    membership.event(Kind.JOINED, "e", MemberStatus.ALIVE);
    assertThat(count("cairn.membership.joins")).isEqualTo(3);
  }

  @Test
  void aPhiGaugePerMonitoredPeerOnlyWhileItIsMonitored() {
    membership.phi("b", 0.5);
    membership.event(Kind.JOINED, "b", MemberStatus.ALIVE);
    try (MembershipMetrics metrics = new MembershipMetrics(membership, registry)) {
      assertThat(registry.get("cairn.membership.phi").tag("peer", "b").gauge().value()).isEqualTo(0.5);
      membership.phi("b", 3.0);
      assertThat(registry.get("cairn.membership.phi").tag("peer", "b").gauge().value()).isEqualTo(3.0);

      // c joins and is monitored; b is no longer monitored: its gauge goes with the next change
      membership.phi("c", 1.0);
      membership.phi("b", null);
      membership.event(Kind.JOINED, "c", MemberStatus.ALIVE);
      assertThat(registry.find("cairn.membership.phi").tag("peer", "b").gauge()).isNull();
      assertThat(registry.get("cairn.membership.phi").tag("peer", "c").gauge().value()).isEqualTo(1.0);
      // the node itself never has a phi gauge
      membership.phi("a", 1.0);
      metrics.refresh();
      assertThat(registry.find("cairn.membership.phi").tag("peer", "a").gauge()).isNull();
    }
  }
}
