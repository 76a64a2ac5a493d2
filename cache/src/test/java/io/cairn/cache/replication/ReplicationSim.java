package io.cairn.cache.replication;

import io.cairn.cache.cluster.ClusterCommand;
import io.cairn.cache.cluster.ClusterCommand.Join;
import io.cairn.cache.cluster.ClusterMap;
import io.cairn.cache.cluster.ClusterResult;
import io.cairn.cache.cluster.ClusterView;
import io.cairn.cache.cluster.Member;
import io.cairn.cache.cluster.Rebalancer;
import io.cairn.cache.CacheSpec;
import io.cairn.cache.CacheSpec.Capacity;
import io.cairn.cache.CacheSpec.StoreKind;
import io.cairn.cache.cluster.CacheDef;
import io.cairn.cache.partition.Partitioner;
import io.cairn.cache.replication.ReplicaCore.Action;
import io.cairn.cache.replication.ReplicaCore.Admission;
import io.cairn.cache.replication.ReplicaCore.Verdict;
import io.cairn.cache.replication.ReplicaEffect.Answer;
import io.cairn.cache.replication.ReplicaEffect.DropPartition;
import io.cairn.cache.replication.ReplicaEffect.Event;
import io.cairn.cache.replication.ReplicaEffect.Propose;
import io.cairn.cache.replication.ReplicaEffect.ReadChunk;
import io.cairn.cache.replication.ReplicaEffect.Send;
import io.cairn.cache.replication.ReplicaEffect.WriteDone;
import io.cairn.cache.replication.ReplicaMessage.Reply;
import io.cairn.cache.replication.ReplicaMessage.Replicate;
import io.cairn.cache.replication.ReplicaMessage.SyncBegin;
import io.cairn.cache.replication.ReplicaMessage.SyncChunk;
import io.cairn.cache.replication.ReplicaMessage.SyncEnd;
import io.cairn.membership.NodeId;
import io.cairn.sim.SimClock;
import io.cairn.sim.SimNetwork;
import io.cairn.sim.SimScheduler;
import io.cairn.sim.SimTrace;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A seeded simulation of the replication of partitions: {@code n} nodes, each a real {@link
 * ReplicaCore} with a model of its data (memory, and an embedded store that survives a crash); a
 * coordination group modelled as one linearizable state machine (the real {@link ClusterMap} and
 * {@link Rebalancer}, with sessions that expire a TTL after their last applied keepalive, whose
 * clock stands still while the group is unavailable); clients that read, put and delete a few
 * keys through any node (one hop to the owner); and faults: loss, delay, duplication, partitions
 * (between nodes, and between nodes and the group), crashes with restarts, pauses longer than the
 * lease, the group's outages, and nodes that join late.
 *
 * <p>Checked after every step: no two nodes serve a partition at once ({@link Admission#SERVE}).
 * Checked over the history of every key: each read returns a value some write wrote; a read sees
 * every write acknowledged before it started, unless more nodes failed since than the partitions
 * have backups (a failure: a member's session ended, or a member came back with a new one); reads
 * in real-time order never go back in version; acknowledged writes in real-time order have
 * increasing versions.
 */
final class ReplicationSim {
  static final int PARTITIONS = 8;
  static final long MS = 1_000_000L;
  static final long LEASE = 2_000 * MS;
  static final long KEEPALIVE_EVERY = 400 * MS;
  static final boolean TRACE_WRITES = Boolean.getBoolean("cairn.sim.traceWrites");
  static final String[] KEYS = {"d0", "d1", "d2", "d3", "d4", "d5", "m0", "m1", "m2", "m3", "m4", "m5"};

  final long seed;
  final int n;
  final int backups;
  final SplittableRandom random;
  final SimClock clock;
  final SimScheduler sched;
  /** When the last fault scheduled so far is over (a crashed node restarted, a pause ended, a cut healed). */
  private long faultsOverAt;
  final SimTrace trace = new SimTrace();
  final SimNetwork<Object> net;
  final Partitioner partitioner = new Partitioner(PARTITIONS);
  final ReplicaSettings settings = new ReplicaSettings(LEASE, 100 * MS, 1_000 * MS);
  final Group group = new Group();
  final SimNode[] nodes;
  final History history = new History();
  long failures;
  long nextOp = 1;
  long steps;
  // stats
  long acked;
  long unknown;
  long failed;
  long reads;
  long handOvers;
  long syncsCompleted;

  ReplicationSim(long seed, int n, int backups) {
    this.seed = seed;
    this.n = n;
    this.backups = backups;
    this.random = new SplittableRandom(seed);
    this.clock = new SimClock(SimClock.arbitraryStart(random));
    this.sched = new SimScheduler(clock);
    this.net = new SimNetwork<>(sched, random.split(), n + 1, trace, this::deliver)
        .names(i -> i == n ? "group" : "n" + i)
        .traceDeliveries(false)
        .delay(Duration.ofMillis(1), Duration.ofMillis(1 + random.nextInt(15)))
        .drop(random.nextInt(3) * 0.01)
        .duplicate(0.01);
    this.nodes = new SimNode[n];
    for (int i = 0; i < n; i++) {
      nodes[i] = new SimNode(i);
    }
  }

  long now() {
    return clock.nowNanos();
  }

  // ============================================================================ the run

  void run(Duration length) {
    int startUp = 1 + random.nextInt(n);
    for (int i = 0; i < n; i++) {
      SimNode node = nodes[i];
      if (i < startUp) {
        node.start();
      } else {
        sched.after(random.nextLong(5_000) * MS, node::start);
      }
    }
    sched.after(1 * MS, group::tick);
    sched.after(1 * MS, this::checkServers);
    scheduleFaults(length.toNanos());
    for (int c = 0; c < 4; c++) {
      sched.after((200 + random.nextInt(500)) * MS, this::client);
    }
    long end = sched.now() + length.toNanos();
    while (sched.now() < end && sched.step()) {
      steps++;
    }
    // quiet down: heal everything and let the last operations finish
    net.heal();
    group.available = true;
    clientsOn = false;
    long quiet = Math.max(sched.now(), faultsOverAt) + 10_000 * MS;
    while (sched.now() < quiet && sched.step()) {
      steps++;
    }
    history.check(this);
    // and it recovers: once every fault is over, the holders reach the target and every partition is served
    ClusterView v = group.map.view();
    if (v.assignments().pendingCount() > 0 || v.target() == null) {
      StringBuilder cores = new StringBuilder();
      for (SimNode node : nodes) {
        cores.append("\n  ").append(node.id).append(": ").append(node.up() ? node.core.describe() : "down");
      }
      throw new IllegalStateException("STUCK: ten quiet seconds after the faults ended (at "
          + Duration.ofNanos(sched.now()) + "), " + v + cores);
    }
    for (int p = 0; p < PARTITIONS; p++) {
      NodeId owner = v.assignments().owner(p);
      SimNode node = nodes[Integer.parseInt(owner.value().substring(1))];
      if (!node.up() || node.core.admit(now(), p) != Admission.SERVE) {
        throw new IllegalStateException("STUCK: ten quiet seconds after the faults ended, " + owner
            + " does not serve partition " + p + ": " + (node.up() ? node.core.admit(now(), p) : "down"));
      }
    }
  }

  private void scheduleFaults(long length) {
    long t = 2_000 * MS;
    while (true) {
      t += (500 + random.nextLong(4_000)) * MS;
      if (t >= length) {
        return; // every fault starts within the run; the quiet period starts once the last one is over
      }
      int kind = random.nextInt(6);
      sched.at(t, () -> fault(kind));
    }
  }

  private void fault(int kind) {
    SimNode victim = nodes[random.nextInt(n)];
    switch (kind) {
      case 0 -> { // crash, restart later on the same store
        if (victim.up()) {
          trace.record(sched.now(), "CRASH", victim.id, null, null);
          victim.crash();
          sched.after(lasting((300 + random.nextLong(3_000)) * MS), victim::start);
        }
      }
      case 1 -> { // pause, sometimes past the lease
        if (victim.up()) {
          long d = (200 + random.nextLong(random.nextBoolean() ? 1_000 : 5_000)) * MS;
          trace.record(sched.now(), "PAUSE", victim.id, null, d / MS + " ms");
          victim.pausedUntil = now() + lasting(d);
        }
      }
      case 2 -> { // partition: a random side against the rest, the group on one of them
        List<Integer> a = new ArrayList<>();
        List<Integer> b = new ArrayList<>();
        for (int i = 0; i <= n; i++) {
          (random.nextBoolean() ? a : b).add(i);
        }
        if (!a.isEmpty() && !b.isEmpty()) {
          trace.record(sched.now(), "PARTITION", a, b, null);
          net.partition(a.stream().mapToInt(Integer::intValue).toArray(), b.stream().mapToInt(Integer::intValue).toArray());
          sched.after(lasting((300 + random.nextLong(4_000)) * MS), () -> {
            trace.record(sched.now(), "HEAL", null, null, null);
            net.heal();
          });
        }
      }
      case 3 -> { // the group has no leader for a while
        if (group.available) {
          long d = (200 + random.nextLong(2_000)) * MS;
          trace.record(sched.now(), "GROUP-DOWN", null, null, d / MS + " ms");
          group.available = false;
          long since = now();
          sched.after(lasting(d), () -> {
            group.available = true;
            group.clockStoodStill(now() - since);
            trace.record(sched.now(), "GROUP-UP", null, null, null);
          });
        }
      }
      default -> { } // nothing: quiet periods
    }
  }

  /** A fault that lasts {@code nanos} from now: the quiet period cannot start before it is over. */
  private long lasting(long nanos) {
    faultsOverAt = Math.max(faultsOverAt, sched.now() + nanos);
    return nanos;
  }

  /** After every step: never two nodes that would serve one partition. */
  private void checkServers() {
    for (int p = 0; p < PARTITIONS; p++) {
      SimNode serving = null;
      for (SimNode node : nodes) {
        if (node.up() && node.core != null && node.core.admit(now(), p) == Admission.SERVE) {
          if (serving != null) {
            throw new IllegalStateException("TWO OWNERS: " + serving.id + " and " + node.id + " both serve partition "
                + p + " (views at revisions " + serving.core.view().revision() + " and "
                + node.core.view().revision() + ")");
          }
          serving = node;
        }
      }
    }
    sched.after(1 * MS, this::checkServers);
  }

  // ============================================================================ the network

  private void deliver(int from, int to, Object message) {
    if (to == n) {
      group.receive(from, message);
    } else {
      nodes[to].onMessage(from, message);
    }
  }

  record Req(long id, ReplicaMessage message, Object payload) {}

  record Rep(long id, Verdict verdict) {}

  record ClientOp(long id, int kind, String key, String value) {
    boolean write() {
      return kind != 0;
    }
  }

  record Fwd(long id, ClientOp op) {}

  /** An owner's answer to a forwarded op: a result, or why it was not done (a retry). */
  record FwdRep(long id, OpResult result, Admission refused) {}

  /**
   * What an op did: a read's version and value (a negative version: absent, deleted at minus it;
   * 0: absent, unknown since when), or a write's version, whether its outcome is unknown, and how
   * many nodes held it when it was acknowledged.
   */
  record OpResult(long version, String value, boolean unknown, int replicas) {}

  record GroupCall(long id, Object body) {}

  record GroupReply(long id, Object body) {}

  record CreateSession() {}

  record KeepAlive(long session) {}

  record Poll() {}

  record ViewPush(ClusterView view) {}

  // ============================================================================ the group

  final class Group {
    final ClusterMap map = new ClusterMap();
    final Rebalancer rebalancer = new Rebalancer(1_000 * MS, 3, 5_000 * MS);
    final Map<Long, Long> deadlines = new HashMap<>();
    long index;
    boolean available = true;
    long lastRebalance;
    boolean defined;

    void receive(int from, Object m) {
      if (!available || !(m instanceof GroupCall call)) {
        return;
      }
      // committed a little later: by then the group may be down (the answer is lost; the command
      // still applies half the time, as an entry that a new leader commits)
      long delay = (1 + random.nextInt(4)) * MS;
      sched.after(delay, () -> {
        boolean lost = !available;
        if (lost && random.nextBoolean()) {
          return;
        }
        Object answer = apply(call.body());
        if (!lost && answer != null) {
          net.send(n, from, new GroupReply(call.id(), answer));
        }
      });
    }

    private Object apply(Object body) {
      if (body instanceof CreateSession) {
        long s = ++index;
        deadlines.put(s, now() + LEASE);
        return s;
      }
      if (body instanceof KeepAlive k) {
        ++index;
        if (!deadlines.containsKey(k.session())) {
          return false;
        }
        deadlines.put(k.session(), now() + LEASE);
        return true;
      }
      if (body instanceof Poll) {
        return new ViewPush(map.view());
      }
      ClusterCommand c = (ClusterCommand) body;
      long before = map.view().revision();
      Map<NodeIdKey, Long> sessionsBefore = memberSessions();
      ClusterResult r = ClusterResult.decode(map.apply(++index, c.encode(), deadlines::containsKey));
      if (c instanceof Join j) {
        Long old = sessionsBefore.get(new NodeIdKey(j.node()));
        if (old != null && old != j.session() && r instanceof ClusterResult.Done) {
          failures++;
          trace.record(sched.now(), "REJOINED", j.node(), null, "failures " + failures);
        }
      }
      if (map.view().revision() != before) {
        pushView();
      }
      return r;
    }

    private Map<NodeIdKey, Long> memberSessions() {
      Map<NodeIdKey, Long> m = new HashMap<>();
      for (Member member : map.view().members().values()) {
        m.put(new NodeIdKey(member.id()), member.session());
      }
      return m;
    }

    void tick() {
      if (available) {
        List<Long> expired = new ArrayList<>();
        deadlines.forEach((s, d) -> {
          if (now() - d >= 0) {
            expired.add(s);
          }
        });
        expired.sort(null);
        if (!expired.isEmpty()) {
          index++;
          for (long s : expired) {
            deadlines.remove(s);
            if (map.view().memberWithSession(s) != null) {
              failures++;
              trace.record(sched.now(), "EXPIRED", map.view().memberWithSession(s).id(), null,
                  "session " + s + ", failures " + failures);
            }
          }
          long before = map.view().revision();
          map.sessionsEnded(index, expired);
          if (map.view().revision() != before) {
            pushView();
          }
        }
        if (!defined && map.view().formed()) {
          defined = true;
          apply(new ClusterCommand.Define(new CacheDef("c", new CacheSpec(Capacity.entries(1000), null,
              StoreKind.JDBC, backups), 0)));
        }
        if (sched.now() - lastRebalance >= 200 * MS) {
          lastRebalance = sched.now();
          rebalancer.next(map.view(), now()).ifPresent(c -> {
            trace.record(sched.now(), "REBALANCE", null, null, c);
            apply(c);
          });
        }
      }
      sched.after(100 * MS, this::tick);
    }

    void clockStoodStill(long nanos) {
      deadlines.replaceAll((s, d) -> d + nanos);
    }

    void pushView() {
      ClusterView v = map.view();
      for (int i = 0; i < n; i++) {
        net.send(n, i, new ViewPush(v));
      }
    }
  }

  record NodeIdKey(NodeId id) {}

  // ============================================================================ the nodes

  record Versioned(long version, String value) {}

  record Chunk(List<Map.Entry<String, Versioned>> entries) {}

  final class SimNode {
    final int index;
    final NodeId id;
    /** Survives crashes: the embedded store of the keys starting with 'd'. */
    final TreeMap<String, Versioned> store = new TreeMap<>();
    int incarnation;
    boolean crashed = true;
    long pausedUntil;
    ReplicaCore core;
    // per incarnation
    TreeMap<String, Versioned> memory;
    Map<String, Long> tombstones;
    Map<Integer, Map<String, Long>> syncTombstones;
    long[] hwm;
    long session;
    Map<Long, Object[]> outbound; // request id -> {to NodeId, message}
    Map<Long, Consumer<Object>> calls;
    Map<Long, Req> deferredReqs;
    Map<Long, Versioned[]> payloads; // write id -> {key, versioned} as Object
    Map<Long, String> payloadKeys;
    Map<Long, Chunk> chunks;
    Map<Long, String> cursors;
    Map<String, ArrayDeque<Runnable>> keyQueues;
    Map<Long, PendingWrite> pendingWrites;
    Map<Long, Consumer<FwdRep>> forwards;
    java.util.Set<Long> seenForwards;
    long nextId = 1;

    record PendingWrite(ClientOp op, Consumer<FwdRep> reply, long version) {}

    SimNode(int index) {
      this.index = index;
      this.id = NodeId.of("n" + index);
    }

    boolean up() {
      return !crashed;
    }

    void start() {
      if (!crashed) {
        return;
      }
      crashed = false;
      incarnation++;
      net.up(index);
      core = new ReplicaCore(id, settings);
      memory = new TreeMap<>();
      tombstones = new HashMap<>();
      syncTombstones = new HashMap<>();
      hwm = new long[PARTITIONS];
      for (var e : store.entrySet()) {
        int p = partitioner.partitionOf(e.getKey());
        hwm[p] = Math.max(hwm[p], e.getValue().version());
      }
      outbound = new HashMap<>();
      calls = new HashMap<>();
      deferredReqs = new HashMap<>();
      payloads = new HashMap<>();
      payloadKeys = new HashMap<>();
      chunks = new HashMap<>();
      cursors = new HashMap<>();
      keyQueues = new HashMap<>();
      pendingWrites = new HashMap<>();
      forwards = new HashMap<>();
      seenForwards = new java.util.HashSet<>();
      session = 0;
      trace.record(sched.now(), "START", id, null, "incarnation " + incarnation);
      createSession();
      int inc = incarnation;
      timer(inc, 50 * MS, this::tick);
      timer(inc, KEEPALIVE_EVERY, this::keepAlive);
      timer(inc, 500 * MS, this::poll);
    }

    void crash() {
      crashed = true;
      net.down(index);
      core = null;
    }

    /** Runs {@code action} as this incarnation, unless it crashed; waits out a pause. */
    void run(int inc, Runnable action) {
      if (crashed || inc != incarnation) {
        return;
      }
      if (pausedUntil != 0 && now() - pausedUntil < 0) {
        sched.at(clock.elapsedNanos() + (pausedUntil - now()), () -> run(inc, action));
        return;
      }
      action.run();
      effects();
    }

    void timer(int inc, long every, Runnable action) {
      sched.after(every, () -> {
        if (crashed || inc != incarnation) {
          return;
        }
        run(inc, action);
        timer(inc, every, action);
      });
    }

    void tick() {
      core.tick(now());
    }

    // ---- the lease and the view

    void createSession() {
      long sentAt = now();
      call(new CreateSession(), 500 * MS, r -> {
        if (r instanceof Long s && session == 0) {
          session = s;
          core.leaseRenewed(now(), s, sentAt);
          join();
        } else if (r == null && session == 0) {
          createSession();
        }
      });
    }

    void join() {
      long s = session;
      call(new Join(id, s, "", PARTITIONS, "embedded"), 500 * MS, r -> {
        Member me = core.view().members().get(id);
        if (s == session && (r == null || r instanceof ClusterResult.Refused) && (me == null || me.session() != s)) {
          sched.after(100 * MS, () -> run(incarnation, this::join));
        }
      });
    }

    void keepAlive() {
      if (session == 0) {
        return;
      }
      long s = session;
      long sentAt = now();
      call(new KeepAlive(s), 500 * MS, r -> {
        if (Boolean.TRUE.equals(r)) {
          core.leaseRenewed(now(), s, sentAt);
        } else if (Boolean.FALSE.equals(r) && s == session) {
          core.leaseEnded(now(), s);
          session = 0;
          createSession();
        }
      });
    }

    void poll() {
      call(new Poll(), 500 * MS, r -> {
        if (r instanceof ViewPush v) {
          core.viewChanged(now(), v.view());
        }
      });
    }

    void call(Object body, long timeout, Consumer<Object> then) {
      long cid = nextId++;
      calls.put(cid, then);
      net.send(index, n, new GroupCall(cid, body));
      int inc = incarnation;
      sched.after(timeout, () -> {
        Consumer<Object> c = calls.remove(cid);
        if (c != null) {
          run(inc, () -> c.accept(null));
        }
      });
    }

    // ---- messages

    void onMessage(int from, Object m) {
      int inc = incarnation;
      run(inc, () -> handle(from, m));
    }

    private void handle(int from, Object m) {
      if (m instanceof GroupReply r) {
        Consumer<Object> c = calls.remove(r.id());
        if (c != null) {
          c.accept(r.body());
        }
      } else if (m instanceof ViewPush v) {
        core.viewChanged(now(), v.view());
      } else if (m instanceof Req q) {
        long local = ((long) from << 40) | q.id();
        if (deferredReqs.containsKey(local)) {
          return; // a duplicate of a request that waits already
        }
        Verdict v = core.receive(now(), local, nodes[from].id, q.message());
        if (v == null) {
          deferredReqs.put(local, q);
        } else {
          act(q, v);
          net.send(index, from, new Rep(q.id(), v));
        }
      } else if (m instanceof Rep r) {
        Object[] out = outbound.remove(r.id());
        if (out != null) {
          core.answered(now(), (NodeId) out[0], (ReplicaMessage) out[1], r.verdict().reply());
        }
      } else if (m instanceof Fwd f) {
        if (!seenForwards.add(((long) from << 40) | f.id())) {
          return; // a duplicate: a write runs at most once
        }
        execute(f.op(), rep -> net.send(index, from, new FwdRep(f.id(), rep.result(), rep.refused())));
      } else if (m instanceof FwdRep r) {
        Consumer<FwdRep> c = forwards.remove(r.id());
        if (c != null) {
          c.accept(r);
        }
      }
    }

    /** Does what an accepted request asks of this node's data. */
    private void act(Req q, Verdict v) {
      if (!(q.message() instanceof Replicate) || TRACE_WRITES) {
        trace.record(sched.now(), "RECV", id, v.action(), q.message() + " " + q.payload());
      }
      if (v.action() != Action.APPLY) {
        return;
      }
      ReplicaMessage m = q.message();
      int p = m.partition();
      if (m instanceof Replicate) {
        @SuppressWarnings("unchecked")
        Map.Entry<String, Versioned> w = (Map.Entry<String, Versioned>) q.payload();
        merge(p, w.getKey(), w.getValue(), true);
      } else if (m instanceof SyncBegin) {
        clear(p);
        syncTombstones.put(p, new HashMap<>());
      } else if (m instanceof SyncChunk) {
        for (Map.Entry<String, Versioned> e : ((Chunk) q.payload()).entries()) {
          merge(p, e.getKey(), e.getValue(), false);
        }
      } else if (m instanceof SyncEnd) {
        syncTombstones.remove(p);
      }
    }

    /** Applies an entry (value null: a delete) if it is newer than what this node has of the key. */
    private void merge(int p, String key, Versioned v, boolean live) {
      Versioned cur = current(key);
      long known = Math.max(cur == null ? 0 : cur.version(), tombstones.getOrDefault(key, 0L));
      Map<String, Long> st = syncTombstones.get(p);
      if (st != null) {
        known = Math.max(known, st.getOrDefault(key, 0L));
      }
      hwm[p] = Math.max(hwm[p], v.version());
      if (v.version() <= known) {
        return;
      }
      if (v.value() == null) {
        memory.remove(key);
        store.remove(key);
        tombstones.put(key, v.version());
        if (st != null) {
          st.put(key, v.version());
        }
      } else {
        memory.put(key, v);
        if (key.startsWith("d")) {
          store.put(key, v);
        }
      }
    }

    private Versioned current(String key) {
      Versioned v = memory.get(key);
      return v != null ? v : key.startsWith("d") ? store.get(key) : null;
    }

    private void clear(int p) {
      memory.keySet().removeIf(k -> partitioner.partitionOf(k) == p);
      store.keySet().removeIf(k -> partitioner.partitionOf(k) == p);
      tombstones.keySet().removeIf(k -> partitioner.partitionOf(k) == p);
    }

    // ---- effects

    void effects() {
      if (core == null) {
        return;
      }
      for (ReplicaEffect e : core.drainEffects()) {
        if (e instanceof Send s) {
          long rid = nextId++;
          Object payload = null;
          if (s.message() instanceof Replicate r) {
            payload = Map.entry(payloadKeys.get(r.writeId()), payloads.get(r.writeId())[0]);
          } else if (s.message() instanceof SyncChunk c) {
            payload = chunks.get(c.syncId() * 1000 + c.seq());
          }
          outbound.put(rid, new Object[] {s.to(), s.message()});
          net.send(index, Integer.parseInt(s.to().value().substring(1)), new Req(rid, s.message(), payload));
          int inc = incarnation;
          sched.after(300 * MS, () -> {
            if (inc == incarnation && !crashed) {
              Object[] out = outbound.remove(rid);
              if (out != null) {
                run(inc, () -> core.answered(now(), (NodeId) out[0], (ReplicaMessage) out[1], Reply.FAILED));
              }
            }
          });
        } else if (e instanceof WriteDone d) {
          writeDone(d.writeId(), d.acknowledged());
        } else if (e instanceof ReadChunk rc) {
          readChunk(rc);
        } else if (e instanceof Propose pr) {
          int inc = incarnation;
          call(pr.command(), 500 * MS, r -> core.proposed(now(), pr.command(), (ClusterResult) r));
          trace.record(sched.now(), "PROPOSE", id, null, pr.command());
        } else if (e instanceof Answer a) {
          Req q = deferredReqs.remove(a.requestId());
          if (q != null) {
            act(q, a.verdict());
            net.send(index, (int) (a.requestId() >>> 40), new Rep(q.id(), a.verdict()));
          }
        } else if (e instanceof DropPartition dp) {
          clear(dp.partition());
        } else if (e instanceof Event ev) {
          trace.record(sched.now(), ev.kind().name(), id, ev.node(), "p" + ev.partition() + " " + ev.detail());
          if (ev.kind() == Event.Kind.HANDED_OVER) {
            handOvers++;
          } else if (ev.kind() == Event.Kind.SYNC_COMPLETED) {
            syncsCompleted++;
          } else if (ev.kind() == Event.Kind.SYNC_STARTED) {
            syncsStarted++;
          } else if (ev.kind() == Event.Kind.SYNC_ABANDONED) {
            syncsAbandoned++;
          }
        }
      }
    }

    private void readChunk(ReadChunk rc) {
      int inc = incarnation;
      List<Map.Entry<String, Versioned>> all = new ArrayList<>();
      TreeMap<String, Versioned> union = new TreeMap<>();
      for (var e : memory.entrySet()) {
        if (partitioner.partitionOf(e.getKey()) == rc.partition() && e.getKey().startsWith("m")) {
          union.put(e.getKey(), e.getValue());
        }
      }
      for (var e : store.entrySet()) {
        if (partitioner.partitionOf(e.getKey()) == rc.partition()) {
          union.put(e.getKey(), e.getValue());
        }
      }
      // by key, after the last key of the chunk before (the partition changes meanwhile)
      String after = rc.seq() == 0 ? null : cursors.get(rc.syncId() * 1000 + rc.seq() - 1);
      (after == null ? union : union.tailMap(after, false)).forEach((k, v) -> all.add(Map.entry(k, v)));
      boolean last = all.size() <= 2;
      List<Map.Entry<String, Versioned>> slice = all.subList(0, Math.min(2, all.size()));
      chunks.put(rc.syncId() * 1000 + rc.seq(), new Chunk(List.copyOf(slice)));
      cursors.put(rc.syncId() * 1000 + rc.seq(), slice.isEmpty() ? after : slice.get(slice.size() - 1).getKey());
      boolean fail = random.nextInt(50) == 0;
      sched.after((1 + random.nextInt(3)) * MS, () -> run(inc, () -> {
        if (fail) {
          core.chunkFailed(now(), rc.syncId(), rc.seq());
        } else {
          core.chunkRead(now(), rc.syncId(), rc.seq(), last);
        }
      }));
    }

    // ---- client operations at the owner

    /** Runs {@code op} here if this node serves its partition; otherwise says why not. */
    void execute(ClientOp op, Consumer<FwdRep> reply) {
      int p = partitioner.partitionOf(op.key());
      Admission a = core.admit(now(), p);
      if (a != Admission.SERVE) {
        reply.accept(new FwdRep(0, null, a));
        return;
      }
      if (!op.write()) {
        Versioned hit = memory.get(op.key());
        if (hit != null) {
          answerRead(op, p, hit, reply);
          return;
        }
      }
      withKey(op.key(), () -> {
        if (op.write()) {
          write(op, p, reply);
        } else {
          answerRead(op, p, current(op.key()), reply);
          releaseKey(op.key());
        }
      });
    }

    private void answerRead(ClientOp op, int p, Versioned v, Consumer<FwdRep> reply) {
      if (core.admit(now(), p) != Admission.SERVE) { // the lease is checked after the read
        reply.accept(new FwdRep(0, null, Admission.RETRY));
        return;
      }
      long version = v != null ? v.version() : tombstones.getOrDefault(op.key(), 0L);
      reply.accept(new FwdRep(0, new OpResult(v == null ? -version : version, v == null ? null : v.value(), false, 0),
          null));
    }

    private void write(ClientOp op, int p, Consumer<FwdRep> reply) {
      long wid = core.beginWrite(now(), p);
      if (wid == 0) {
        releaseKey(op.key());
        reply.accept(new FwdRep(0, null, Admission.RETRY));
        return;
      }
      Versioned cur = current(op.key());
      long version = Math.max(Math.max(hwm[p], cur == null ? 0 : cur.version()) + 1,
          (now() - clock.startNanos()) / 1_000);
      hwm[p] = version;
      Versioned v = new Versioned(version, op.kind() == 2 ? null : op.value());
      history.assigned(op.id(), version);
      if (op.key().startsWith("d")) { // the store first
        if (v.value() == null) {
          store.remove(op.key());
        } else {
          store.put(op.key(), v);
        }
      }
      payloads.put(wid, new Versioned[] {v});
      payloadKeys.put(wid, op.key());
      pendingWrites.put(wid, new PendingWrite(op, reply, version));
      core.replicate(now(), wid);
    }

    private void writeDone(long wid, boolean ok) {
      PendingWrite w = pendingWrites.remove(wid);
      if (w == null) {
        return;
      }
      String key = w.op().key();
      if (ok) {
        Versioned v = payloads.get(wid)[0];
        if (v.value() == null) {
          memory.remove(key);
          tombstones.put(key, v.version());
        } else {
          memory.put(key, v);
        }
      }
      releaseKey(key);
      int replicas = 1 + core.view().assignments().holders(partitioner.partitionOf(key)).backups().size();
      if (ok) {
        history.acknowledged(w.op().id(), failures); // the failures that may take it start here
      }
      w.reply().accept(new FwdRep(0, new OpResult(w.version(), null, !ok, replicas), null));
    }

    private void withKey(String key, Runnable action) {
      ArrayDeque<Runnable> q = keyQueues.get(key);
      if (q == null) {
        keyQueues.put(key, new ArrayDeque<>());
        action.run();
      } else {
        q.add(action);
      }
    }

    private void releaseKey(String key) {
      ArrayDeque<Runnable> q = keyQueues.get(key);
      if (q == null) {
        return;
      }
      Runnable next = q.poll();
      if (next == null) {
        keyQueues.remove(key);
      } else {
        next.run();
      }
    }

    // ---- client operations at the entry node

    /** Routes {@code op} to the owner this node knows, retrying until {@code deadline}. */
    void route(ClientOp op, long deadline, Consumer<OpResult> done) {
      int p = partitioner.partitionOf(op.key());
      if (now() - deadline >= 0) {
        done.accept(null);
        return;
      }
      int inc = incarnation;
      Runnable retry = () -> sched.after(20 * MS, () -> run(inc, () -> route(op, deadline, done)));
      Admission a = core.admit(now(), p);
      if (a == Admission.SERVE) {
        execute(op, rep -> {
          if (rep.result() != null) {
            done.accept(rep.result());
          } else {
            retry.run();
          }
        });
        return;
      }
      NodeId owner = core.view().formed() ? core.view().assignments().owner(p) : null;
      if (a != Admission.NOT_OWNER || owner == null || owner.equals(id)) {
        retry.run();
        return;
      }
      long fid = nextId++;
      forwards.put(fid, rep -> {
        if (rep.result() != null) {
          done.accept(rep.result());
        } else {
          retry.run();
        }
      });
      net.send(index, Integer.parseInt(owner.value().substring(1)), new Fwd(fid, op));
      sched.after(300 * MS, () -> run(inc, () -> {
        if (forwards.remove(fid) != null) {
          if (op.write()) {
            done.accept(new OpResult(0, null, true, 0)); // sent once: its outcome is unknown
          } else {
            retry.run();
          }
        }
      }));
    }
  }

  // ============================================================================ clients

  boolean clientsOn = true;

  private void client() {
    if (!clientsOn) {
      return;
    }
    SimNode entry = nodes[random.nextInt(n)];
    String key = KEYS[random.nextInt(KEYS.length)];
    int roll = random.nextInt(10);
    int kind = roll < 5 ? 0 : roll < 9 ? 1 : 2;
    ClientOp op = new ClientOp(nextOp++, kind, key, kind == 1 ? "v" + nextOp : null);
    if (entry.up()) {
      History.Op h = history.invoke(op, sched.now(), failures);
      int inc = entry.incarnation;
      entry.run(inc, () -> entry.route(op, now() + 1_500 * MS,
          r -> history.complete(h, r, sched.now(), failures)));
    }
    sched.after((5 + random.nextInt(40)) * MS, this::client);
  }

  long syncsStarted;
  long syncsAbandoned;

  String summary() {
    return "ops " + (nextOp - 1) + " (acked writes " + history.ackedWrites + ", unknown " + history.unknownWrites
        + ", reads " + history.reads + ", failed " + history.failedOps + "), failures " + failures + ", hand-overs "
        + handOvers + ", syncs " + syncsCompleted + " of " + syncsStarted + " (" + syncsAbandoned + " abandoned), steps "
        + steps + ", final " + group.map.view();
  }
}
