package io.cairn.membership.transport;

import io.cairn.membership.NodeId;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Network faults injected into the real transport, on the sending side, for tests: lost,
 * delayed (hence reordered), duplicated and blocked messages between named nodes. They apply to
 * one-way messages, requests and responses alike, so a request whose way there or back is blocked
 * times out. The connection handshake is never faulted.
 *
 * <p>A test creates one instance (with a seed, so a run can be replayed as far as the thread
 * schedule allows) and passes it to every node's transport; it may change the rules while the
 * nodes run. Thread-safe. {@link #NONE}, what production uses, has no rules and refuses changes.
 *
 * <p>{@link #fromSpec} and {@link #fromSystemProperty} exist for benchmarks only: a node process
 * started with {@code -Dcairn.transport.faults=drop=0.05,delay=0ms..20ms} runs over a lossy
 * network. Nothing in the HTTP API reaches them.
 */
public final class Faults {
  /** The JVM system property read by {@link #fromSystemProperty()}: a benchmarking hook. */
  public static final String SYSTEM_PROPERTY = "cairn.transport.faults";

  /** No faults, ever. */
  public static final Faults NONE = new Faults(0, true);

  /** What happens to one message. */
  record Decision(boolean drop, long delayNanos, boolean duplicate) {
    static final Decision PASS = new Decision(false, 0, false);
    static final Decision DROP = new Decision(true, 0, false);
  }

  /** A directed link; a null end means every node. */
  private record Link(NodeId from, NodeId to) {}

  private record Delay(long minNanos, long maxNanos) {}

  private static final Link ALL = new Link(null, null);

  private final boolean frozen;
  private final SplittableRandom random;
  private final Set<Link> blocked = new HashSet<>();
  private final Map<Link, Double> drop = new HashMap<>();
  private final Map<Link, Delay> delay = new HashMap<>();
  private final Map<Link, Double> duplicate = new HashMap<>();
  private volatile boolean active;

  /** Faults whose random choices follow {@code seed}; no rules yet. */
  public Faults(long seed) {
    this(seed, false);
  }

  private Faults(long seed, boolean frozen) {
    this.random = new SplittableRandom(seed);
    this.frozen = frozen;
  }

  /** Drops each message from {@code from} to {@code to} with probability {@code p}. */
  public synchronized Faults drop(NodeId from, NodeId to, double p) {
    return put(drop, link(from, to), probability(p, "drop"));
  }

  /** Drops each message on every link with probability {@code p} (on top of per-link drops). */
  public synchronized Faults dropAll(double p) {
    return put(drop, ALL, probability(p, "drop"));
  }

  /** Delays each message from {@code from} to {@code to} by a uniform random time in [min, max]. */
  public synchronized Faults delay(NodeId from, NodeId to, Duration min, Duration max) {
    return put(delay, link(from, to), delayRange(min, max));
  }

  /** Delays each message on every link without a delay of its own. */
  public synchronized Faults delayAll(Duration min, Duration max) {
    return put(delay, ALL, delayRange(min, max));
  }

  /** Sends each message from {@code from} to {@code to} twice with probability {@code p}. */
  public synchronized Faults duplicate(NodeId from, NodeId to, double p) {
    return put(duplicate, link(from, to), probability(p, "duplicate"));
  }

  /** Sends each message on every link twice with probability {@code p}. */
  public synchronized Faults duplicateAll(double p) {
    return put(duplicate, ALL, probability(p, "duplicate"));
  }

  /** Drops every message between a node of {@code a} and a node of {@code b}, both ways. */
  public synchronized Faults partition(Set<NodeId> a, Set<NodeId> b) {
    checkMutable();
    for (NodeId x : a) {
      for (NodeId y : b) {
        blocked.add(link(x, y));
        blocked.add(link(y, x));
      }
    }
    return update();
  }

  /** Drops every message from {@code from} to {@code to}; the other way still works. */
  public synchronized Faults block(NodeId from, NodeId to) {
    checkMutable();
    blocked.add(link(from, to));
    return update();
  }

  /** Removes every rule: partitions, blocks, drops, delays and duplicates. */
  public synchronized Faults heal() {
    checkMutable();
    blocked.clear();
    drop.clear();
    delay.clear();
    duplicate.clear();
    return update();
  }

  /** Decides the fate of one message from {@code from} to {@code to}. */
  Decision decide(NodeId from, NodeId to) {
    if (!active) {
      return Decision.PASS;
    }
    synchronized (this) {
      Link link = new Link(from, to);
      if (blocked.contains(link)) {
        return Decision.DROP;
      }
      double keep = (1 - drop.getOrDefault(link, 0.0)) * (1 - drop.getOrDefault(ALL, 0.0));
      if (keep < 1 && random.nextDouble() >= keep) {
        return Decision.DROP;
      }
      Delay d = delay.getOrDefault(link, delay.get(ALL));
      long delayNanos =
          d == null ? 0 : d.minNanos + (d.maxNanos > d.minNanos
              ? random.nextLong(d.maxNanos - d.minNanos + 1) : 0);
      double dup = Math.max(duplicate.getOrDefault(link, 0.0), duplicate.getOrDefault(ALL, 0.0));
      boolean twice = dup > 0 && random.nextDouble() < dup;
      return delayNanos == 0 && !twice ? Decision.PASS : new Decision(false, delayNanos, twice);
    }
  }

  /** The faults named by the system property {@value #SYSTEM_PROPERTY}, or {@link #NONE}. */
  public static Faults fromSystemProperty() {
    String spec = System.getProperty(SYSTEM_PROPERTY);
    return spec == null || spec.isBlank() ? NONE : fromSpec(spec);
  }

  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(us|ms|s)");

  /**
   * Parses faults applied to every link, for example {@code
   * drop=0.05,delay=0ms..20ms,duplicate=0.01,seed=7}. Keys: {@code drop} and {@code duplicate}
   * (probabilities 0 to 1), {@code delay} ({@code MIN..MAX} or one duration, in us, ms or s),
   * {@code seed} (a long; default 1). Each key at most once.
   *
   * @throws IllegalArgumentException naming the property and what is wrong
   */
  public static Faults fromSpec(String spec) {
    Objects.requireNonNull(spec, "spec");
    Map<String, String> entries = new HashMap<>();
    if (!spec.isBlank()) {
      for (String part : spec.split(",", -1)) {
        int eq = part.indexOf('=');
        if (eq < 0) {
          throw badSpec(spec, "'" + part.trim() + "' is not key=value");
        }
        String key = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
        String value = part.substring(eq + 1).trim();
        if (!Set.of("drop", "delay", "duplicate", "seed").contains(key)) {
          throw badSpec(spec, "unknown key '" + key + "'");
        }
        if (entries.put(key, value) != null) {
          throw badSpec(spec, "'" + key + "' given twice");
        }
      }
    }
    long seed = 1;
    if (entries.containsKey("seed")) {
      try {
        seed = Long.parseLong(entries.get("seed"));
      } catch (NumberFormatException e) {
        throw badSpec(spec, "seed must be a whole number, not '" + entries.get("seed") + "'");
      }
    }
    Faults f = new Faults(seed);
    try {
      if (entries.containsKey("drop")) {
        f.dropAll(parseProbability(entries.get("drop"), "drop"));
      }
      if (entries.containsKey("duplicate")) {
        f.duplicateAll(parseProbability(entries.get("duplicate"), "duplicate"));
      }
      if (entries.containsKey("delay")) {
        String v = entries.get("delay");
        int dots = v.indexOf("..");
        Duration min = parseDuration(dots < 0 ? v : v.substring(0, dots));
        Duration max = dots < 0 ? min : parseDuration(v.substring(dots + 2));
        f.delayAll(min, max);
      }
    } catch (IllegalArgumentException e) {
      throw badSpec(spec, e.getMessage());
    }
    return f;
  }

  private static double parseProbability(String v, String key) {
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a probability from 0 to 1, not '" + v + "'");
    }
  }

  private static Duration parseDuration(String v) {
    Matcher m = DURATION.matcher(v.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "delay must be like 5ms or 0ms..20ms (units us, ms, s), not '" + v.trim() + "'");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "us" -> Duration.ofNanos(n * 1000);
      case "ms" -> Duration.ofMillis(n);
      default -> Duration.ofSeconds(n);
    };
  }

  private static IllegalArgumentException badSpec(String spec, String what) {
    return new IllegalArgumentException(
        SYSTEM_PROPERTY + ": " + what + " in '" + spec
            + "'; expected for example drop=0.05,delay=0ms..20ms,duplicate=0.01,seed=7");
  }

  private <V> Faults put(Map<Link, V> rules, Link link, V value) {
    checkMutable();
    rules.put(link, value);
    return update();
  }

  private Faults update() {
    active = !blocked.isEmpty() || !drop.isEmpty() || !delay.isEmpty() || !duplicate.isEmpty();
    return this;
  }

  private void checkMutable() {
    if (frozen) {
      throw new UnsupportedOperationException(
          "Faults.NONE never changes; give the transports new Faults(seed) instead");
    }
  }

  private static Link link(NodeId from, NodeId to) {
    return new Link(Objects.requireNonNull(from, "from"), Objects.requireNonNull(to, "to"));
  }

  private static double probability(double p, String what) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException(what + " must be a probability from 0 to 1, not " + p);
    }
    return p;
  }

  private static Delay delayRange(Duration min, Duration max) {
    Objects.requireNonNull(min, "min");
    Objects.requireNonNull(max, "max");
    if (min.isNegative() || max.compareTo(min) < 0) {
      throw new IllegalArgumentException(
          "delay must be 0 <= min <= max, not " + min.toMillis() + "ms.." + max.toMillis() + "ms");
    }
    return new Delay(min.toNanos(), max.toNanos());
  }

  @Override
  public synchronized String toString() {
    if (this == NONE) {
      return "Faults.NONE";
    }
    return "Faults[blocked=" + blocked.size() + " links, drop=" + drop + ", delay=" + delay
        + ", duplicate=" + duplicate + "]";
  }
}
