package io.cairn.coordination;

import io.cairn.membership.NodeId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The faults the linearizability ITs inject into a {@link CoordinationCluster}, one at a time: each
 * lasts a random while and then heals. Every random choice is drawn from the random given, in a
 * fixed order, so a seed replays the schedule.
 */
final class Nemesis {
  private final CoordinationCluster cluster;
  private final SplittableRandom random;
  /** What was done, in order. */
  final List<String> log = new ArrayList<>();
  final AtomicInteger crashes = new AtomicInteger();

  Nemesis(CoordinationCluster cluster, SplittableRandom random) {
    this.cluster = cluster;
    this.random = random;
  }

  /** A calm spell between faults. */
  void pause() throws InterruptedException {
    Thread.sleep(300 + random.nextInt(700));
  }

  /** Cuts node {@code cut} off from the others for a while. */
  void partition(int cut) throws InterruptedException {
    Set<NodeId> rest = cluster.ids.stream().filter(id -> !id.equals(cluster.ids.get(cut)))
        .collect(Collectors.toSet());
    log.add("partition " + cluster.ids.get(cut));
    cluster.faults.partition(Set.of(cluster.ids.get(cut)), rest);
    Thread.sleep(500 + random.nextInt(2000));
    cluster.faults.heal();
  }

  /** Crashes the leader, if a node says it leads, and restarts it from its log a while later. */
  void crashLeader() throws InterruptedException {
    Optional<Integer> leader = cluster.leader();
    if (leader.isPresent()) {
      log.add("crash leader " + cluster.ids.get(leader.get()));
      crashes.incrementAndGet();
      cluster.crash(leader.get());
      Thread.sleep(300 + random.nextInt(1500));
      cluster.restart(leader.get());
    }
  }

  /** Drops a fifth of all messages and delays the rest up to 30 ms, for a while. */
  void dropAndDelay() throws InterruptedException {
    log.add("drop 20% and delay up to 30ms");
    cluster.faults.dropAll(0.2).delayAll(Duration.ZERO, Duration.ofMillis(30));
    Thread.sleep(500 + random.nextInt(2000));
    cluster.faults.heal();
  }

  void calm() {
    log.add("calm");
  }

  /** Heals every fault and restarts every node that is down. */
  void healAll() {
    cluster.faults.heal();
    for (int i = 0; i < cluster.size(); i++) {
      if (!cluster.running(i)) {
        cluster.restart(i);
      }
    }
  }
}
