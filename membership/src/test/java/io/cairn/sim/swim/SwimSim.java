package io.cairn.sim.swim;

import io.cairn.membership.Address;
import io.cairn.membership.Member;
import io.cairn.membership.MemberEvent;
import io.cairn.membership.MemberMetadata;
import io.cairn.membership.MemberStatus;
import io.cairn.membership.NodeId;
import io.cairn.membership.swim.Outbound;
import io.cairn.membership.swim.SwimCore;
import io.cairn.membership.swim.SwimEffects;
import io.cairn.membership.swim.SwimMessage;
import io.cairn.membership.swim.SwimSettings;
import io.cairn.sim.Seeds;
import io.cairn.sim.SimClock;
import io.cairn.sim.SimFailure;
import io.cairn.sim.SimNetwork;
import io.cairn.sim.SimScheduler;
import io.cairn.sim.SimTrace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * N {@link SwimCore}s in one thread on a {@link SimNetwork}, with the SWIM invariants checked as
 * the run goes. One seed replays the whole cluster: a single {@code SplittableRandom(seed)} is
 * split for the harness, the network and each node, in that order.
 *
 * <p>Node i is {@code n%04d} at {@code n%04d:7071}. Node 0 is unseeded (it forms the group); the
 * others are seeded with node 0 and two random earlier nodes, and get {@code seeds(...)} again
 * whenever their effects ask to resolve the seeds. Nodes start at random times over the first
 * {@link #stagger(Duration) stagger} and are ticked every 50 ms with a per-node phase. After every
 * input the harness drains the effects, sends the messages through the network and checks the
 * invariants on the events:
 *
 * <ul>
 *   <li>a node sees itself only as ALIVE (LEFT after it left), and its own incarnation never falls;
 *   <li>in every view the incarnation of a member never falls (until the member is REMOVED);
 *   <li>an event's kind matches its status and its {@code previous} is what the events before
 *       said; every second, each view ({@code members()}) is what its events said;
 *   <li>no DIED unless the fault log justifies it (see {@link FaultLog}); no DIED ever for a node
 *       that left; no LEFT for a node that did not leave.
 * </ul>
 *
 * A broken invariant, or an exception from a core, fails the run with the seed, the replay
 * command and the last 200 things that happened.
 */
public final class SwimSim {
  public static final long TICK_NANOS = Duration.ofMillis(50).toNanos();
  public static final int PORT = 7071;

  private final int size;
  private final long seed;
  private SwimSettings settings = SwimSettings.LAN;
  private String replayTest = "SwimSimTest";
  private long staggerNanos = Duration.ofSeconds(3).toNanos();
  private boolean checkInvariants = true;
  private boolean strictJoined = true;
  private boolean tolerateFalseDeaths;
  private final List<Death> falseDeaths = new ArrayList<>();
  private boolean bootstrap;
  private List<io.cairn.membership.swim.Update> fullState;
  private boolean started;

  private final SplittableRandom control;
  private final SimClock clock;
  private final SimScheduler scheduler;
  private final SimTrace trace = new SimTrace();
  private final SimNetwork<SwimMessage> net;
  private final Node[] nodes;
  private final Map<Address, Integer> byAddress = new HashMap<>();
  private final Map<NodeId, Integer> byId = new HashMap<>();
  private final FaultLog faults;
  private final List<Death> deaths = new ArrayList<>();
  private final List<Consumer<Observed>> listeners = new ArrayList<>();
  private final long[] sentByKind = new long[SwimMessage.Kind.values().length];

  // what the events said: view[observer][member] (null = not known) and the highest incarnation
  private MemberStatus[][] view;
  private long[][] incarnation;

  /** One DIED event: {@code observer} declared {@code member} dead at {@code incarnation}. */
  public record Death(long at, int observer, int member, long incarnation) {}

  /** An event as some node published it, for listeners. */
  public record Observed(long at, int observer, MemberEvent event) {}

  static final class Node {
    final int index;
    final NodeId id;
    final Address address;
    final MemberMetadata metadata;
    final SplittableRandom random;
    final long tickPhase;
    List<Address> seeds = List.of();
    SwimCore core;
    boolean started;
    boolean up;
    long leftAt = -1;
    int generation;
    long lastLocalIncarnation;

    Node(int index, SplittableRandom random, long tickPhase) {
      this.index = index;
      this.id = NodeId.of(name(index));
      this.address = new Address(name(index), PORT);
      this.metadata = MemberMetadata.of(address);
      this.random = random;
      this.tickPhase = tickPhase;
    }
  }

  /** A message in one short line: kind, the fields that matter, and the non-ALIVE updates. */
  static String brief(Object o) {
    if (!(o instanceof SwimMessage m)) {
      return String.valueOf(o);
    }
    StringBuilder b = new StringBuilder();
    switch (m.kind()) {
      case PING -> {
        SwimMessage.Ping p = (SwimMessage.Ping) m;
        b.append("Ping#").append(p.seq()).append(" target=").append(p.target());
      }
      case PING_REQ -> {
        SwimMessage.PingReq p = (SwimMessage.PingReq) m;
        b.append("PingReq#").append(p.seq()).append(" target=").append(p.target());
      }
      case ACK -> b.append("Ack#").append(((SwimMessage.Ack) m).seq());
      case NACK -> b.append("Nack#").append(((SwimMessage.Nack) m).seq());
      case GOSSIP -> b.append("Gossip");
      case PUSH_PULL -> {
        SwimMessage.PushPull p = (SwimMessage.PushPull) m;
        b.append("PushPull").append(p.join() ? " join" : "").append(p.reply() ? " reply" : "");
      }
    }
    List<io.cairn.membership.swim.Update> updates = m.updates();
    if (!updates.isEmpty()) {
      b.append(" [").append(updates.size()).append(" updates");
      int shown = 0;
      for (io.cairn.membership.swim.Update u : updates) {
        if ((u.status() != MemberStatus.ALIVE || updates.size() <= 4 || u.incarnation() > 0) && (m.kind() != SwimMessage.Kind.PUSH_PULL || shown++ < 12)) {
          b.append(' ').append(u.member()).append(':').append(u.status()).append('@').append(u.incarnation());
        }
      }
      b.append(']');
    }
    return b.toString();
  }

  public static String name(int index) {
    return String.format("n%04d", index);
  }

  /** A cluster of {@code n} nodes for {@code seed}; configure it, then {@link #start()}. */
  public static SwimSim swim(int n, long seed) {
    return new SwimSim(n, seed);
  }

  private SwimSim(int n, long seed) {
    if (n < 1) {
      throw new IllegalArgumentException("a cluster has a node: " + n);
    }
    this.size = n;
    this.seed = seed;
    SplittableRandom root = new SplittableRandom(seed);
    this.control = root.split();
    SplittableRandom netRandom = root.split();
    this.clock = new SimClock(SimClock.arbitraryStart(control));
    this.scheduler = new SimScheduler(clock);
    this.net = new SimNetwork<>(scheduler, netRandom, n, trace, this::deliver);
    net.names(SwimSim::name);
    trace.formatter(SwimSim::brief);
    this.nodes = new Node[n];
    for (int i = 0; i < n; i++) {
      nodes[i] = new Node(i, root.split(), control.nextLong(TICK_NANOS));
      byAddress.put(nodes[i].address, i);
      byId.put(nodes[i].id, i);
    }
    for (int i = 1; i < n; i++) {
      List<Address> seeds = new ArrayList<>();
      seeds.add(nodes[0].address);
      int[] earlier = i < 2 ? new int[0] : control.ints(1, i).distinct().limit(Math.min(2, i - 1)).toArray();
      for (int e : earlier) {
        seeds.add(nodes[e].address);
      }
      nodes[i].seeds = List.copyOf(seeds);
    }
    this.faults = new FaultLog(n);
  }

  public SwimSim settings(SwimSettings settings) {
    this.settings = settings;
    return this;
  }

  /** The test class (or {@code Class#method}) the replay command names. */
  public SwimSim replayTest(String test) {
    this.replayTest = test;
    return this;
  }

  /** Nodes 1..n-1 start at random times within this span; node 0 starts at once. */
  public SwimSim stagger(Duration span) {
    this.staggerNanos = span.toNanos();
    return this;
  }

  /** Whether to track every view and check the invariants (off for very large benchmarks). */
  public SwimSim checkInvariants(boolean on) {
    this.checkInvariants = on;
    return this;
  }

  /**
   * Whether a JOINED event must carry an ALIVE member, as {@link MemberEvent.Kind#JOINED} says (on
   * by default; the core of 7e5e463 published JOINED with a SUSPECT member, fixed in eb6c3c1).
   */
  public SwimSim strictJoined(boolean on) {
    this.strictJoined = on;
    return this;
  }

  /**
   * Records a DIED that no fault justifies in {@link #falseDeaths()} instead of failing the run.
   * For chasing other promises while a core has a false-death bug (as the cores before e124185
   * had: a refutation could miss a node before its suspicion timer fired). Off by default.
   */
  public SwimSim tolerateFalseDeaths(boolean on) {
    this.tolerateFalseDeaths = on;
    return this;
  }

  /** The DIED events no fault justified (only with {@link #tolerateFalseDeaths(boolean)}). */
  public List<Death> falseDeaths() {
    return falseDeaths;
  }

  /**
   * Skips the join: each node, as it boots, is handed a push-pull reply that lists every node
   * ALIVE at incarnation 0, as if it had just joined a formed group. For large benchmarks, where
   * joining one by one through the seeds would take most of the run.
   */
  public SwimSim bootstrap(boolean on) {
    this.bootstrap = on;
    return this;
  }

  /** Called with every event every node publishes. */
  public SwimSim onEvent(Consumer<Observed> listener) {
    listeners.add(listener);
    return this;
  }

  public SimNetwork<SwimMessage> network() {
    return net;
  }

  public SwimSettings settings() {
    return settings;
  }

  /** Schedules every node's start; nothing runs until the sim is run. */
  public SwimSim start() {
    if (started) {
      throw new IllegalStateException("started already");
    }
    started = true;
    if (checkInvariants) {
      view = new MemberStatus[size][size];
      incarnation = new long[size][size];
      scheduleAudit();
    }
    scheduler.at(0, () -> boot(0, false));
    for (int i = 1; i < size; i++) {
      int node = i;
      long at = staggerNanos == 0 ? 0 : control.nextLong(staggerNanos);
      scheduler.at(at, () -> boot(node, true));
    }
    return this;
  }

  // ---------------------------------------------------------------- running

  public void runFor(Duration d) {
    guard(() -> scheduler.runFor(d));
  }

  /** Runs until {@code condition} holds (checked every {@code checkEvery}); false at the limit. */
  public boolean runUntil(BooleanSupplier condition, Duration checkEvery, Duration limit) {
    boolean[] held = new boolean[1];
    guard(() -> held[0] = scheduler.runUntil(condition, checkEvery, limit));
    return held[0];
  }

  /** Runs {@code body}; any failure comes out with the seed, the replay command and the trace. */
  public void guard(Runnable body) {
    try {
      body.run();
    } catch (SimFailure f) {
      throw f;
    } catch (Throwable t) {
      throw trace.failure(String.valueOf(t), seed, replayCommand(), t);
    }
  }

  /** Fails the run now. */
  public SimFailure fail(String what) {
    return trace.failure(what + " (at " + SimClock.format(scheduler.now()) + ")", seed, replayCommand(), null);
  }

  public String replayCommand() {
    return Seeds.replayCommand("membership", replayTest, seed);
  }

  // ---------------------------------------------------------------- nodes

  private void boot(int i, boolean seeded) {
    Node node = nodes[i];
    node.started = true;
    node.up = true;
    node.generation++;
    node.lastLocalIncarnation = 0;
    node.core = new SwimCore(settings, node.id, node.metadata, seeded, node.random.split(), clock.nowNanos());
    trace.record(scheduler.now(), "BOOT", node.id, null, seeded ? "seeds " + node.seeds : "unseeded");
    if (seeded) {
      node.core.seeds(clock.nowNanos(), node.seeds, false);
    }
    if (bootstrap) {
      if (fullState == null) {
        List<io.cairn.membership.swim.Update> all = new ArrayList<>(size);
        for (Node n : nodes) {
          all.add(new io.cairn.membership.swim.Update(n.id, MemberStatus.ALIVE, 0, n.metadata, n.id));
        }
        fullState = List.copyOf(all);
      }
      Node peer = nodes[i == 0 ? Math.min(1, size - 1) : 0];
      node.core.receive(clock.nowNanos(),
          new SwimMessage.PushPull(peer.id, peer.address, false, true, fullState));
    }
    flush(i);
    int generation = node.generation;
    scheduler.after(node.tickPhase, () -> tick(i, generation));
  }

  private void tick(int i, int generation) {
    Node node = nodes[i];
    if (node.generation != generation || !node.up) {
      return;
    }
    node.core.tick(clock.nowNanos());
    flush(i);
    scheduler.after(TICK_NANOS, () -> tick(i, generation));
  }

  private void deliver(int from, int to, SwimMessage message) {
    Node node = nodes[to];
    if (!node.up) {
      return;
    }
    node.core.receive(clock.nowNanos(), message);
    flush(to);
  }

  private void flush(int i) {
    Node node = nodes[i];
    for (int round = 0; ; round++) {
      SwimEffects fx = node.core.drainEffects();
      for (Outbound o : fx.send()) {
        Integer to = byAddress.get(o.to());
        if (to == null) {
          trace.record(scheduler.now(), "NO-ROUTE", node.id, o.to(), o.message());
          continue;
        }
        sentByKind[o.message().kind().ordinal()]++;
        net.send(i, to, o.message());
      }
      for (MemberEvent e : fx.events()) {
        onEvent(i, e);
      }
      if (!fx.resolveSeeds() || round == 3) {
        break;
      }
      trace.record(scheduler.now(), "RESOLVE", node.id, null, node.seeds);
      node.core.seeds(clock.nowNanos(), node.seeds, false);
    }
    if (checkInvariants) {
      checkLocal(node);
    }
  }

  /** Crashes node i: it stops, and nothing reaches it or leaves it. */
  public void crash(int i) {
    Node node = nodes[i];
    if (!node.up) {
      throw new IllegalStateException(node.id + " is not up");
    }
    node.up = false;
    node.generation++;
    net.down(i);
    faults.crashed(i, scheduler.now());
    trace.record(scheduler.now(), "CRASH", node.id, null, "at incarnation " + node.core.local().incarnation());
  }

  /**
   * Restarts a crashed node as a new core with fresh state (incarnation 0), same id and address,
   * seeded with its seeds (node 0 with three random others).
   */
  public void restart(int i) {
    Node node = nodes[i];
    if (node.up) {
      throw new IllegalStateException(node.id + " is up");
    }
    if (i == 0 && node.seeds.isEmpty()) {
      List<Address> seeds = new ArrayList<>();
      control.ints(1, size).distinct().limit(Math.min(3, size - 1)).forEach(s -> seeds.add(nodes[s].address));
      node.seeds = List.copyOf(seeds);
    }
    if (checkInvariants) {
      Arrays.fill(view[i], null);
      Arrays.fill(incarnation[i], 0);
    }
    faults.restarted(i, scheduler.now());
    net.up(i);
    trace.record(scheduler.now(), "RESTART", node.id, null, null);
    boot(i, true);
  }

  /** Node i announces new metadata (under a higher incarnation). */
  public void announce(int i, MemberMetadata metadata) {
    trace.record(scheduler.now(), "ANNOUNCE", nodes[i].id, null, null);
    nodes[i].core.announce(clock.nowNanos(), metadata);
    flush(i);
  }

  /** Node i leaves gracefully, then stops after {@code linger}. */
  public void leave(int i, Duration linger) {
    Node node = nodes[i];
    node.leftAt = scheduler.now();
    faults.left(i, scheduler.now());
    trace.record(scheduler.now(), "LEAVE", node.id, null, null);
    node.core.leave(clock.nowNanos());
    flush(i);
    int generation = node.generation;
    scheduler.after(linger, () -> {
      if (node.generation == generation && node.up) {
        node.up = false;
        node.generation++;
        net.down(i);
        trace.record(scheduler.now(), "STOPPED", node.id, null, "after leaving");
      }
    });
  }

  /**
   * Cuts the two groups apart for {@code duration}, then heals. A partition longer than half the
   * shortest suspicion timeout justifies deaths on both sides (see {@link FaultLog}).
   */
  public void partition(int[] a, int[] b, Duration duration) {
    long now = scheduler.now();
    long end = now + duration.toNanos();
    boolean justifies = duration.toNanos() > shortestSuspicionTimeoutNanos() / 2;
    faults.partitioned(a, b, now, end, justifies);
    net.partition(a, b);
    scheduler.at(end, net::heal);
  }

  /**
   * Blocks the link from {@code from} to {@code to}, one way, for {@code duration}, then heals
   * every block. A one-way block justifies no death: indirect probes go around it.
   */
  public void blockOneWay(int from, int to, Duration duration) {
    net.blockOneWay(new int[] {from}, new int[] {to});
    scheduler.after(duration, net::heal);
  }

  /** The shortest suspicion timeout the settings give for this cluster size. */
  public long shortestSuspicionTimeoutNanos() {
    return io.cairn.membership.swim.SwimMath.suspicionMinNanos(settings, size);
  }

  // ---------------------------------------------------------------- views

  public int size() {
    return size;
  }

  public SwimCore core(int i) {
    return nodes[i].core;
  }

  public NodeId id(int i) {
    return nodes[i].id;
  }

  public int index(NodeId id) {
    Integer i = byId.get(id);
    if (i == null) {
      throw new IllegalArgumentException("no such node: " + id);
    }
    return i;
  }

  /** Started, not crashed, not left. */
  public boolean isLive(int i) {
    Node n = nodes[i];
    return n.started && n.up && n.leftAt < 0;
  }

  /** Whether every node has booted once. */
  public boolean allStarted() {
    for (Node n : nodes) {
      if (!n.started) {
        return false;
      }
    }
    return true;
  }

  public boolean hasLeft(int i) {
    return nodes[i].leftAt >= 0;
  }

  public int[] liveNodes() {
    return java.util.stream.IntStream.range(0, size).filter(this::isLive).toArray();
  }

  public SimScheduler scheduler() {
    return scheduler;
  }

  public SimClock clock() {
    return clock;
  }

  public SplittableRandom random() {
    return control;
  }

  public FaultLog faults() {
    return faults;
  }

  public List<Death> deaths() {
    return deaths;
  }

  public long seed() {
    return seed;
  }

  /** Messages of a kind handed to the network so far. */
  public long sent(SwimMessage.Kind kind) {
    return sentByKind[kind.ordinal()];
  }

  public long sentTotal() {
    return Arrays.stream(sentByKind).sum();
  }

  public String elapsed() {
    return SimClock.format(scheduler.now());
  }

  /**
   * Null when every live node sees exactly the live nodes as ALIVE, each at the incarnation the
   * member itself holds, every crashed node as DEAD (or not at all) and every node that left as
   * LEFT (or not at all); otherwise the first few differences.
   */
  public String divergence() {
    if (!allStarted()) {
      return "not every node has started";
    }
    List<String> problems = new ArrayList<>();
    int[] live = liveNodes();
    long[] own = new long[size];
    for (int m : live) {
      own[m] = nodes[m].core.local().incarnation();
    }
    for (int o : live) {
      boolean[] seen = new boolean[size];
      for (Member m : nodes[o].core.members()) {
        int mi = index(m.id());
        seen[mi] = true;
        String problem = null;
        if (isLive(mi)) {
          if (m.status() != MemberStatus.ALIVE || m.incarnation() != own[mi]) {
            problem = "is " + m.status() + "@" + m.incarnation() + ", it is ALIVE@" + own[mi];
          }
        } else if (hasLeft(mi)) {
          if (m.status() != MemberStatus.LEFT) {
            problem = "is " + m.status() + ", it left";
          }
        } else if (nodes[mi].started && m.status() != MemberStatus.DEAD) {
          problem = "is " + m.status() + ", it crashed";
        }
        if (problem != null && problems.size() < 10) {
          problems.add(name(o) + " sees " + m.id() + " " + problem);
        }
      }
      for (int m : live) {
        if (!seen[m] && problems.size() < 10) {
          problems.add(name(o) + " does not know live " + name(m));
        }
      }
    }
    return problems.isEmpty() ? null : String.join("\n  ", problems);
  }

  public boolean converged() {
    return divergence() == null;
  }

  // ---------------------------------------------------------------- invariants

  private void checkLocal(Node node) {
    Member local = node.core.local();
    boolean left = node.leftAt >= 0;
    if (local.status() != MemberStatus.ALIVE && !(left && local.status() == MemberStatus.LEFT)) {
      throw fail(node.id + " sees itself as " + local.status() + "@" + local.incarnation()
          + (left ? " after leaving" : ""));
    }
    if (local.incarnation() < node.lastLocalIncarnation) {
      throw fail(node.id + "'s own incarnation fell from " + node.lastLocalIncarnation + " to "
          + local.incarnation());
    }
    node.lastLocalIncarnation = local.incarnation();
  }

  private void onEvent(int o, MemberEvent e) {
    long now = scheduler.now();
    Member m = e.member();
    trace.record(now, e.kind().name(), nodes[o].id, m.id(),
        m.status() + "@" + m.incarnation() + " was " + e.previous());
    Integer boxed = byId.get(m.id());
    if (boxed == null) {
      throw fail(name(o) + " published " + e + " about a node that does not exist");
    }
    int mi = boxed;
    if (e.kind() == MemberEvent.Kind.DIED) {
      deaths.add(new Death(now, o, mi, m.incarnation()));
    }
    if (!listeners.isEmpty()) {
      Observed observed = new Observed(now, o, e);
      for (Consumer<Observed> l : listeners) {
        l.accept(observed);
      }
    }
    if (!checkInvariants) {
      return;
    }
    MemberStatus expected = switch (e.kind()) {
      case JOINED, UPDATED, REFUTED -> MemberStatus.ALIVE;
      case SUSPECTED -> MemberStatus.SUSPECT;
      case DIED -> MemberStatus.DEAD;
      case LEFT -> MemberStatus.LEFT;
      case REMOVED -> null;
    };
    boolean tolerated = !strictJoined && e.kind() == MemberEvent.Kind.JOINED
        && m.status() == MemberStatus.SUSPECT;
    if (!tolerated && (expected != null ? m.status() != expected : !m.status().isGone())) {
      throw fail(name(o) + " published " + e.kind() + " with status " + m.status());
    }
    if (mi == o && !(m.status() == MemberStatus.ALIVE
        || (m.status() == MemberStatus.LEFT && nodes[o].leftAt >= 0))) {
      throw fail(name(o) + " published " + e.kind() + " about itself: " + m.status());
    }
    MemberStatus before = view[o][mi];
    if (before != null && e.previous() != before) {
      throw fail(name(o) + " published " + e.kind() + " about " + m.id() + " with previous "
          + e.previous() + ", but its events said " + before);
    }
    if (m.incarnation() < incarnation[o][mi]) {
      throw fail(name(o) + "'s view of " + m.id() + ": incarnation fell from "
          + incarnation[o][mi] + " to " + m.incarnation() + " (" + e.kind() + ")");
    }
    switch (e.kind()) {
      case DIED -> {
        if (hasLeft(mi)) {
          throw fail(name(o) + " declared " + m.id() + " DEAD@" + m.incarnation()
              + ", but it left gracefully at " + SimClock.format(nodes[mi].leftAt));
        }
        if (!faults.justifiesDeath(mi, now)) {
          if (tolerateFalseDeaths) {
            falseDeaths.add(new Death(now, o, mi, m.incarnation()));
            trace.record(now, "FALSE-DEATH", nodes[o].id, m.id(), "tolerated");
          } else {
            throw fail(name(o) + " declared " + m.id() + " DEAD@" + m.incarnation()
                + " without a fault that justifies it: " + faults.describe(mi));
          }
        }
      }
      case LEFT -> {
        if (!hasLeft(mi)) {
          throw fail(name(o) + " published LEFT about " + m.id() + ", which never left");
        }
      }
      default -> { }
    }
    if (e.kind() == MemberEvent.Kind.REMOVED) {
      view[o][mi] = null;
      incarnation[o][mi] = 0;
    } else {
      view[o][mi] = m.status();
      incarnation[o][mi] = m.incarnation();
    }
  }

  private void scheduleAudit() {
    scheduler.after(Duration.ofSeconds(1), () -> {
      audit();
      scheduleAudit();
    });
  }

  /** Every view is what its events said; no incarnation fell without an event. */
  private void audit() {
    for (int o = 0; o < size; o++) {
      Node node = nodes[o];
      if (!node.started || !node.up) {
        continue;
      }
      int known = 0;
      for (Member m : node.core.members()) {
        int mi = index(m.id());
        known++;
        MemberStatus said = view[o][mi];
        if (mi == o) {
          continue; // checked after every input
        }
        if (said == null && m.status().isGone()) {
          // learned of a stranger already gone: no event owed
          view[o][mi] = m.status();
          incarnation[o][mi] = m.incarnation();
          continue;
        }
        if (said != m.status()) {
          throw fail(name(o) + " holds " + m.id() + " as " + m.status() + "@" + m.incarnation()
              + " but its events said " + said);
        }
        if (m.incarnation() < incarnation[o][mi]) {
          throw fail(name(o) + " holds " + m.id() + " at incarnation " + m.incarnation()
              + ", below " + incarnation[o][mi] + " seen before");
        }
        incarnation[o][mi] = m.incarnation();
      }
      int said = 0;
      for (int mi = 0; mi < size; mi++) {
        if (view[o][mi] != null && mi != o) {
          said++;
        }
      }
      boolean selfListed = node.core.member(node.id).isPresent();
      if (known - (selfListed ? 1 : 0) != said) {
        throw fail(name(o) + " holds " + (known - (selfListed ? 1 : 0))
            + " other members but its events accounted for " + said);
      }
    }
  }
}
