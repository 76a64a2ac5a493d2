package io.cairn.sim;

/**
 * The last few hundred things that happened in a run (deliveries, drops, crashes, view changes),
 * to print with the seed when an invariant breaks. Recording is cheap: a fixed ring of reusable
 * slots, and the text is made only when the trace is printed.
 */
public final class SimTrace {
  public static final int DEFAULT_CAPACITY = 200;

  private static final class Slot {
    long at;
    String what;
    Object a;
    Object b;
    Object detail;
  }

  private final Slot[] ring;
  private long recorded;
  private java.util.function.Function<Object, String> formatter = String::valueOf;

  /** A trace of {@code -Dcairn.sim.trace=N} entries, {@value #DEFAULT_CAPACITY} by default. */
  public SimTrace() {
    this(Integer.getInteger("cairn.sim.trace", DEFAULT_CAPACITY));
  }

  /** How details are printed (messages briefly, for example); applied only when printed. */
  public SimTrace formatter(java.util.function.Function<Object, String> formatter) {
    this.formatter = formatter;
    return this;
  }

  public SimTrace(int capacity) {
    ring = new Slot[capacity];
    for (int i = 0; i < capacity; i++) {
      ring[i] = new Slot();
    }
  }

  /**
   * Records that {@code what} happened at elapsed time {@code at}, between {@code a} and
   * {@code b} (either may be null), with {@code detail} (formatted only when printed).
   */
  public void record(long at, String what, Object a, Object b, Object detail) {
    Slot s = ring[(int) (recorded++ % ring.length)];
    s.at = at;
    s.what = what;
    s.a = a;
    s.b = b;
    s.detail = detail;
  }

  public long recorded() {
    return recorded;
  }

  /** The retained entries, oldest first, one a line. */
  public String dump() {
    StringBuilder out = new StringBuilder();
    long first = Math.max(0, recorded - ring.length);
    for (long i = first; i < recorded; i++) {
      Slot s = ring[(int) (i % ring.length)];
      out.append(String.format("%14s %-10s", SimClock.format(s.at), s.what));
      if (s.a != null) {
        out.append(' ').append(s.a);
      }
      if (s.b != null) {
        out.append(" -> ").append(s.b);
      }
      if (s.detail != null) {
        out.append("  ").append(formatter.apply(s.detail));
      }
      out.append('\n');
    }
    return out.toString();
  }

  /**
   * An AssertionError that says what broke, the seed, the exact command that replays it, and the
   * trace.
   */
  public SimFailure failure(String what, long seed, String replayCommand, Throwable cause) {
    String message = what + "\n  seed: " + seed + "\n  replay: " + replayCommand
        + "\n  last " + Math.min(recorded, ring.length) + " of " + recorded + " events:\n" + dump()
        + "  (end of trace; seed " + seed + ": " + what.lines().findFirst().orElse("") + ")";
    return new SimFailure(message, seed, cause);
  }
}
