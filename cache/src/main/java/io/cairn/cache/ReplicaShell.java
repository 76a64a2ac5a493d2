package io.cairn.cache;

import io.cairn.cache.cluster.ClusterCommand;
import io.cairn.cache.cluster.ClusterMap;
import io.cairn.cache.cluster.ClusterResult;
import io.cairn.cache.cluster.ClusterView;
import io.cairn.cache.cluster.Member;
import io.cairn.cache.cluster.Rebalancer;
import io.cairn.cache.partition.Partitioner;
import io.cairn.cache.replication.ReplicaCore;
import io.cairn.cache.replication.ReplicaCore.Action;
import io.cairn.cache.replication.ReplicaCore.Verdict;
import io.cairn.cache.replication.ReplicaEffect;
import io.cairn.cache.replication.ReplicaMessage;
import io.cairn.cache.replication.ReplicaSettings;
import io.cairn.coordination.Coordination;
import io.cairn.coordination.PrimitiveService;
import io.cairn.coordination.machine.CoordinationState;
import io.cairn.coordination.machine.PrimitiveResult;
import io.cairn.membership.Address;
import io.cairn.membership.Membership;
import io.cairn.membership.NodeId;
import io.cairn.membership.transport.Channel;
import io.cairn.membership.transport.Transport;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs this node's {@link ReplicaCore} on one Vert.x context: it keeps the node's ownership lease
 * (a session of the coordination group, joined to the cluster map), follows the map's committed
 * views, carries the core's messages to the other holders of its partitions and theirs to it,
 * applies what they send to this node's data, reads the chunks of its syncs, and proposes what the
 * core asks. At the coordination leader it also answers the views' long polls and runs the
 * {@link Rebalancer}.
 */
final class ReplicaShell extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(ReplicaShell.class);
  private static final long TICK_MILLIS = 50;
  private static final int CHUNK_ITEMS = 512;
  private static final long CHUNK_BYTES = 1 << 20;
  private static final Duration WATCH_WAIT = Duration.ofSeconds(20);
  private static final Duration REBALANCE_EVERY = Duration.ofMillis(200);
  private static final long RETRY_MILLIS = 200;
  static final byte WATCH = 1;

  private final NodeId self;
  private final ClusterSettings settings;
  private final NodeCacheService local;
  private final Coordination coordination;
  private final PrimitiveService primitives;
  private final CoordinationState state;
  private final ClusterMap map;
  private final Transport transport;
  private final Membership membership;
  private final Partitioner partitioner;
  private final String storeKind;
  private final Consumer<String> fatal;
  private final List<io.cairn.cache.cluster.CacheDef> configured;
  private final ReplicaCore core;
  private final CacheMetrics metrics;
  private volatile Routing routing = Routing.NONE;

  /** The event loop of this verticle's context, which alone drives the core. */
  private volatile Thread coreThread;

  // On this verticle's context:
  private long session;
  private boolean creatingSession;
  private final Map<Long, Change> payloads = new HashMap<>();
  private final Set<Long> finished = new HashSet<>();
  private final Map<Long, Promise<Boolean>> writes = new HashMap<>();
  private final Map<Long, NodeCacheService.ChunkCursor> cursors = new HashMap<>();
  private final Map<Long, List<Change>> chunks = new HashMap<>();
  private final Map<Long, Inbound> deferred = new HashMap<>();
  /** Per partition, its last replica action; an action ends (on whatever thread) by removing itself. */
  private final Map<Integer, Future<Void>> lanes = new ConcurrentHashMap<>();
  private final List<ViewWaiter> viewWaiters = new ArrayList<>();
  private long nextInbound = 1;
  private long ticks;
  private long lastRevisionApplied;
  private long lastPublishedRevision = -1;
  private boolean lastLeaseHeld;
  private long lastLeaseUntil;
  private Set<Integer> lastHandingOver = Set.of();

  // At the coordination leader, on the coordination context:
  private final Rebalancer rebalancer;
  private final List<WatchWaiter> watchers = new ArrayList<>();
  private boolean rebalancing;
  /** When this node last ran its leader's duties: soon after, a change of the map runs the rebalancer at once. */
  private long ledAt = System.nanoTime() - Duration.ofDays(1).toNanos();

  private record Inbound(NodeId from, CacheWire.Replica replica, Promise<Buffer> reply) {}

  private record ViewWaiter(long revision, Promise<Void> promise) {}

  private record WatchWaiter(long after, Promise<byte[]> promise, long timer) {}

  ReplicaShell(NodeId self, ClusterSettings settings, NodeCacheService local, Coordination coordination,
      PrimitiveService primitives, CoordinationState state, ClusterMap map, Transport transport,
      Membership membership, String storeKind, List<io.cairn.cache.cluster.CacheDef> configured, CacheMetrics metrics,
      Consumer<String> fatal) {
    this.self = self;
    this.settings = settings;
    this.local = local;
    this.coordination = coordination;
    this.primitives = primitives;
    this.state = state;
    this.map = map;
    this.transport = transport;
    this.membership = membership;
    this.partitioner = new Partitioner(local.partitionCount());
    this.storeKind = storeKind;
    this.metrics = metrics;
    this.fatal = fatal;
    this.configured = List.copyOf(configured);
    long lease = settings.lease().toNanos();
    this.core = new ReplicaCore(self, new ReplicaSettings(lease, Duration.ofMillis(200).toNanos(), lease));
    this.rebalancer = new Rebalancer(settings.rebalanceDelay().toNanos(), settings.maxMigrations(),
        settings.orphanTimeout().toNanos());
    state.onExtension(this::extensionChanged);
    coordination.serveCalls(CoordinationState.EXTENSION, this::serveWatch);
  }

  @Override
  public Future<?> start() {
    coreThread = Thread.currentThread();
    viewChanged(map.view()); // a voter that restarted has the map it applied
    vertx.setPeriodic(TICK_MILLIS, id -> tick());
    long every = Math.max(100, settings.lease().toMillis() / 5);
    vertx.setPeriodic(every, id -> keepAlive());
    createSession();
    watch();
    return Future.succeededFuture();
  }

  /** Starts the leader's duties; call it once the coordination verticle is deployed. */
  void startLeaderDuties() {
    coordination.whileLeading(REBALANCE_EVERY, term -> {
      ledAt = System.nanoTime();
      rebalance();
    });
  }

  /** Whether this node takes part: its lease session joined, and its lease is valid now. */
  boolean serving() {
    Routing r = routing;
    return r.joined() && r.leaseValid(System.nanoTime());
  }

  /** What this node routes by now; any thread. */
  Routing routing() {
    return routing;
  }

  ReplicaCore.Admission admit(int partition) {
    return routing.admit(System.nanoTime(), partition);
  }

  // ============================================================================ writes (any thread)

  /** Starts a write of {@code partition} at its owner: its id, or a failure saying why not. */
  Future<Long> beginWrite(int partition) {
    return onCore(() -> {
      long now = System.nanoTime();
      ReplicaCore.Admission a = core.admit(now, partition);
      if (a != ReplicaCore.Admission.SERVE) {
        return Future.failedFuture(new NotServed(a, core.view().formed() ? core.view().assignments().epoch() : 0));
      }
      return Future.succeededFuture(core.beginWrite(now, partition));
    });
  }

  /** The write was done here: its change goes to the partition's other holders; true once acknowledged. */
  Future<Boolean> replicate(long writeId, Change change) {
    return onCore(() -> {
      Promise<Boolean> done = Promise.promise();
      writes.put(writeId, done);
      payloads.put(writeId, change);
      core.replicate(System.nanoTime(), writeId);
      flush();
      return done.future();
    });
  }

  /** The write stopped here (a precondition, the store): nothing was sent. */
  void abandon(long writeId) {
    runOnCore(() -> core.abandon(System.nanoTime(), writeId));
  }

  /** Completes once this node's view is at least at {@code revision}. */
  Future<Void> viewAt(long revision) {
    return onCore(() -> {
      if (core.view().revision() >= revision) {
        return Future.succeededFuture();
      }
      Promise<Void> p = Promise.promise();
      viewWaiters.add(new ViewWaiter(revision, p));
      return p.future();
    });
  }

  /** Why a write was not admitted here, and this node's epoch. */
  static final class NotServed extends RuntimeException {
    final ReplicaCore.Admission admission;
    final long epoch;

    NotServed(ReplicaCore.Admission admission, long epoch) {
      super(admission.name(), null, false, false);
      this.admission = admission;
      this.epoch = epoch;
    }
  }

  // ============================================================================ inbound replica messages

  /** A replica message from another node's owner (any thread): applied, then answered. */
  Future<Buffer> receive(NodeId from, CacheWire.Replica replica) {
    if (context == null) {
      return Future.succeededFuture(CacheWire.retry()); // not started yet: the owner sends it again
    }
    Promise<Buffer> reply = Promise.promise();
    runOnCore(() -> {
      long id = nextInbound++;
      Verdict v = core.receive(System.nanoTime(), id, from, replica.message());
      if (v == null) {
        deferred.put(id, new Inbound(from, replica, reply));
      } else {
        act(new Inbound(from, replica, reply), v);
      }
    });
    return reply.future();
  }

  /** Does what a verdict says, in the order of the verdicts of its partition. */
  private void act(Inbound in, Verdict v) {
    if (v.action() == Action.REJECT) {
      in.reply().complete(CacheWire.rejected(v.epoch()));
      return;
    }
    if (v.action() == Action.ACK) {
      in.reply().complete(CacheWire.ok());
      return;
    }
    ReplicaMessage m = in.replica().message();
    int p = m.partition();
    lane(p, () -> {
      Future<Void> done;
      if (m instanceof ReplicaMessage.Replicate) {
        done = local.apply(p, in.replica().changes().get(0));
      } else if (m instanceof ReplicaMessage.SyncBegin) {
        done = local.beginSync(p);
      } else if (m instanceof ReplicaMessage.SyncChunk) {
        Future<Void> all = Future.succeededFuture();
        for (Change c : in.replica().changes()) {
          all = all.compose(x -> local.apply(p, c));
        }
        done = all;
      } else {
        local.endSync(p);
        done = Future.succeededFuture();
      }
      return done.onComplete(ar -> in.reply().complete(ar.succeeded() ? CacheWire.ok()
          : CacheWire.failure(ar.cause() instanceof CacheFailure f ? f
              : CacheFailure.storeUnavailable(String.valueOf(ar.cause().getMessage()), ar.cause()))));
    });
  }

  /** Runs {@code action} after every earlier action of the partition (on this context), in order. */
  private void lane(int partition, Supplier<Future<Void>> action) {
    Future<Void> tail = lanes.getOrDefault(partition, Future.succeededFuture());
    Future<Void> next = tail.transform(ar -> {
      try {
        return action.get().transform(x -> Future.<Void>succeededFuture());
      } catch (RuntimeException e) {
        log.warn("replica action of partition {} failed", partition, e);
        return Future.<Void>succeededFuture();
      }
    });
    lanes.put(partition, next);
    next.onComplete(ar -> lanes.remove(partition, next));
  }

  // ============================================================================ the lease

  private void createSession() {
    if (creatingSession) {
      return;
    }
    creatingSession = true;
    long sentAt = System.nanoTime();
    primitives.createSession(settings.lease().toMillis()).onComplete(ar -> runOnCore(() -> {
      creatingSession = false;
      if (ar.succeeded() && ar.result() instanceof PrimitiveResult.SessionCreated created) {
        session = created.id();
        core.leaseRenewed(System.nanoTime(), session, sentAt);
        join(session);
      } else {
        log.debug("{} could not open its lease session yet: {}", self,
            ar.failed() ? ar.cause().getMessage() : ar.result());
        vertx.setTimer(RETRY_MILLIS, id -> createSession());
      }
    }));
  }

  private void join(long joining) {
    ClusterCommand.Join cmd = new ClusterCommand.Join(self, joining, settings.zone(), partitioner.partitionCount(),
        storeKind, configured);
    propose(cmd).onComplete(ar -> runOnCore(() -> {
      if (joining != session) {
        return;
      }
      if (ar.succeeded() && ar.result() instanceof ClusterResult.Refused refused) {
        if (refused.reason().contains("partitions") || refused.reason().contains("stores")) {
          fatal.accept(refused.reason());
          return;
        }
        log.info("{} cannot join the cluster's caches yet: {}", self, refused.reason());
      }
      if (ar.failed() || ar.result() instanceof ClusterResult.Refused) {
        vertx.setTimer(RETRY_MILLIS, id -> join(joining));
      } else {
        log.info("{} joined the cluster's caches with lease session {}", self, joining);
        ClusterResult.Done done = (ClusterResult.Done) ar.result();
        viewAt(done.revision()).onSuccess(v -> runOnCore(this::reportConfigured));
      }
    }));
  }

  /** Says, for each cache of this node's configuration, whether the join created it. */
  private void reportConfigured() {
    for (io.cairn.cache.cluster.CacheDef mine : configured) {
      io.cairn.cache.cluster.CacheDef now = core.view().caches().get(mine.name());
      if (mine.equals(now)) {
        log.info("created cache {} from the configuration: {}", mine.name(), mine.spec());
      } else if (now != null && !now.spec().equals(mine.spec())) {
        log.info("cache {} exists with another configuration than {} (changed through the API?): left as it is: {}",
            mine.name(), mine.spec(), now.spec());
      }
    }
  }

  private void keepAlive() {
    long s = session;
    if (s == 0) {
      return;
    }
    long sentAt = System.nanoTime();
    primitives.keepAlive(s).onComplete(ar -> runOnCore(() -> {
      if (ar.failed() || s != session) {
        return; // the next keepalive tries again; the lease runs out meanwhile if none gets through
      }
      if (ar.result() instanceof PrimitiveResult.KeptAlive kept && !kept.renewals().isEmpty()
          && kept.renewals().get(0).alive()) {
        core.leaseRenewed(System.nanoTime(), s, sentAt);
      } else {
        log.warn("{}: its lease session {} is over (its TTL ran out without a keepalive): it serves no partition"
            + " until it joins again", self, s);
        core.leaseEnded(System.nanoTime(), s);
        session = 0;
        createSession();
      }
    }));
  }

  // ============================================================================ views

  /** Long-polls the leader for each newer view (every node; a voter also learns them as it applies). */
  private void watch() {
    long after = core.view().revision();
    byte[] body = new byte[9];
    body[0] = WATCH;
    java.nio.ByteBuffer.wrap(body, 1, 8).putLong(after);
    coordination.call(CoordinationState.EXTENSION, body, WATCH_WAIT).onComplete(ar -> runOnCore(() -> {
      if (ar.failed()) {
        vertx.setTimer(RETRY_MILLIS, id -> watch());
        return;
      }
      try {
        viewChanged(ClusterView.decode(ar.result()));
      } catch (IllegalArgumentException e) {
        log.warn("{}: a malformed view of the cluster map: {}", self, e.getMessage());
      } finally {
        watch(); // whatever happened to this view, the next one is watched for
      }
    }));
  }

  /** The coordination state applied a change of the cluster map (on its context, at a voter). */
  private void extensionChanged() {
    ClusterView v = map.view();
    runOnCore(() -> viewChanged(v));
    if (System.nanoTime() - ledAt < 2 * REBALANCE_EVERY.toNanos()) {
      rebalance(); // at the leader, the next step at once: rounds of migrations follow each other closely
    }
    for (WatchWaiter w : List.copyOf(watchers)) {
      if (v.revision() > w.after()) {
        watchers.remove(w);
        vertx.cancelTimer(w.timer());
        w.promise().tryComplete(v.encode());
      }
    }
  }

  /** A view from either source (on this context): the newer one wins. */
  private void viewChanged(ClusterView v) {
    ClusterView before = core.view();
    if (v.revision() <= before.revision()) {
      return;
    }
    if (log.isDebugEnabled() && before.formed() && v.formed() && before.partitionCount() == v.partitionCount()) {
      for (int p = 0; p < v.partitionCount(); p++) {
        if (!before.assignments().holders(p).equals(v.assignments().holders(p))) {
          log.debug("{} view {} epoch {}: partition {} {} -> {}", self, v.revision(), v.assignments().epoch(), p,
              before.assignments().holders(p), v.assignments().holders(p));
        }
      }
    }
    core.viewChanged(System.nanoTime(), v);
    if (v.revision() > lastRevisionApplied) {
      lastRevisionApplied = v.revision();
      local.reconcile(v.caches().values());
    }
    for (ViewWaiter w : List.copyOf(viewWaiters)) {
      if (v.revision() >= w.revision()) {
        viewWaiters.remove(w);
        w.promise().complete();
      }
    }
    flush();
  }

  /** A view's long poll at this node, which must lead: answers once the map is newer than asked. */
  private Future<byte[]> serveWatch(byte[] body) {
    if (vertx == null) {
      return Future.failedFuture(new IllegalStateException("the cache is not started on this node yet"));
    }
    if (body.length != 9 || body[0] != WATCH) {
      return Future.failedFuture(new IllegalArgumentException("not a watch of the cluster map"));
    }
    long after = java.nio.ByteBuffer.wrap(body, 1, 8).getLong();
    return coordination.readHere(map::view).compose(v -> {
      if (v.revision() > after) {
        return Future.succeededFuture(v.encode());
      }
      Promise<byte[]> p = Promise.promise();
      long[] timer = new long[1];
      timer[0] = vertx.setTimer(WATCH_WAIT.toMillis(), id -> {
        watchers.removeIf(w -> w.promise() == p);
        p.tryComplete(map.view().encode());
      });
      watchers.add(new WatchWaiter(after, p, timer[0]));
      return p.future();
    });
  }

  /** At the leader, every {@link #REBALANCE_EVERY}: the rebalancer's next command, one at a time. */
  private void rebalance() {
    if (rebalancing) {
      return;
    }
    Optional<ClusterCommand> next;
    try {
      next = rebalancer.next(map.view(), System.nanoTime());
    } catch (RuntimeException e) {
      log.error("the partition rebalancer failed", e);
      return;
    }
    next.ifPresent(cmd -> {
      rebalancing = true;
      log.debug("rebalancing: {}", cmd);
      coordination.proposeHere(CoordinationState.to(CoordinationState.EXTENSION, cmd.encode()))
          .onComplete(ar -> {
            rebalancing = false;
          });
    });
  }

  // ============================================================================ the core

  private void tick() {
    long now = System.nanoTime();
    core.tick(now);
    flush();
    if (++ticks % 20 == 0) {
      prune();
    }
  }

  /** Forgets payloads that no write and no sync needs any more. */
  private void prune() {
    finished.removeIf(id -> {
      if (core.needs(id)) {
        return false;
      }
      payloads.remove(id);
      return true;
    });
    Set<Long> live = core.syncIds();
    cursors.keySet().retainAll(live);
    chunks.keySet().retainAll(live);
  }

  /** Carries out everything the core owes, then publishes what it routes by. */
  private void flush() {
    // the core is single-threaded: it is driven on this verticle's event loop only (checked under -ea)
    assert Thread.currentThread() == coreThread : "the replica core driven on " + Thread.currentThread().getName()
        + ", not on its event loop " + coreThread;
    for (ReplicaEffect e : core.drainEffects()) {
      if (e instanceof ReplicaEffect.Send s) {
        send(s.to(), s.message());
      } else if (e instanceof ReplicaEffect.WriteDone d) {
        finished.add(d.writeId());
        Promise<Boolean> p = writes.remove(d.writeId());
        if (p != null) {
          p.complete(d.acknowledged());
        }
      } else if (e instanceof ReplicaEffect.ReadChunk rc) {
        readChunk(rc);
      } else if (e instanceof ReplicaEffect.Propose pr) {
        propose(pr.command()).onComplete(ar -> runOnCore(
            () -> core.proposed(System.nanoTime(), pr.command(), ar.succeeded() ? ar.result() : null)));
      } else if (e instanceof ReplicaEffect.Answer a) {
        Inbound in = deferred.remove(a.requestId());
        if (in != null) {
          act(in, a.verdict());
        }
      } else if (e instanceof ReplicaEffect.DropPartition dp) {
        lane(dp.partition(), () -> local.dropPartition(dp.partition()));
      } else if (e instanceof ReplicaEffect.Event ev) {
        event(ev);
      }
    }
    publish();
  }

  private void publish() {
    ClusterView v = core.view();
    Member me = v.members().get(self);
    boolean held = me != null && me.session() == core.leaseSession() && core.leaseSession() != 0;
    long until = core.leaseValidUntil();
    Set<Integer> handing = core.handingOver();
    if (v.revision() != lastPublishedRevision || held != lastLeaseHeld || until != lastLeaseUntil
        || !handing.equals(lastHandingOver)) {
      lastPublishedRevision = v.revision();
      lastLeaseHeld = held;
      lastLeaseUntil = until;
      lastHandingOver = handing;
      routing = new Routing(self, v, held, until, handing);
    }
  }

  private void event(ReplicaEffect.Event ev) {
    switch (ev.kind()) {
      case SYNC_STARTED -> {
        metrics.migrationStarted();
        log.debug("{} fills partition {} of {}: {}", self, ev.partition(), ev.node(), ev.detail());
      }
      case SYNC_COMPLETED -> {
        metrics.migrationCompleted();
        log.debug("{} filled partition {} of {}: {}", self, ev.partition(), ev.node(), ev.detail());
      }
      case SYNC_ABANDONED -> {
        metrics.migrationAbandoned();
        log.info("{} gave up filling partition {} of {}: {}", self, ev.partition(), ev.node(), ev.detail());
      }
      case HANDED_OVER -> log.debug("{} handed partition {} to {} {}", self, ev.partition(), ev.node(), ev.detail());
      case LEASE_LOST -> log.warn("{} stopped serving its partitions: its lease is not valid ({}); it may be cut off"
          + " from the coordination group", self, ev.detail());
      case LEASE_REGAINED -> log.info("{} serves its partitions again ({})", self, ev.detail());
    }
  }

  private void send(NodeId to, ReplicaMessage m) {
    List<Change> changes;
    if (m instanceof ReplicaMessage.Replicate r) {
      Change c = payloads.get(r.writeId());
      if (c == null) {
        core.answered(System.nanoTime(), to, m, ReplicaMessage.Reply.FAILED);
        return;
      }
      changes = List.of(c);
    } else if (m instanceof ReplicaMessage.SyncChunk c) {
      changes = chunks.getOrDefault(c.syncId(), List.of());
      metrics.migrationBytes(changes);
    } else {
      changes = List.of();
    }
    Optional<Address> address = membership.member(to).map(io.cairn.membership.Member::address);
    if (address.isEmpty()) {
      core.answered(System.nanoTime(), to, m, ReplicaMessage.Reply.FAILED);
      return;
    }
    Buffer body = CacheWire.encode(new CacheWire.Replica(m, changes));
    transport.request(address.get(), Channel.REPLICATION, body, settings.requestTimeout())
        .onComplete(ar -> runOnCore(() -> {
          core.answered(System.nanoTime(), to, m, ar.succeeded() ? reply(ar.result()) : ReplicaMessage.Reply.FAILED);
        }));
  }

  private static ReplicaMessage.Reply reply(Buffer b) {
    if (b.length() >= 1 && b.getByte(0) == CacheWire.OK) {
      return ReplicaMessage.Reply.OK;
    }
    if (b.length() == 9 && b.getByte(0) == CacheWire.REJECTED) {
      return new ReplicaMessage.Rejected(b.getLong(1));
    }
    return ReplicaMessage.Reply.FAILED;
  }

  private void readChunk(ReplicaEffect.ReadChunk rc) {
    NodeCacheService.ChunkCursor cursor = cursors.computeIfAbsent(rc.syncId(), k -> new NodeCacheService.ChunkCursor());
    local.readChunk(rc.partition(), cursor, CHUNK_ITEMS, CHUNK_BYTES).onComplete(ar -> runOnCore(() -> {
      long now = System.nanoTime();
      if (ar.succeeded()) {
        chunks.put(rc.syncId(), ar.result());
        core.chunkRead(now, rc.syncId(), rc.seq(), cursor.done());
      } else {
        log.debug("{}: chunk {} of partition {} could not be read: {}", self, rc.seq(), rc.partition(),
            ar.cause().getMessage());
        core.chunkFailed(now, rc.syncId(), rc.seq());
      }
    }));
  }

  /** Proposes {@code cmd} to the coordination group: its result, or a failure when it is unknown. */
  private Future<ClusterResult> propose(ClusterCommand cmd) {
    return coordination.command(CoordinationState.to(CoordinationState.EXTENSION, cmd.encode()))
        .map(ClusterResult::decode);
  }

  /** What this node's replica core is doing about {@code partition} (diagnostics). */
  Future<String> describe(int partition) {
    return onCore(() -> Future.succeededFuture(core.describe(System.nanoTime(), partition)));
  }

  // ============================================================================ contexts

  /** Runs {@code action} on this verticle's event loop (at once when called there), then drains the core. */
  private void runOnCore(Runnable action) {
    Runnable wrapped = () -> {
      action.run();
      flush();
    };
    if (Thread.currentThread() == coreThread) {
      wrapped.run(); // this verticle's context, or a duplicate of it (a timer's, a request's)
    } else {
      context.runOnContext(v -> wrapped.run());
    }
  }

  /** Runs {@code action} on this context and completes on the caller's. */
  private <T> Future<T> onCore(Supplier<Future<T>> action) {
    Context caller = Vertx.currentContext();
    Promise<T> result = Promise.promise();
    runOnCore(() -> {
      Future<T> f;
      try {
        f = action.get();
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      f.onComplete(result);
    });
    return NodeCacheService.onContext(caller, result.future());
  }
}
