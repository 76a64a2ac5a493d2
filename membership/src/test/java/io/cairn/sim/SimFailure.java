package io.cairn.sim;

/** A broken invariant in a simulation, with the seed, the replay command and the trace. */
public final class SimFailure extends AssertionError {
  private final long seed;

  public SimFailure(String message, long seed, Throwable cause) {
    super(message, cause);
    this.seed = seed;
  }

  public long seed() {
    return seed;
  }
}
