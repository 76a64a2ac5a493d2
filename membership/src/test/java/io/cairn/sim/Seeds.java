package io.cairn.sim;

import java.util.Arrays;
import java.util.stream.LongStream;

/**
 * The seeds a simulation test runs, for {@code @MethodSource("io.cairn.sim.Seeds#seeds")}.
 *
 * <ul>
 *   <li>{@code -Dcairn.seed=N} (or {@code N,M,...}) runs just those seeds: the replay of a failure.
 *   <li>{@code -Dcairn.sim.seeds=K} runs K seeds instead of the test's CI-sized default.
 *   <li>{@code -Dcairn.sim.firstSeed=F} starts at F instead of 1, to explore new schedules.
 * </ul>
 */
public final class Seeds {
  public static final String SEED = "cairn.seed";
  public static final String COUNT = "cairn.sim.seeds";
  public static final String FIRST = "cairn.sim.firstSeed";
  /** The default count for a cheap simulation. */
  public static final int DEFAULT_COUNT = 50;

  private Seeds() {}

  public static LongStream seeds() {
    return seeds(DEFAULT_COUNT);
  }

  /** The seeds, with {@code defaultCount} of them when no property says otherwise. */
  public static LongStream seeds(int defaultCount) {
    String one = System.getProperty(SEED, "").trim();
    if (!one.isEmpty()) {
      return Arrays.stream(one.split(",")).map(String::trim).filter(s -> !s.isEmpty())
          .mapToLong(Long::parseLong);
    }
    int count = Integer.parseInt(System.getProperty(COUNT, Integer.toString(defaultCount)).trim());
    long first = Long.parseLong(System.getProperty(FIRST, "1").trim());
    return LongStream.range(first, first + count);
  }

  /** The command that replays {@code seed} of {@code testClass} in module {@code module}. */
  public static String replayCommand(String module, String testClass, long seed) {
    return "./mvnw -pl " + module + " -am test -Dtest=" + testClass + " -D" + SEED + "=" + seed
        + " -Dsurefire.failIfNoSpecifiedTests=false";
  }
}
