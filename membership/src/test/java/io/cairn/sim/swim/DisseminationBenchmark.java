package io.cairn.sim.swim;

import io.cairn.membership.MemberEvent;
import io.cairn.membership.MemberMetadata;
import io.cairn.membership.swim.SwimMessage;
import io.cairn.membership.swim.SwimSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * How many gossip periods does one update take to reach every node, and what does the group send
 * meanwhile? One node of a converged group calls {@code announce(...)} with new metadata; the run
 * ends when every other node's view holds the new incarnation. Periods are the elapsed virtual
 * time divided by the gossip interval (200 ms with LAN settings); messages are everything every
 * node hands to the network in that time (probes, acks, gossip), per node per period. It is set
 * beside 4·log2(n), the usual bound for epidemic dissemination.
 *
 * <p>Settings: LAN, except push-pull every hour so that anti-entropy cannot carry the update.
 * The group is built by {@link SwimSim#bootstrap(boolean) bootstrap} (every node starts with the
 * full member list), runs 10 virtual seconds to settle its detectors, then one random node
 * announces. No loss, and 10% loss with 1–50 ms delays; several seeds per size.
 *
 * <p>Run (a benchmark, never part of the build; surefire excludes the tag):
 * <pre>
 * ./mvnw -B -pl membership -am test -Dtest=DisseminationBenchmark -DexcludedGroups= \
 *     -Dsurefire.failIfNoSpecifiedTests=false -DargLine=-Xmx6g \
 *     [-Dcairn.bench.sizes=10,100,1000] [-Dcairn.bench.seeds=10]
 * </pre>
 * The table goes to {@code membership/target/surefire-reports/io.cairn.sim.swim.DisseminationBenchmark-output.txt}
 * and to standard output. Memory grows as n²: every core holds every member, about 135 bytes
 * each in SwimCore's tables (heap after warm-up: 1.2 GB at n = 3000, 13.3 GB at n = 10000). n up
 * to 1000 runs in {@code -Xmx6g} (10 seeds, about 2 min); n = 10000 needs
 * {@code -DargLine=-Xmx19g -Dcairn.bench.sizes=10000 -Dcairn.bench.seeds=1} and about 9 minutes
 * on 2 cores. Figures: BENCHMARKS.md.
 */
@Tag("benchmark")
class DisseminationBenchmark {
  private static final Duration WARM_UP = Duration.ofSeconds(10);
  private static final Duration LIMIT = Duration.ofSeconds(120);

  record Run(double periods, double messagesPerNodePerPeriod, double gossipPerNodePerPeriod) {}

  @Test
  void disseminationPeriods() {
    int[] sizes = Arrays.stream(System.getProperty("cairn.bench.sizes", "10,100,1000").split(","))
        .map(String::trim).mapToInt(Integer::parseInt).toArray();
    int seeds = Integer.getInteger("cairn.bench.seeds", 10);
    StringBuilder table = new StringBuilder();
    table.append(String.format(Locale.ROOT, "%6s %5s %5s %8s %8s %8s %9s %12s %14s%n",
        "n", "loss", "runs", "median", "p99", "max", "4·log2n", "msgs/node/p", "gossip/node/p"));
    for (int n : sizes) {
      for (double loss : new double[] {0.0, 0.10}) {
        List<Run> runs = new ArrayList<>();
        long started = System.nanoTime();
        for (int seed = 1; seed <= seeds; seed++) {
          runs.add(measure(n, seed, loss));
        }
        double[] periods = runs.stream().mapToDouble(Run::periods).sorted().toArray();
        String line = String.format(Locale.ROOT, "%6d %4.0f%% %5d %8.1f %8.1f %8.1f %9.1f %12.2f %14.2f",
            n, loss * 100, runs.size(), percentile(periods, 0.5), percentile(periods, 0.99),
            periods[periods.length - 1], 4 * Math.log(n) / Math.log(2),
            runs.stream().mapToDouble(Run::messagesPerNodePerPeriod).average().orElse(0),
            runs.stream().mapToDouble(Run::gossipPerNodePerPeriod).average().orElse(0));
        table.append(line).append('\n');
        System.out.println(line + String.format(Locale.ROOT, "   (%.1f s real)",
            (System.nanoTime() - started) / 1e9));
      }
    }
    System.out.println("\nDissemination of one announce, in gossip periods of "
        + SwimSettings.LAN.gossipInterval().toMillis() + " ms (LAN settings, push-pull off):\n" + table);
  }

  static Run measure(int n, long seed, double loss) {
    SwimSettings lan = SwimSettings.LAN;
    SwimSettings settings = new SwimSettings(lan.probeInterval(), lan.probeTimeout(),
        lan.monitoredPeers(), lan.indirectProbes(), lan.gossipInterval(), lan.gossipFanout(),
        lan.retransmitMultiplier(), lan.maxUpdatesPerMessage(), lan.suspicionMultiplier(),
        lan.suspicionMaxMultiplier(), lan.suspicionMinimum(), lan.awarenessMax(),
        Duration.ofHours(1), lan.reconnectInterval(), lan.deadRetention(), lan.joinBackoffMin(),
        lan.joinBackoffMax(), lan.phi());
    SwimSim sim = SwimSim.swim(n, seed).settings(settings).stagger(Duration.ZERO).bootstrap(true)
        .checkInvariants(n <= 100).replayTest("DisseminationBenchmark");
    sim.network().traceDeliveries(false).delay(Duration.ofMillis(1), Duration.ofMillis(50)).drop(loss);
    int announcer = sim.random().nextInt(n);
    BitSet reached = new BitSet(n);
    long[] done = {-1};
    long[] target = {Long.MAX_VALUE};
    sim.onEvent(o -> {
      MemberEvent e = o.event();
      if (o.observer() != announcer && e.member().id().equals(sim.id(announcer))
          && e.member().incarnation() >= target[0] && !reached.get(o.observer())) {
        reached.set(o.observer());
        if (reached.cardinality() == n - 1 && done[0] < 0) {
          done[0] = sim.scheduler().now();
        }
      }
    });
    sim.start();
    sim.runFor(WARM_UP);
    if (seed == 1 && loss == 0) {
      Runtime rt = Runtime.getRuntime();
      System.gc();
      System.out.printf(Locale.ROOT, "n=%d: heap in use after warm-up %.0f MB (max %.0f MB)%n", n,
          (rt.totalMemory() - rt.freeMemory()) / 1e6, rt.maxMemory() / 1e6);
    }
    long t0 = sim.scheduler().now();
    long sent0 = sim.sentTotal();
    long gossip0 = sim.sent(SwimMessage.Kind.GOSSIP);
    MemberMetadata old = sim.core(announcer).local().metadata();
    target[0] = sim.core(announcer).local().incarnation() + 1;
    sim.announce(announcer, new MemberMetadata(old.clusterAddress(), old.apiAddress(), old.zone(),
        old.roles(), "announced"));
    if (!sim.runUntil(() -> done[0] >= 0, Duration.ofMillis(50), LIMIT)) {
      throw sim.fail("the announce reached " + reached.cardinality() + " of " + (n - 1)
          + " nodes in " + LIMIT.toSeconds() + " s");
    }
    double periods = (double) (done[0] - t0) / settings.gossipInterval().toNanos();
    double elapsedPeriods = (double) (sim.scheduler().now() - t0) / settings.gossipInterval().toNanos();
    return new Run(periods, (sim.sentTotal() - sent0) / (double) n / elapsedPeriods,
        (sim.sent(SwimMessage.Kind.GOSSIP) - gossip0) / (double) n / elapsedPeriods);
  }

  private static double percentile(double[] sorted, double p) {
    int i = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  /** The same table without Maven: {@code java -cp ... DisseminationBenchmark}. */
  public static void main(String[] args) {
    new DisseminationBenchmark().disseminationPeriods();
  }
}
