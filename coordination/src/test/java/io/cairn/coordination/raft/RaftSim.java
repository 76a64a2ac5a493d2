package io.cairn.coordination.raft;

import io.cairn.coordination.raft.RaftEvent.RoleChanged;
import io.cairn.coordination.raft.RaftMessage.AppendEntriesResponse;
import io.cairn.coordination.raft.Submission.Accepted;
import io.cairn.membership.NodeId;
import io.cairn.sim.Seeds;
import io.cairn.sim.SimClock;
import io.cairn.sim.SimNetwork;
import io.cairn.sim.SimScheduler;
import io.cairn.sim.SimTrace;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * A simulated Raft group: {@code n} {@link RaftCore}s on one thread, a virtual clock, a seeded lossy
 * network, and simulated shells that follow the {@link Effects} protocol (send; write the batch to
 * a durable log after a small random delay, in order; then report {@code persisted}, send
 * {@code sendAfterPersist}, apply {@code commit}, answer {@code reads}). A crash loses every batch
 * not yet durable (an unfinished snapshot install too); a restart rebuilds the core from what was.
 * The state machine is a register plus a running hash of every entry applied (and, if a layer
 * plugs one in with {@link #replicas}, a {@link Replica} of its own); a shell may snapshot
 * it at any point ({@link #compact}), after which the durable log starts after the snapshot. The
 * group may have more nodes than voters: the rest wait, with empty logs, to be added
 * ({@link #changeVoters}).
 *
 * <p>Invariants are checked as each core's effects are drained, i.e. after every step:
 * <ul>
 *   <li>Election Safety: at most one node becomes leader in a term, whatever voter sets the
 *       nodes have; and only a node in its own voter set campaigns or leads.
 *   <li>Log Matching: every log entry anyone appends with a given (index, term) has the same
 *       content and the same predecessor term; by induction equal (index, term) means equal
 *       prefixes.
 *   <li>Leader Completeness: a node that becomes leader holds every entry committed so far.
 *   <li>State Machine Safety: every node applies indices 1, 2, 3... and the entry it applies at
 *       an index is the one the group committed there (one global reference); a state restored
 *       from a snapshot (installed or at restart) equals the state after applying the committed
 *       prefix up to the snapshot's index.
 *   <li>Durability of commits: an entry is on the durable logs (or snapshots) of a majority of
 *       the voter set that committed it when it is first committed, and still is whenever any
 *       durable log is cut.
 *   <li>Reads: a ReadIndex read returns a register no older than the last write acknowledged
 *       before the read was asked for.
 * </ul>
 */
public final class RaftSim {
  /**
   * A state machine that each node's simulated shell applies committed entries to, beside the
   * simulation's own register (for layers such as the primitives simulation in another package).
   * A node gets a new one from the factory at start and at every restart (memory is lost); its
   * snapshot rides in the node's snapshots and is restored from them (at restart and on install).
   */
  public interface Replica {
    /** Applies a committed entry of any type (no-ops and voter changes too), in index order. */
    void apply(LogEntry entry);

    /** The state as of the last entry applied. */
    byte[] snapshot();

    /** Replaces the state with {@link #snapshot()}'s bytes, taken at {@code index}. */
    void restore(long index, byte[] snapshot);
  }

  private static final Replica NO_REPLICA = new Replica() {
    @Override
    public void apply(LogEntry entry) {}

    @Override
    public byte[] snapshot() {
      return new byte[0];
    }

    @Override
    public void restore(long index, byte[] snapshot) {}
  };

  static final RaftSettings SETTINGS = RaftSettings.FAST_TEST;
  private static final long TICK_NANOS = Duration.ofMillis(5).toNanos();

  public final class Node {
    public final int index;
    public final NodeId id;
    public RaftCore core;
    public boolean up = true;
    public boolean paused;
    Replica replica = NO_REPLICA;
    int incarnation;
    long walTail;
    // What the simulated disk holds.
    HardState hardState = HardState.INITIAL;
    Snapshot snapshot;
    /** The durable entries after {@link #snapshot}. */
    final ArrayList<LogEntry> durableLog = new ArrayList<>();
    // The state machine: a register holding the index of the last write applied, and a hash of all.
    long applied;
    long register;
    long hash;
    List<NodeId> appliedVoters;
    final Map<Long, PendingWrite> writes = new HashMap<>();
    final Map<Long, PendingRead> reads = new HashMap<>();
    final List<RaftEvent> events = new ArrayList<>();

    Node(int index) {
      this.index = index;
      this.id = NodeId.of("n" + (index + 1));
    }

    DurableState durable() {
      return new DurableState(hardState, Optional.ofNullable(snapshot), durableLog);
    }

    long snapshotIndex() {
      return snapshot == null ? 0 : snapshot.index();
    }

    long durableLast() {
      return snapshotIndex() + durableLog.size();
    }

    /** The durable entry at {@code i} (after the snapshot), or null. */
    LogEntry durableEntry(long i) {
      return i > snapshotIndex() && i <= durableLast() ? durableLog.get((int) (i - snapshotIndex() - 1)) : null;
    }

    /** Whether the committed entry {@code c} survives a crash here (in the log or a snapshot). */
    boolean holds(LogEntry c) {
      return c.index() <= snapshotIndex() || c.equals(durableEntry(c.index()));
    }
  }

  record PendingWrite(long index, long term) {}

  record PendingRead(long requestId, long minIndex) {}

  final long seed;
  public final int n;
  private final SplittableRandom random;
  final SimClock clock;
  public final SimScheduler scheduler;
  public final SimTrace trace = new SimTrace().formatter(String::valueOf);
  public final SimNetwork<RaftMessage> network;
  public final Node[] nodes;
  private Function<Node, Replica> replicas = node -> NO_REPLICA;
  /** When the last fault began or ended, in virtual elapsed nanos: see {@link #lastFault()}. */
  long lastFault;
  final List<NodeId> voters = new ArrayList<>();
  private String replayTest = "RaftSimTest";

  // Invariant bookkeeping.
  private final Map<Long, NodeId> leaderOfTerm = new HashMap<>();
  private final Map<Long, LogEntry> committed = new HashMap<>();
  /** The voter set of the leader that first handed out each committed entry. */
  private final Map<Long, List<NodeId>> committedBy = new HashMap<>();
  /** The state machine's hash after applying the committed entries 1..i, at i. */
  private final ArrayList<Long> prefixHash = new ArrayList<>(List.of(0L));
  private long maxCommitted;
  private final Map<String, Long> seen = new HashMap<>(); // "index@term" -> predecessor term
  private final Map<String, LogEntry> seenEntry = new HashMap<>();
  private long maxAckedWrite;
  private long nextRequestId = 1;
  long acknowledgedWrites;
  long servedReads;
  long rejectionsReceived;
  long crashes;
  long elections;
  long compactions;
  long installs;
  long transfersCompleted;
  long transfersAborted;
  long voterChanges;

  public RaftSim(int n, long seed) {
    this(n, n, seed);
  }

  /** {@code nodes} nodes, of which the first {@code voters} are the bootstrap voter set. */
  public RaftSim(int voters, int nodes, long seed) {
    this(nodes, seed, voters);
  }

  private RaftSim(int n, long seed, int initialVoters) {
    this.seed = seed;
    this.n = n;
    this.random = new SplittableRandom(seed);
    this.clock = new SimClock(SimClock.arbitraryStart(random));
    this.scheduler = new SimScheduler(clock);
    this.network = new SimNetwork<RaftMessage>(scheduler, random.split(), n, trace, this::deliver)
        .names(i -> "n" + (i + 1));
    this.nodes = new Node[n];
    for (int i = 0; i < n; i++) {
      nodes[i] = new Node(i);
      if (i < initialVoters) {
        voters.add(nodes[i].id);
      }
    }
    for (Node node : nodes) {
      node.appliedVoters = List.copyOf(voters);
      node.core = new RaftCore(node.id, voters, SETTINGS, DurableState.EMPTY, random.split());
      long offset = random.nextLong(TICK_NANOS);
      scheduler.after(offset, () -> tickLoop(node));
    }
  }

  public RaftSim replayTest(String test) {
    this.replayTest = test;
    return this;
  }

  /** Every node applies committed entries to a {@link Replica} from {@code factory} too (call before running). */
  public RaftSim replicas(Function<Node, Replica> factory) {
    this.replicas = factory;
    for (Node node : nodes) {
      node.replica = factory.apply(node);
    }
    return this;
  }

  public SplittableRandom random() {
    return random;
  }

  public long now() {
    return clock.nowNanos();
  }

  // -------------------------------------------------------------------------- the shells

  private void tickLoop(Node node) {
    if (node.up && !node.paused) {
      node.core.tick(now());
      flush(node);
    }
    scheduler.after(TICK_NANOS, () -> tickLoop(node));
  }

  private void deliver(int from, int to, RaftMessage m) {
    Node node = nodes[to];
    if (!node.up) {
      return;
    }
    if (m instanceof AppendEntriesResponse r && !r.success() && r.term() == node.core.term()) {
      rejectionsReceived++;
    }
    node.core.receive(now(), m);
    flush(node);
  }

  void flush(Node node) {
    Effects fx = node.core.drainEffects();
    if (fx.isEmpty()) {
      return;
    }
    check(node, fx);
    for (RaftMessage m : fx.send()) {
      network.send(node.index, indexOf(m.to()), m);
    }
    if (!fx.needsPersist() && fx.sendAfterPersist().isEmpty() && fx.commit().isEmpty() && fx.reads().isEmpty()) {
      return;
    }
    long delay = fx.needsPersist() ? random.nextLong(50_000, 3_000_000) : 0;
    long at = Math.max(node.walTail, scheduler.now() + delay);
    node.walTail = at;
    int incarnation = node.incarnation;
    scheduler.at(at, () -> {
      if (!node.up || node.incarnation != incarnation) {
        return; // crashed before the write finished: lost
      }
      write(node, fx);
      if (!fx.append().isEmpty()) {
        LogEntry last = fx.append().get(fx.append().size() - 1);
        node.core.persisted(now(), last.term(), last.index());
      }
      for (RaftMessage m : fx.sendAfterPersist()) {
        network.send(node.index, indexOf(m.to()), m);
      }
      fx.install().ifPresent(snap -> {
        restore(node, snap);
        installs++;
      });
      apply(node, fx.commit());
      answer(node, fx.reads());
      flush(node);
    });
  }

  private void write(Node node, Effects fx) {
    fx.install().ifPresent(snap -> {
      LogEntry at = node.durableEntry(snap.index());
      if (at != null && at.term() == snap.term()) {
        node.durableLog.subList(0, (int) (snap.index() - node.snapshotIndex())).clear();
      } else {
        node.durableLog.clear();
      }
      node.snapshot = snap;
    });
    fx.persist().ifPresent(hs -> node.hardState = hs);
    if (!fx.append().isEmpty()) {
      long first = fx.append().get(0).index();
      if (first > node.durableLast() + 1 || first <= node.snapshotIndex()) {
        throw new IllegalStateException(node.id + ": append from " + first + " does not follow durable "
            + node.snapshotIndex() + ".." + node.durableLast());
      }
      boolean cut = first <= node.durableLast();
      while (node.durableLast() >= first) {
        node.durableLog.remove(node.durableLog.size() - 1);
      }
      node.durableLog.addAll(fx.append());
      if (cut) {
        for (long i = first; i <= maxCommitted; i++) {
          requireDurableOnMajority(committed.get(i), node.id + " cut its log at " + first);
        }
      }
    }
    if (node.hardState.commitIndex() > node.durableLast()) {
      throw new IllegalStateException(node.id + ": durable commit " + node.hardState.commitIndex()
          + " is past the durable log " + node.durableLast());
    }
  }

  /** The state machine's hash after applying every committed entry up to {@code index}. */
  private long prefixHash(long index) {
    while (prefixHash.size() <= index) {
      long i = prefixHash.size();
      LogEntry c = committed.get(i);
      if (c == null) {
        throw new IllegalStateException("entry " + i + " was never handed out as committed, yet " + index + " is");
      }
      prefixHash.add(mix(prefixHash.get((int) i - 1), c));
    }
    return prefixHash.get((int) index);
  }

  private static long mix(long hash, LogEntry e) {
    return hash * 1_000_003L + e.hashCode();
  }

  private static byte[] encodeState(Node node) {
    byte[] replica = node.replica.snapshot();
    return ByteBuffer.allocate(24 + replica.length).putLong(node.applied).putLong(node.register).putLong(node.hash)
        .put(replica).array();
  }

  /** Replaces the node's state machine with a snapshot's, which must be the committed prefix's. */
  private void restore(Node node, Snapshot snap) {
    ByteBuffer b = ByteBuffer.wrap(snap.data());
    long index = b.getLong();
    node.register = b.getLong();
    node.hash = b.getLong();
    node.applied = index;
    byte[] replica = new byte[b.remaining()];
    b.get(replica);
    node.replica.restore(index, replica);
    node.appliedVoters = snap.voters();
    if (index != snap.index() || node.hash != prefixHash(index)) {
      throw new IllegalStateException("State Machine Safety: " + node.id + " restores " + snap + " at " + index
          + " whose state is not that of the committed prefix");
    }
  }

  /**
   * The node's shell snapshots its state machine at what it has applied, stores it durably (its
   * durable log then starts after it) and tells the core to compact.
   */
  public void compact(Node node) {
    if (!node.up || node.applied <= node.core.snapshotIndex()) {
      return;
    }
    LogEntry at = node.durableEntry(node.applied);
    if (at == null) {
      throw new IllegalStateException(node.id + " applied " + node.applied + " which is not in its durable log "
          + node.snapshotIndex() + ".." + node.durableLast());
    }
    Snapshot snap = new Snapshot(node.applied, at.term(), node.appliedVoters, encodeState(node));
    node.durableLog.subList(0, (int) (snap.index() - node.snapshotIndex())).clear();
    node.snapshot = snap;
    node.core.compact(now(), snap);
    compactions++;
    trace.record(scheduler.now(), "COMPACT", node.id, null, snap);
    flush(node);
  }

  private void apply(Node node, List<LogEntry> entries) {
    for (LogEntry e : entries) {
      if (e.index() != node.applied + 1) {
        throw new IllegalStateException(node.id + " applies " + e + " after " + node.applied);
      }
      LogEntry ref = committed.get(e.index());
      if (!e.equals(ref)) {
        throw new IllegalStateException("State Machine Safety: " + node.id + " applies " + e
            + " where the group committed " + ref);
      }
      node.applied = e.index();
      node.hash = mix(node.hash, e);
      if (node.hash != prefixHash(e.index())) {
        throw new IllegalStateException("State Machine Safety: " + node.id + " state after " + e
            + " differs from the committed prefix's");
      }
      if (e.type() == LogEntry.Type.COMMAND) {
        node.register = e.index();
      } else if (e.type() == LogEntry.Type.CONFIG) {
        node.appliedVoters = e.voters();
      }
      node.replica.apply(e);
      PendingWrite w = node.writes.remove(e.index());
      if (w != null && w.term() == e.term()) {
        maxAckedWrite = Math.max(maxAckedWrite, e.index());
        acknowledgedWrites++;
      }
    }
  }

  private void answer(Node node, List<ReadState> states) {
    for (ReadState rs : states) {
      PendingRead r = node.reads.remove(rs.requestId());
      if (r == null) {
        throw new IllegalStateException(node.id + " answers unknown read " + rs);
      }
      if (node.applied < rs.index()) {
        throw new IllegalStateException(node.id + " answers " + rs + " having applied only " + node.applied);
      }
      if (node.register < r.minIndex()) {
        throw new IllegalStateException("stale read on " + node.id + ": register holds the write at "
            + node.register + " but the write at " + r.minIndex() + " was acknowledged before the read began");
      }
      servedReads++;
    }
  }

  // ------------------------------------------------------------------------- invariants

  /** A committed entry survives any minority of crashes: a majority of durable logs hold it. */
  private void requireDurableOnMajority(LogEntry c, String when) {
    List<NodeId> by = committedBy.get(c.index());
    int holders = 0;
    for (Node o : nodes) {
      if (by.contains(o.id) && o.holds(c)) {
        holders++;
      }
    }
    if (holders < by.size() / 2 + 1) {
      throw new IllegalStateException("committed entry " + c + " is durable on only " + holders
          + " of the voters " + by + " that committed it when " + when);
    }
  }

  private void check(Node node, Effects fx) {
    RaftCore core = node.core;
    for (LogEntry e : fx.append()) {
      String key = e.index() + "@" + e.term();
      long prevTerm = core.termAt(e.index() - 1);
      if (core.lastIndex() < e.index() || !core.entry(e.index()).equals(e)) {
        throw new IllegalStateException(node.id + " emitted " + e + " that is not in its log");
      }
      LogEntry before = seenEntry.putIfAbsent(key, e);
      Long beforePrev = seen.putIfAbsent(key, prevTerm);
      if ((before != null && !before.equals(e)) || (beforePrev != null && beforePrev != prevTerm)) {
        throw new IllegalStateException("Log Matching: " + node.id + " holds " + e + " after term " + prevTerm
            + "; another log held " + before + " after term " + beforePrev);
      }
    }
    for (LogEntry e : fx.commit()) {
      LogEntry before = committed.putIfAbsent(e.index(), e);
      if (before != null && !before.equals(e)) {
        throw new IllegalStateException("State Machine Safety: " + node.id + " commits " + e + " where "
            + before + " was committed");
      }
      if (e.index() > maxCommitted) {
        committedBy.put(e.index(), core.voters());
        requireDurableOnMajority(e, node.id + " commits it");
        maxCommitted = e.index();
      }
    }
    for (RaftEvent ev : fx.events()) {
      trace.record(scheduler.now(), "EVENT", node.id, null, ev);
      node.events.add(ev);
      if (ev instanceof RaftEvent.LeadershipTransfer lt) {
        if (lt.outcome() == RaftEvent.LeadershipTransfer.Outcome.COMPLETED) {
          transfersCompleted++;
        } else if (lt.outcome() == RaftEvent.LeadershipTransfer.Outcome.ABORTED) {
          transfersAborted++;
        }
      }
      if (ev instanceof RoleChanged rc && rc.to() != Role.FOLLOWER && rc.to() != rc.from()
          && !core.voters().contains(node.id)) {
        throw new IllegalStateException(node.id + " became " + rc.to() + " though not in its voters " + core.voters());
      }
      if (ev instanceof RoleChanged rc && rc.to() == Role.LEADER) {
        elections++;
        NodeId before = leaderOfTerm.putIfAbsent(rc.term(), node.id);
        if (before != null && !before.equals(node.id)) {
          throw new IllegalStateException("Election Safety: " + node.id + " and " + before
              + " both lead term " + rc.term());
        }
        for (long i = Math.max(1, core.snapshotIndex()); i <= maxCommitted; i++) {
          LogEntry c = committed.get(i);
          boolean has = i == core.snapshotIndex() ? core.termAt(i) == c.term()
              : core.lastIndex() >= i && core.entry(i).equals(c);
          if (!has) {
            throw new IllegalStateException("Leader Completeness: new leader " + core + " lacks committed " + c);
          }
        }
      }
    }
  }

  // ------------------------------------------------------------------------- clients, faults

  /** Shells snapshot their state machines now and then, the leader's more often (so it must send them). */
  public void scheduleCompactions(SplittableRandom r, long end) {
    scheduler.after(r.nextLong(50_000_000, 600_000_000), () -> {
      if (scheduler.now() >= end) {
        return;
      }
      Node node = r.nextBoolean() ? leader().orElse(nodes[r.nextInt(n)]) : nodes[r.nextInt(n)];
      compact(node);
      scheduleCompactions(r, end);
    });
  }

  /**
   * The leader adds a node from the pool or removes a voter (itself, at times), keeping between
   * {@code n - 1} (at least 2) and {@code n + 1} voters.
   */
  private void changeVotersAtRandom(SplittableRandom r, Node leader, int n) {
    List<NodeId> current = leader.core.voters();
    List<NodeId> next = new ArrayList<>(current);
    List<NodeId> outside = new ArrayList<>();
    for (Node node : nodes) {
      if (!current.contains(node.id)) {
        outside.add(node.id);
      }
    }
    boolean add = !outside.isEmpty() && current.size() < n + 1
        && (current.size() <= Math.max(2, n - 1) || r.nextBoolean());
    if (add) {
      next.add(outside.get(r.nextInt(outside.size())));
    } else if (current.size() > Math.max(2, n - 1)) {
      next.remove(r.nextInt(next.size()));
    } else {
      return;
    }
    changeVoters(leader, next);
  }

  /**
   * Until {@code end}, every 0.2–1.5 s: isolate the leader, split the group at random, block one
   * way, heal, crash a node (the leader at times) and restart it later, pause one, hand leadership
   * over, or change the voters. {@link #lastFault} tells when the last one began or ended.
   */
  public void scheduleFaults(SplittableRandom r, long end) {
    scheduler.after(r.nextLong(200_000_000, 1_500_000_000), () -> {
      if (scheduler.now() >= end) {
        return;
      }
      lastFault = scheduler.now();
      int victim = r.nextInt(n);
      switch (r.nextInt(11)) {
        case 0 -> leader().ifPresent(l -> {
          network.heal();
          network.partition(new int[] {l.index}, allBut(l.index));
        });
        case 1 -> {
          network.heal();
          List<Integer> a = new ArrayList<>();
          List<Integer> b = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            (r.nextBoolean() ? a : b).add(i);
          }
          network.partition(a.stream().mapToInt(Integer::intValue).toArray(),
              b.stream().mapToInt(Integer::intValue).toArray());
        }
        case 2 -> network.blockOneWay(new int[] {victim}, allBut(victim));
        case 3 -> network.blockOneWay(allBut(victim), new int[] {victim});
        case 4 -> network.heal();
        case 5 -> {
          Node node = r.nextBoolean() ? leader().orElse(nodes[victim]) : nodes[victim];
          crash(node);
          scheduler.after(r.nextLong(50_000_000, 2_000_000_000), () -> restart(node));
        }
        case 6 -> {
          Node node = r.nextBoolean() ? leader().orElse(nodes[victim]) : nodes[victim];
          if (node.up && !node.paused) {
            pause(node); // a long GC or SIGSTOP: it wakes believing what it believed
            scheduler.after(r.nextLong(50_000_000, 1_500_000_000), () -> resume(node));
          }
        }
        case 7 -> leader().ifPresent(l -> {
          List<NodeId> others = l.core.voters().stream().filter(v -> !v.equals(l.id)).toList();
          transfer(l, others.get(r.nextInt(others.size())));
        });
        case 8, 9 -> leader().ifPresent(l -> changeVotersAtRandom(r, l, voters.size()));
        default -> { }
      }
      scheduleFaults(r, end);
    });
  }

  /** Every fault stops: partitions heal, crashed nodes restart, the network stops losing. */
  public void heal() {
    network.heal();
    network.drop(0).duplicate(0);
    for (Node node : nodes) {
      if (node.paused) {
        resume(node);
      }
      restart(node);
    }
  }


  /** The up node that leads the highest term, if any. */
  public Optional<Node> leader() {
    Node best = null;
    for (Node node : nodes) {
      if (node.up && node.core.role() == Role.LEADER && (best == null || node.core.term() > best.core.term())) {
        best = node;
      }
    }
    return Optional.ofNullable(best);
  }

  /** A client write at {@code node}; its acknowledgement is the node applying it. */
  Submission write(Node node) {
    return propose(node, ByteBuffer.allocate(8).putLong(nextRequestId++).array());
  }

  /** A client command at {@code node}; its acknowledgement is the node applying it. */
  public Submission propose(Node node, byte[] command) {
    if (!node.up || node.paused) { // a client cannot reach a stopped process
      return new Submission.Refused(Submission.Reason.NOT_LEADER, Optional.empty());
    }
    Submission s = node.core.propose(now(), command);
    if (s instanceof Accepted a) {
      node.writes.put(a.index(), new PendingWrite(a.index(), a.term()));
      trace.record(scheduler.now(), "PROPOSE", node.id, null, a);
    }
    flush(node);
    return s;
  }

  /** A client read at {@code node}, checked when it is answered. */
  Submission read(Node node) {
    if (!node.up || node.paused) { // a client cannot reach a stopped process
      return new Submission.Refused(Submission.Reason.NOT_LEADER, Optional.empty());
    }
    long id = nextRequestId++;
    Submission s = node.core.readIndex(now(), id);
    if (s instanceof Accepted a) {
      node.reads.put(id, new PendingRead(id, maxAckedWrite));
      trace.record(scheduler.now(), "READ", node.id, null, "request " + id + " at read index " + a.index());
    }
    flush(node);
    return s;
  }

  /** An operator asks {@code node} to hand leadership to {@code target}. */
  Submission transfer(Node node, NodeId target) {
    if (!node.up || node.paused) {
      return new Submission.Refused(Submission.Reason.NOT_LEADER, Optional.empty());
    }
    Submission s = node.core.transferLeadership(now(), target);
    trace.record(scheduler.now(), "TRANSFER", node.id, target, s);
    flush(node);
    return s;
  }

  /** An operator asks {@code node} to make {@code newVoters} the voter set. */
  Submission changeVoters(Node node, List<NodeId> newVoters) {
    if (!node.up || node.paused) {
      return new Submission.Refused(Submission.Reason.NOT_LEADER, Optional.empty());
    }
    Submission s = node.core.changeVoters(now(), newVoters);
    trace.record(scheduler.now(), "VOTERS", node.id, null, newVoters + " " + s);
    if (s.accepted()) {
      voterChanges++;
    }
    flush(node);
    return s;
  }

  /** Stops a node as SIGSTOP would: no ticks, nothing sent or received; its state is kept. */
  public void pause(Node node) {
    lastFault = scheduler.now();
    node.paused = true;
    network.down(node.index);
  }

  public void resume(Node node) {
    lastFault = scheduler.now();
    node.paused = false;
    network.up(node.index);
  }

  public void crash(Node node) {
    if (!node.up) {
      return;
    }
    if (node.paused) {
      resume(node);
    }
    node.up = false;
    crashes++;
    lastFault = scheduler.now();
    node.incarnation++;
    node.core = null;
    node.writes.clear();
    node.reads.clear();
    network.down(node.index);
  }

  public void restart(Node node) {
    if (node.up) {
      return;
    }
    node.core = new RaftCore(node.id, voters, SETTINGS, node.durable(), random.split());
    node.up = true;
    lastFault = scheduler.now();
    node.replica = replicas.apply(node);
    node.walTail = scheduler.now();
    node.applied = 0;
    node.register = 0;
    node.hash = 0;
    node.appliedVoters = List.copyOf(voters);
    if (node.snapshot != null) {
      restore(node, node.snapshot);
    }
    network.up(node.index);
    trace.record(scheduler.now(), "RESTART", node.id, null, node.core);
    flush(node);
  }

  int indexOf(NodeId id) {
    return Integer.parseInt(id.value().substring(1)) - 1;
  }

  public int[] allBut(int i) {
    int[] out = new int[n - 1];
    int k = 0;
    for (int j = 0; j < n; j++) {
      if (j != i) {
        out[k++] = j;
      }
    }
    return out;
  }

  boolean runUntil(BooleanSupplier condition, Duration limit) {
    return scheduler.runUntil(condition, Duration.ofMillis(5), limit);
  }

  void runFor(Duration d) {
    scheduler.runFor(d);
  }

  /** Runs {@code body}; any failure becomes a SimFailure with the seed, replay command and trace. */
  public void run(Runnable body) {
    try {
      body.run();
    } catch (Throwable t) {
      String what = t.getMessage() == null ? t.toString() : t.getMessage();
      throw trace.failure(what + "\n  at virtual " + SimClock.format(scheduler.now()) + "; nodes: " + describe(),
          seed, Seeds.replayCommand("coordination", replayTest, seed), t);
    }
  }

  String describe() {
    StringBuilder out = new StringBuilder();
    for (Node node : nodes) {
      out.append("\n    ").append(node.up ? node.core.toString() : node.id + "[down]")
          .append(" applied=").append(node.applied).append(" durable=").append(node.snapshotIndex()).append("..")
          .append(node.durableLast());
    }
    return out.toString();
  }

  /**
   * Every up node that is a voter (as far as the leader knows, if there is one) has applied
   * {@code index} (and so holds the same entry there).
   */
  boolean allApplied(long index) {
    List<NodeId> members = leader().map(l -> l.core.voters()).orElse(voters);
    for (Node node : nodes) {
      if (node.up && members.contains(node.id) && node.applied < index) {
        return false;
      }
    }
    return true;
  }

  /** When the last fault began or ended (crash, restart, pause, resume, or one {@link #scheduleFaults} made). */
  public long lastFault() {
    return lastFault;
  }

  public long maxCommitted() {
    return maxCommitted;
  }

  /** The term of the entry committed at {@code index}, 0 if none is known yet. */
  long committedTerm(long index) {
    LogEntry c = committed.get(index);
    return c == null ? 0 : c.term();
  }
}
