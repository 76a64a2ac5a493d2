package io.cairn.cache.replication;

import io.cairn.sim.Seeds;
import java.time.Duration;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The replication protocol under faults ({@link ReplicationSim}): 3 and 5 nodes, 0 to 2 backups,
 * 60 virtual seconds per seed.
 *
 * <p>Seeds: {@code -Dcairn.sim.seeds=K} runs K per test, {@code -Dcairn.seed=N} replays one.
 */
class ReplicationSimTest {
  static final int CI_SEEDS = 40;

  static LongStream seeds() {
    return Seeds.seeds(CI_SEEDS);
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void threeNodes(long seed) {
    run(seed, 3, (int) (seed % 3));
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void fiveNodes(long seed) {
    run(seed, 5, 1 + (int) (seed % 2));
  }

  private static void run(long seed, int nodes, int backups) {
    ReplicationSim sim = new ReplicationSim(seed, nodes, backups);
    try {
      sim.run(Duration.ofSeconds(60));
    } catch (RuntimeException | AssertionError e) {
      throw sim.trace.failure(nodes + " nodes, " + backups + " backups: " + e.getMessage(), seed,
          Seeds.replayCommand("cache", ReplicationSimTest.class.getSimpleName(), seed), e);
    }
    if (seed % 10 == 1) {
      System.out.println("ReplicationSimTest seed " + seed + ", " + nodes + " nodes, " + backups + " backups: "
          + sim.summary());
    }
  }
}
