package io.cairn.membership.swim;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.membership.Address;
import io.cairn.membership.Member;
import io.cairn.membership.MemberEvent;
import io.cairn.membership.MemberMetadata;
import io.cairn.membership.MemberStatus;
import io.cairn.membership.NodeId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Scripted scenarios on a few cores joined by a perfect in-test network (1 ms per hop). The
 * seeded simulation under loss, delay and partitions is SwimSimTest; these pin single behaviours.
 */
class SwimCoreTest {
  private static final long MS = 1_000_000L;

  /** A tiny network: deliveries ordered by time, then by sequence. */
  static final class Net {
    record Delivery(long at, long seq, Address to, SwimMessage message) {}

    final Map<Address, SwimCore> cores = new HashMap<>();
    final Set<Address> down = new HashSet<>();
    final List<MemberEvent> events = new ArrayList<>();
    final Map<Address, List<MemberEvent>> eventsAt = new HashMap<>();
    final PriorityQueue<Delivery> queue =
        new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    final SplittableRandom random = new SplittableRandom(7);
    long now;
    long seq;

    SwimCore add(String id, boolean seeded, long start) {
      Address address = new Address(id, 7071);
      SwimCore core =
          new SwimCore(SwimSettings.LAN, NodeId.of(id), MemberMetadata.of(address), seeded, random.split(), start);
      cores.put(address, core);
      return core;
    }

    void drain(Address at, SwimCore core) {
      SwimEffects fx = core.drainEffects();
      for (Outbound o : fx.send()) {
        queue.add(new Delivery(now + MS, seq++, o.to(), o.message()));
      }
      events.addAll(fx.events());
      eventsAt.computeIfAbsent(at, k -> new ArrayList<>()).addAll(fx.events());
    }

    void run(Duration d) {
      long end = now + d.toNanos();
      while (now < end) {
        long nextTick = now + 50 * MS;
        while (!queue.isEmpty() && queue.peek().at <= nextTick) {
          Delivery del = queue.poll();
          now = del.at;
          SwimCore core = cores.get(del.to);
          if (core != null && !down.contains(del.to)) {
            core.receive(now, del.message);
            drain(del.to, core);
          }
        }
        now = nextTick;
        for (Map.Entry<Address, SwimCore> e : cores.entrySet()) {
          if (!down.contains(e.getKey())) {
            e.getValue().tick(now);
            drain(e.getKey(), e.getValue());
          }
        }
      }
    }

    MemberStatus statusAt(String observer, String member) {
      return cores.get(new Address(observer, 7071))
          .member(NodeId.of(member))
          .map(Member::status)
          .orElse(null);
    }
  }

  private static Net group(int n) {
    Net net = new Net();
    SwimCore first = net.add("n0", false, 0);
    assertThat(first.joined()).isTrue();
    for (int i = 1; i < n; i++) {
      SwimCore c = net.add("n" + i, true, 0);
      c.seeds(0, List.of(new Address("n0", 7071)), false);
      assertThat(c.joined()).isFalse();
    }
    net.run(Duration.ofSeconds(5));
    return net;
  }

  @Test
  void seededNodesJoinAndEveryoneSeesEveryoneAlive() {
    Net net = group(5);
    for (SwimCore c : net.cores.values()) {
      assertThat(c.joined()).isTrue();
      assertThat(c.members()).hasSize(5).allMatch(m -> m.status() == MemberStatus.ALIVE);
      assertThat(c.monitored()).hasSize(3);
    }
  }

  @Test
  void aCrashedNodeIsDeclaredDeadEverywhereWithinSeconds() {
    Net net = group(5);
    long crashAt = net.now;
    net.down.add(new Address("n3", 7071));
    net.run(Duration.ofSeconds(6));
    for (String observer : List.of("n0", "n1", "n2", "n4")) {
      assertThat(net.statusAt(observer, "n3")).as("n3 at " + observer).isEqualTo(MemberStatus.DEAD);
      assertThat(net.statusAt(observer, "n1")).isEqualTo(MemberStatus.ALIVE);
    }
    assertThat(net.events)
        .filteredOn(e -> e.kind() == MemberEvent.Kind.DIED)
        .allMatch(e -> e.member().id().value().equals("n3"));
    assertThat(crashAt).isPositive();
  }

  @Test
  void aLeaveIsLeftEverywhereAndNeverADeath() {
    Net net = group(5);
    Address n2 = new Address("n2", 7071);
    net.cores.get(n2).leave(net.now);
    net.drain(n2, net.cores.get(n2));
    net.run(Duration.ofMillis(100));
    net.down.add(n2);
    net.run(Duration.ofSeconds(10));
    for (String observer : List.of("n0", "n1", "n3", "n4")) {
      assertThat(net.statusAt(observer, "n2")).isEqualTo(MemberStatus.LEFT);
    }
    assertThat(net.events).noneMatch(e -> e.kind() == MemberEvent.Kind.DIED);
  }

  @Test
  void aSuspectThatIsAliveRefutesWithAHigherIncarnation() {
    Net net = group(3);
    SwimCore n1 = net.cores.get(new Address("n1", 7071));
    long before = n1.local().incarnation();
    n1.receive(net.now, new SwimMessage.Gossip(NodeId.of("n0"),
        List.of(new Update(NodeId.of("n1"), MemberStatus.SUSPECT, before, null, NodeId.of("n0")))));
    net.drain(new Address("n1", 7071), n1);
    net.run(Duration.ofSeconds(2));
    assertThat(n1.local().incarnation()).isGreaterThan(before);
    assertThat(net.statusAt("n0", "n1")).isEqualTo(MemberStatus.ALIVE);
    assertThat(net.statusAt("n2", "n1")).isEqualTo(MemberStatus.ALIVE);
  }

  @Test
  void aNodeDeclaredDeadThatComesBackRejoinsUnderANewIncarnation() {
    Net net = group(4);
    Address n2 = new Address("n2", 7071);
    net.down.add(n2);
    net.run(Duration.ofSeconds(8));
    assertThat(net.statusAt("n0", "n2")).isEqualTo(MemberStatus.DEAD);
    long deadAt = net.cores.get(new Address("n0", 7071)).member(NodeId.of("n2")).orElseThrow().incarnation();
    // the process restarts with fresh state
    SwimCore fresh = net.add("n2", true, net.now);
    fresh.seeds(net.now, List.of(new Address("n0", 7071)), false);
    net.down.remove(n2);
    net.run(Duration.ofSeconds(5));
    for (String observer : List.of("n0", "n1", "n3")) {
      Member m = net.cores.get(new Address(observer, 7071)).member(NodeId.of("n2")).orElseThrow();
      assertThat(m.status()).isEqualTo(MemberStatus.ALIVE);
      assertThat(m.incarnation()).isGreaterThan(deadAt);
    }
  }

  @Test
  void aNodeWithUnreachableSeedsIsNotJoinedAndKeepsTrying() {
    Net net = new Net();
    SwimCore lonely = net.add("n9", true, 0);
    lonely.seeds(0, List.of(new Address("nowhere", 7071)), false);
    net.run(Duration.ofSeconds(20));
    assertThat(lonely.joined()).isFalse();
    SwimCore alone = net.add("n8", true, net.now);
    alone.seeds(net.now, List.of(), true);
    assertThat(alone.joined()).isTrue();
  }
}
