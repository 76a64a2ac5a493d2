package io.cairn.cache;

import io.cairn.cache.CacheWire.Delete;
import io.cairn.cache.CacheWire.Forward;
import io.cairn.cache.CacheWire.Get;
import io.cairn.cache.CacheWire.GetAll;
import io.cairn.cache.CacheWire.ListKeys;
import io.cairn.cache.CacheWire.Op;
import io.cairn.cache.CacheWire.Put;
import io.cairn.cache.cluster.CacheDef;
import io.cairn.cache.cluster.ClusterCommand;
import io.cairn.cache.cluster.ClusterResult;
import io.cairn.cache.cluster.ClusterView;
import io.cairn.cache.partition.Partitioner;
import io.cairn.cache.replication.ReplicaCore.Admission;
import io.cairn.coordination.Coordination;
import io.cairn.coordination.CoordinationException;
import io.cairn.coordination.PrimitiveService;
import io.cairn.coordination.machine.CoordinationState;
import io.cairn.membership.Address;
import io.cairn.membership.Membership;
import io.cairn.membership.NodeId;
import io.cairn.membership.transport.Channel;
import io.cairn.membership.transport.Inbound;
import io.cairn.membership.transport.Transport;
import io.cairn.membership.transport.TransportException;
import io.cairn.membership.wire.WireReader;
import io.cairn.membership.wire.WireWriter;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The caches of a cluster, from any node: each key belongs to one partition, each partition to one
 * owner at a time (the {@link io.cairn.cache.cluster.ClusterMap} says which), and any node takes
 * any request and serves it here or forwards it in one hop to the owner.
 *
 * <p><b>At the owner.</b> A read is served from this node's data, and answered only if the node
 * still serves the partition once it has the value (see {@link io.cairn.cache.replication.ReplicaCore}
 * for when a node serves). A write is admitted by the replica core, done here (precondition,
 * version, store), sent to every backup of the partition, and shown and acknowledged once they all
 * applied it. A fenced write is checked here ({@link FenceTable}).
 *
 * <p><b>Elsewhere.</b> The request goes to the owner of this node's view, with this node's epoch.
 * An owner that is not (any more) the owner says so with its epoch, and the request goes again once
 * this node's view is that new; one whose lease is not valid, or that is handing the partition
 * over, is asked again shortly. A write is sent to an owner at most once: when its answer is lost,
 * the client learns that its outcome is unknown (504). Past {@code cache.request-timeout} without
 * an owner that serves, a request fails with 503: {@code minority-partition} when the owner was
 * cut off from the coordination group, else {@code partition-unavailable}.
 *
 * <p><b>Definitions</b> are commands of the cluster map; each node creates its caches from the
 * map's views. A cache unknown here is looked up in the map (linearizably) before a request is
 * refused for it.
 */
public final class ClusterCacheService implements CacheService {
  private static final Logger log = LoggerFactory.getLogger(ClusterCacheService.class);
  private static final long SHORT_WAIT_MILLIS = 20;
  /** The most a bulk read's reply carries (well inside a transport frame); the other keys are read alone. */
  private static final long BULK_REPLY_BYTES = 4 << 20;
  private static final long NO_LEASE_WAIT_MILLIS = 100;
  /** A request whose owner has no valid lease fails after this much, not the whole request timeout. */
  private static final long NO_LEASE_GIVE_UP_NANOS = Duration.ofSeconds(2).toNanos();
  private static final long FORWARD_MEMORY_NANOS = Duration.ofMinutes(2).toNanos();

  private final Vertx vertx;
  private final NodeId self;
  private final ClusterSettings settings;
  private final NodeCacheService local;
  private final ReplicaShell shell;
  private final Coordination coordination;
  private final PrimitiveService primitives;
  private final Transport transport;
  private final Membership membership;
  private final Partitioner partitioner;
  private final FenceTable fences = new FenceTable();
  private final Timer replication;
  private final Clock wallClock = Clock.systemUTC();
  private final long idPrefix = (new SecureRandom().nextLong() & 0xfffffL) << 40;
  private final AtomicLong nextRequest = new AtomicLong();
  /** Forwarded operations done here lately, by their sender's request id: a repeat gets the same answer. */
  private final ConcurrentHashMap<Long, Remembered> forwarded = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final long pruneTimer;
  private final String shellDeployment;

  private record Remembered(Future<Buffer> answer, long atNanos) {}

  ClusterCacheService(Vertx vertx, NodeId self, ClusterSettings settings, NodeCacheService local, ReplicaShell shell,
      Coordination coordination, PrimitiveService primitives, Transport transport, Membership membership,
      Timer replication, String shellDeployment) {
    this.shellDeployment = shellDeployment;
    this.vertx = vertx;
    this.self = self;
    this.settings = settings;
    this.local = local;
    this.shell = shell;
    this.coordination = coordination;
    this.primitives = primitives;
    this.transport = transport;
    this.membership = membership;
    this.partitioner = new Partitioner(local.partitionCount());
    this.replication = replication;
    transport.onRequest(Channel.REPLICATION, this::onRequest);
    this.pruneTimer = vertx.setPeriodic(30_000, id -> {
      long now = System.nanoTime();
      forwarded.values().removeIf(r -> now - r.atNanos() > FORWARD_MEMORY_NANOS);
    });
  }

  /** What this node's replica core is doing about {@code partition}: holders, syncs, hand-over (diagnostics). */
  public Future<String> describe(int partition) {
    return shell.describe(partition);
  }

  /** What this node routes by (for the partitions endpoint and metrics). */
  public ClusterView view() {
    return shell.routing().view;
  }

  @Override
  public ClusterView clusterView() {
    return view();
  }

  /** Whether this node serves its part of the caches: it joined, and its lease is valid (for readiness). */
  public boolean serving() {
    return shell.serving();
  }

  // ============================================================================ caches

  @Override
  public Future<List<CacheInfo>> list() {
    return local.list();
  }

  @Override
  public Future<CacheInfo> describe(String cache) {
    return known(cache).compose(v -> local.describe(cache));
  }

  @Override
  public Future<Defined> define(String cache, CacheSpec spec) {
    if (!Keys.isValidCacheName(cache)) {
      return Future.failedFuture(CacheFailure.invalidSpec(
          "cache name must be 1 to 128 characters of [A-Za-z0-9._-] starting with a letter or digit, got '"
              + cache + "'"));
    }
    if (spec == null) {
      return Future.failedFuture(CacheFailure.invalidSpec("a cache needs a configuration"));
    }
    Context context = Vertx.currentContext();
    CacheDef def = new CacheDef(cache, spec, wallClock.millis());
    return NodeCacheService.onContext(context, command(new ClusterCommand.Define(def)).compose(r -> {
      if (r instanceof ClusterResult.Defined d) {
        return shell.viewAt(d.revision()).compose(v -> local.describe(cache))
            .map(info -> new Defined(info, d.created()));
      }
      String reason = r instanceof ClusterResult.Refused f ? f.reason() : String.valueOf(r);
      return Future.failedFuture(reason.contains("cannot change") ? CacheFailure.specConflict(reason)
          : CacheFailure.invalidSpec(reason));
    }));
  }

  @Override
  public Future<Void> remove(String cache) {
    Context context = Vertx.currentContext();
    return NodeCacheService.onContext(context, command(new ClusterCommand.Remove(cache)).compose(r -> {
      if (r instanceof ClusterResult.NoSuchCache) {
        return Future.failedFuture(CacheFailure.noSuchCache(cache));
      }
      if (r instanceof ClusterResult.Done d) {
        return shell.viewAt(d.revision());
      }
      return Future.failedFuture(new IllegalStateException("the cluster map refused to remove " + cache + ": " + r));
    }));
  }

  private Future<ClusterResult> command(ClusterCommand c) {
    return coordination.command(CoordinationState.to(CoordinationState.EXTENSION, c.encode()))
        .map(ClusterResult::decode);
  }

  /**
   * Succeeds once this node knows {@code cache}; fails with NO_SUCH_CACHE when the cluster map does
   * not define it. A node that has not joined yet waits for its join (which defines the caches of
   * its configuration); then a cache unknown here is looked up in the map, linearizably. Within the
   * request timeout.
   */
  private Future<Void> known(String cache) {
    if (cache != null && local.knows(cache)) {
      return Future.succeededFuture();
    }
    if (cache == null || !Keys.isValidCacheName(cache)) {
      return Future.failedFuture(CacheFailure.noSuchCache(cache));
    }
    Promise<Void> known = Promise.promise();
    lookUp(cache, System.nanoTime() + settings.requestTimeout().toNanos(), known);
    return known.future();
  }

  private void lookUp(String cache, long deadline, Promise<Void> known) {
    Runnable again = () -> {
      if (System.nanoTime() - deadline >= 0) {
        known.tryFail(CacheFailure.partitionUnavailable("this node could not learn within "
            + settings.requestTimeout().toMillis() + " ms whether cache '" + cache + "' exists: the cluster's"
            + " coordination group did not answer"));
      } else {
        vertx.setTimer(SHORT_WAIT_MILLIS, id -> lookUp(cache, deadline, known));
      }
    };
    if (local.knows(cache)) {
      known.tryComplete();
    } else if (!shell.routing().joined()) {
      again.run();
    } else {
      coordination.query(CoordinationState.to(CoordinationState.EXTENSION, new byte[0]))
          .map(ClusterView::decode)
          .onComplete(ar -> {
            if (ar.failed()) {
              again.run();
            } else if (!ar.result().caches().containsKey(cache)) {
              known.tryFail(CacheFailure.noSuchCache(cache));
            } else {
              shell.viewAt(ar.result().revision()).onComplete(v -> known.tryComplete());
            }
          });
    }
  }

  // ============================================================================ entries

  @Override
  public Future<Entry> get(String cache, String key) {
    CacheFailure bad = badKey(key);
    if (bad != null) {
      return Future.failedFuture(bad);
    }
    return routed(cache, key, false, () -> getHere(cache, key), new Get(cache, key),
        r -> r.remaining() == 0 ? null : CacheWire.entry(r));
  }

  @Override
  public Future<Map<String, Entry>> getAll(String cache, List<String> keys) {
    if (keys == null) {
      return Future.failedFuture(CacheFailure.invalidKey("no keys"));
    }
    for (String key : keys) {
      CacheFailure bad = badKey(key);
      if (bad != null) {
        return Future.failedFuture(bad);
      }
    }
    Context context = Vertx.currentContext();
    String clientRequestId = RequestIds.current();
    // one request per other owner, in parallel; the keys this node serves, or whose owner is not
    // known or not reachable now, are read one by one (routed, waited for)
    Routing r = shell.routing();
    Map<NodeId, List<String>> byOwner = new TreeMap<>();
    List<String> alone = new ArrayList<>();
    for (String key : new LinkedHashSet<>(keys)) {
      NodeId owner = r.owner(partitioner.partitionOf(key));
      if (owner == null || owner.equals(self) || !r.member(owner)) {
        alone.add(key);
      } else {
        byOwner.computeIfAbsent(owner, o -> new ArrayList<>()).add(key);
      }
    }
    Map<String, Entry> found = new ConcurrentHashMap<>();
    List<Future<Void>> reads = new ArrayList<>();
    reads.add(alone(cache, alone, clientRequestId, found));
    byOwner.forEach((owner, ownerKeys) -> reads.add(getAllAt(owner, cache, ownerKeys, clientRequestId, found)));
    return NodeCacheService.onContext(context, Future.all(reads).map(all -> {
      Map<String, Entry> ordered = new LinkedHashMap<>();
      for (String key : keys) {
        Entry e = found.get(key);
        if (e != null) {
          ordered.put(key, e);
        }
      }
      return ordered;
    }));
  }

  private static Void found(Map<String, Entry> found, String key, Entry e) {
    if (e != null) {
      found.put(key, e);
    }
    return null;
  }

  /**
   * Reads {@code keys} from {@code owner} in one request; a key it does not serve (any more), or
   * all of them when the request fails, are read one by one.
   */
  private Future<Void> getAllAt(NodeId owner, String cache, List<String> keys, String clientRequestId,
      Map<String, Entry> found) {
    Forward f = new Forward(nextRequestId(), shell.routing().epoch(), clientRequestId, new GetAll(cache, keys));
    return request(owner, f).compose(b -> {
      WireReader in = new WireReader(b);
      int status = in.u8("status");
      if (status == CacheWire.FAILURE) {
        return Future.failedFuture(CacheWire.failure(in));
      }
      List<String> again = new ArrayList<>();
      if (status != CacheWire.OK) {
        again.addAll(keys);
      } else {
        for (String key : keys) {
          switch (in.u8("served")) {
            case CacheWire.BULK_FOUND -> found.put(key, CacheWire.entry(in));
            case CacheWire.BULK_ABSENT -> { }
            default -> again.add(key);
          }
        }
        in.expectEnd("bulk read");
      }
      return alone(cache, again, clientRequestId, found);
    }, t -> alone(cache, keys, clientRequestId, found));
  }

  private Future<Void> alone(String cache, List<String> keys, String clientRequestId, Map<String, Entry> found) {
    List<Future<Void>> reads = new ArrayList<>(keys.size());
    for (String key : keys) {
      reads.add(RequestIds.within(clientRequestId, () -> get(cache, key)).map(e -> found(found, key, e)));
    }
    return Future.all(reads).mapEmpty();
  }

  @Override
  public Future<PutResult> put(String cache, String key, byte[] value, String contentType, Duration ttl,
      Precondition pre) {
    return put(cache, key, value, contentType, ttl, pre, null);
  }

  @Override
  public Future<PutResult> put(String cache, String key, byte[] value, String contentType, Duration ttl,
      Precondition pre, Fence fence) {
    CacheFailure bad = badKey(key);
    if (bad != null) {
      return Future.failedFuture(bad);
    }
    long ttlMillis = ttl == null ? -1 : ttl.toMillis();
    return routed(cache, key, true, () -> putHere(cache, key, value, contentType, ttl, pre, fence),
        new Put(cache, key, value, contentType, ttlMillis, pre, fence),
        r -> {
          Entry written = CacheWire.entry(r); // the owner leaves the value out: this node has it
          return new PutResult(new Entry(written.key(), value, written.contentType(), written.version(),
              written.expiresAt()), r.bool("created"));
        });
  }

  @Override
  public boolean checksFences() {
    return true;
  }

  @Override
  public Future<Void> delete(String cache, String key, Precondition pre) {
    CacheFailure bad = badKey(key);
    if (bad != null) {
      return Future.failedFuture(bad);
    }
    return routed(cache, key, true, () -> deleteHere(cache, key, pre), new Delete(cache, key, pre, null), r -> null);
  }

  @Override
  public Future<KeyPage> keys(String cache, String prefix, String afterKey, int limit) {
    if (limit < 1) {
      return Future.failedFuture(CacheFailure.invalidSpec("limit must be at least 1, got " + limit));
    }
    Context context = Vertx.currentContext();
    String clientRequestId = RequestIds.current();
    return NodeCacheService.onContext(context, known(cache).compose(v -> {
      Routing r = shell.routing();
      if (!r.formed()) {
        return Future.failedFuture(CacheFailure.partitionUnavailable("the cluster's caches have not formed yet"));
      }
      TreeSet<NodeId> owners = new TreeSet<>(r.view.assignments().ownedCounts().keySet());
      List<Future<List<String>>> parts = new ArrayList<>();
      for (NodeId owner : owners) {
        parts.add(owner.equals(self) ? local.ownedKeys(cache, prefix, afterKey, limit, this::ownedHere)
            : keysAt(owner, new ListKeys(cache, prefix == null ? "" : prefix, afterKey, limit), clientRequestId));
      }
      return Future.all(parts).map(all -> {
        TreeSet<String> merged = new TreeSet<>(Keys.UTF8_ORDER);
        for (int i = 0; i < parts.size(); i++) {
          merged.addAll(parts.get(i).result());
        }
        List<String> page = merged.stream().limit(limit).toList();
        return new KeyPage(page, page.size() == limit ? page.get(page.size() - 1) : null);
      });
    }));
  }

  private boolean ownedHere(String key) {
    Routing r = shell.routing();
    return self.equals(r.owner(partitioner.partitionOf(key)));
  }

  private Future<List<String>> keysAt(NodeId owner, ListKeys op, String clientRequestId) {
    Forward f = new Forward(nextRequestId(), shell.routing().epoch(), clientRequestId, op);
    return request(owner, f).compose(b -> {
      WireReader r = new WireReader(b);
      if (r.u8("status") != CacheWire.OK) {
        return Future.failedFuture(CacheFailure.partitionUnavailable("node " + owner + " did not list its keys"));
      }
      int n = r.i32("keys");
      List<String> keys = new ArrayList<>(Math.max(0, n));
      for (int i = 0; i < n; i++) {
        keys.add(r.string(CacheWire.MAX_KEY, "key"));
      }
      return Future.succeededFuture(keys);
    }).recover(t -> Future.failedFuture(t instanceof CacheFailure ? t
        : CacheFailure.partitionUnavailable("node " + owner + " did not list its keys: " + t.getMessage())));
  }

  @Override
  public StoreStatus storeStatus() {
    return local.storeStatus();
  }

  @Override
  public Future<Void> close() {
    if (!closed.compareAndSet(false, true)) {
      return Future.succeededFuture();
    }
    vertx.cancelTimer(pruneTimer);
    return vertx.undeploy(shellDeployment).recover(t -> Future.succeededFuture()).compose(v -> local.close());
  }

  private CacheFailure badKey(String key) {
    String problem = Keys.keyProblem(key, local.maxKeyBytes());
    return problem == null ? null : CacheFailure.invalidKey(problem);
  }

  // ============================================================================ at the owner

  private Future<Entry> getHere(String cache, String key) {
    int p = partitioner.partitionOf(key);
    return known(cache).compose(v -> local.get(cache, key)).compose(e -> {
      Admission a = shell.admit(p); // served only if this node still serves the partition now
      return a == Admission.SERVE ? Future.succeededFuture(e) : Future.failedFuture(new ReplicaShell.NotServed(a,
          shell.routing().epoch()));
    });
  }

  private Future<PutResult> putHere(String cache, String key, byte[] value, String contentType, Duration ttl,
      Precondition pre, Fence fence) {
    Supplier<Future<PutResult>> write = () -> replicated(key,
        replicator -> local.put(cache, key, value, contentType, ttl, pre, replicator));
    return known(cache).compose(v -> fence == null ? write.get() : fences.write(primitives, cache, fence, write));
  }

  private Future<Void> deleteHere(String cache, String key, Precondition pre) {
    return known(cache).compose(v -> replicated(key, replicator -> local.delete(cache, key, pre, replicator)));
  }

  /**
   * Runs a write of {@code key}'s partition here: admitted by the replica core, then done by
   * {@code write} with a replicator that sends the change to the partition's other holders.
   */
  private <T> Future<T> replicated(String key, Function<Replicator, Future<T>> write) {
    int p = partitioner.partitionOf(key);
    return shell.beginWrite(p).compose(writeId -> {
      AtomicBoolean sent = new AtomicBoolean();
      long[] start = new long[1];
      Replicator replicator = change -> {
        sent.set(true);
        start[0] = System.nanoTime();
        return shell.replicate(writeId, change).onComplete(ar -> replication.record(
            System.nanoTime() - start[0], java.util.concurrent.TimeUnit.NANOSECONDS));
      };
      Future<T> done;
      try {
        done = write.apply(replicator);
      } catch (RuntimeException e) {
        done = Future.failedFuture(e);
      }
      return done.onComplete(ar -> {
        if (!sent.get()) {
          shell.abandon(writeId);
        }
      });
    });
  }

  // ============================================================================ routing

  /** How to read an owner's answer to a forwarded operation. */
  @FunctionalInterface
  private interface Answer<T> {
    T read(WireReader reader);
  }

  /**
   * Serves an operation on {@code key}: here when this node serves its partition, otherwise at its
   * owner; again, while it is not served, until the request timeout.
   */
  private <T> Future<T> routed(String cache, String key, boolean write, Supplier<Future<T>> here, Op op,
      Answer<T> answer) {
    Context context = Vertx.currentContext();
    Promise<T> result = Promise.promise();
    long start = System.nanoTime();
    new Attempt<>(partitioner.partitionOf(key), write, here, op, answer, result, start,
        start + settings.requestTimeout().toNanos()).run();
    return NodeCacheService.onContext(context, result.future());
  }

  /** One routed operation, tried until it is served or its deadline passes. */
  private final class Attempt<T> {
    final int partition;
    final boolean write;
    final Supplier<Future<T>> here;
    final Op op;
    final Answer<T> answer;
    final Promise<T> result;
    final long deadline;
    final long requestId = nextRequestId();
    final String clientRequestId = RequestIds.current();
    long noLeaseSince;
    boolean ownerWasCutOff;

    Attempt(int partition, boolean write, Supplier<Future<T>> here, Op op, Answer<T> answer, Promise<T> result,
        long start, long deadline) {
      this.partition = partition;
      this.write = write;
      this.here = here;
      this.op = op;
      this.answer = answer;
      this.result = result;
      this.deadline = deadline;
    }

    void run() {
      long now = System.nanoTime();
      if (now - deadline >= 0) {
        fail();
        return;
      }
      Routing r = shell.routing();
      Admission a = r.admit(now, partition);
      if (a == Admission.SERVE) {
        Future<T> done;
        try {
          done = here.get();
        } catch (RuntimeException e) {
          done = Future.failedFuture(e);
        }
        done.onComplete(ar -> {
          if (ar.failed() && ar.cause() instanceof ReplicaShell.NotServed ns) {
            notServed(ns.admission, ns.epoch);
          } else {
            result.handle(ar);
          }
        });
        return;
      }
      NodeId owner = r.owner(partition);
      if (a != Admission.NOT_OWNER || owner == null || owner.equals(self) || !r.member(owner)) {
        notServed(a, r.epoch());
        return;
      }
      forward(owner, r.epoch());
    }

    private void forward(NodeId owner, long epoch) {
      Forward f = new Forward(requestId, epoch, clientRequestId, op);
      long remaining = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
      request(owner, f, Duration.ofMillis(remaining)).onComplete(ar -> {
        if (ar.failed()) {
          Throwable t = ar.cause();
          boolean neverSent = t instanceof TransportException te
              && (te.reason() == TransportException.Reason.UNREACHABLE
                  || te.reason() == TransportException.Reason.OVERLOADED);
          if (write && !neverSent) {
            result.fail(CacheFailure.outcomeUnknown("the write was sent to " + owner + ", the owner of partition "
                + partition + ", but no answer came back (" + t.getMessage() + "): it may or may not have been"
                + " applied"));
          } else {
            later(SHORT_WAIT_MILLIS);
          }
          return;
        }
        try {
          WireReader in = new WireReader(ar.result());
          int status = in.u8("status");
          switch (status) {
            case CacheWire.OK -> result.complete(answer.read(in));
            case CacheWire.NOT_OWNER -> notServed(Admission.NOT_OWNER, in.i64("epoch"));
            case CacheWire.NO_LEASE -> {
              ownerWasCutOff = true;
              notServed(Admission.NO_LEASE, 0);
            }
            case CacheWire.RETRY -> notServed(Admission.RETRY, 0);
            case CacheWire.FAILURE -> result.fail(CacheWire.failure(in));
            default -> result.fail(new IllegalStateException("status " + status + " from " + owner));
          }
        } catch (RuntimeException e) {
          result.fail(e);
        }
      });
    }

    /** This node or the owner did not serve it: when to try again, or give up. */
    private void notServed(Admission a, long epoch) {
      long now = System.nanoTime();
      switch (a) {
        case NOT_OWNER -> {
          // this node's view, or the owner's, is not the newest: the next view tells where to go
          noLeaseSince = 0;
          later(SHORT_WAIT_MILLIS);
        }
        case NO_LEASE -> {
          if (noLeaseSince == 0) {
            noLeaseSince = now;
          }
          if (now - noLeaseSince > NO_LEASE_GIVE_UP_NANOS) {
            ownerWasCutOff = true;
            fail();
          } else {
            later(NO_LEASE_WAIT_MILLIS);
          }
        }
        default -> later(SHORT_WAIT_MILLIS);
      }
    }

    private void later(long millis) {
      vertx.setTimer(millis, id -> run());
    }

    private void fail() {
      String where = "partition " + partition + " (" + op.cache() + ")";
      result.tryFail(ownerWasCutOff || noLeaseSince != 0
          ? CacheFailure.minorityPartition("the owner of " + where + " is cut off from the coordination group"
              + " (its ownership lease is not valid): nothing was done; another node takes the partition over once"
              + " the lease has run out")
          : CacheFailure.partitionUnavailable("no node served " + where + " within "
              + settings.requestTimeout().toMillis() + " ms: nothing was done"));
    }
  }

  private long nextRequestId() {
    return idPrefix | (nextRequest.incrementAndGet() & 0xffffffffffL);
  }

  private Future<Buffer> request(NodeId to, Forward f) {
    return request(to, f, settings.requestTimeout());
  }

  private Future<Buffer> request(NodeId to, Forward f, Duration timeout) {
    Address address = membership.member(to).map(io.cairn.membership.Member::address).orElse(null);
    if (address == null) {
      return Future.failedFuture(new TransportException(TransportException.Reason.UNREACHABLE,
          to + " is not a member this node knows"));
    }
    return transport.request(address, Channel.REPLICATION, CacheWire.encode(f), timeout);
  }

  // ============================================================================ requests from other nodes

  private Future<Buffer> onRequest(Inbound in) {
    Buffer payload = in.payload();
    if (payload.length() == 0) {
      return Future.failedFuture(new IllegalArgumentException("an empty cache request"));
    }
    try {
      Forward f = CacheWire.decodeForward(payload);
      if (f == null) {
        return shell.receive(in.from(), CacheWire.decodeReplica(payload));
      }
      if (!(f.op() instanceof Put || f.op() instanceof Delete)) {
        return logged(in.from(), f, serve(f));
      }
      // a write runs at most once: a repeat of its request (duplicated on the way) gets the same answer
      Remembered fresh = new Remembered(Promise.<Buffer>promise().future(), System.nanoTime());
      Remembered known = forwarded.putIfAbsent(f.requestId(), fresh);
      if (known != null) {
        return known.answer();
      }
      Future<Buffer> answer = logged(in.from(), f, serve(f));
      forwarded.put(f.requestId(), new Remembered(answer, fresh.atNanos()));
      return answer;
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * The owner's DEBUG line for a forwarded operation once it is answered, with the client's
   * request id (as the forwarding node's access log has it) and the answer's status.
   */
  private static Future<Buffer> logged(NodeId from, Forward f, Future<Buffer> answer) {
    if (!log.isDebugEnabled()) {
      return answer;
    }
    long start = System.nanoTime();
    return answer.onComplete(ar -> log.atDebug()
        .addKeyValue("requestId", f.clientRequestId())
        .addKeyValue("from", from)
        .addKeyValue("status", ar.succeeded() ? CacheWire.statusName(ar.result()) : "error")
        .addKeyValue("micros", (System.nanoTime() - start) / 1000)
        .log("forwarded {} on cache {}", f.op().getClass().getSimpleName(), f.op().cache()));
  }

  /** Serves a forwarded operation here if this node serves its partition; otherwise says why not. */
  private Future<Buffer> serve(Forward f) {
    Op op = f.op();
    if (op instanceof ListKeys k) {
      return local.ownedKeys(k.cache(), k.prefix(), k.afterKey(), k.limit(), this::ownedHere).map(keys -> {
        Buffer out = CacheWire.ok().appendInt(keys.size());
        keys.forEach(key -> WireWriter.string(out, key, CacheWire.MAX_KEY, "key"));
        return out;
      }).recover(t -> Future.succeededFuture(failure(f, t)));
    }
    if (op instanceof GetAll g) {
      return serveBulk(f, g);
    }
    String key = op instanceof Get g ? g.key() : op instanceof Put p ? p.key() : ((Delete) op).key();
    int partition = partitioner.partitionOf(key);
    Admission a = shell.admit(partition);
    if (a != Admission.SERVE) {
      return Future.succeededFuture(refusal(a));
    }
    Future<Buffer> done;
    if (op instanceof Get g) {
      done = getHere(g.cache(), key).map(e -> {
        Buffer out = CacheWire.ok();
        if (e != null) {
          CacheWire.entry(out, e);
        }
        return out;
      });
    } else if (op instanceof Put p) {
      Duration ttl = p.ttlMillis() < 0 ? null : Duration.ofMillis(p.ttlMillis());
      done = putHere(p.cache(), key, p.value(), p.contentType(), ttl, p.pre(), p.fence()).map(r -> {
        Buffer out = CacheWire.ok();
        CacheWire.entry(out, new Entry(r.entry().key(), new byte[0], r.entry().contentType(), r.entry().version(),
            r.entry().expiresAt()));
        WireWriter.bool(out, r.created());
        return out;
      });
    } else {
      Delete d = (Delete) op;
      done = deleteHere(d.cache(), key, d.pre()).map(v -> CacheWire.ok());
    }
    return done.recover(t -> Future.succeededFuture(
        t instanceof ReplicaShell.NotServed ns ? refusal(ns.admission) : failure(f, t)));
  }

  /**
   * Reads each key of a bulk read that this node serves; marks the others for the sender to route,
   * and those that would make the reply longer than {@link #BULK_REPLY_BYTES} for it to read alone.
   */
  private Future<Buffer> serveBulk(Forward f, GetAll g) {
    List<Future<Entry>> reads = new ArrayList<>(g.keys().size());
    for (String key : g.keys()) {
      reads.add(shell.admit(partitioner.partitionOf(key)) == Admission.SERVE ? getHere(g.cache(), key)
          : Future.failedFuture(new ReplicaShell.NotServed(Admission.NOT_OWNER, 0)));
    }
    return Future.join(reads).transform(ar -> {
      Buffer out = CacheWire.ok();
      for (Future<Entry> read : reads) {
        if (read.succeeded()) {
          Entry e = read.result();
          if (e == null) {
            out.appendByte(CacheWire.BULK_ABSENT);
          } else if (out.length() + e.value().length + e.key().length() * 3L + 1024 > BULK_REPLY_BYTES) {
            out.appendByte(CacheWire.BULK_NOT_SERVED);
          } else {
            CacheWire.entry(out.appendByte(CacheWire.BULK_FOUND), e);
          }
        } else if (read.cause() instanceof ReplicaShell.NotServed) {
          out.appendByte(CacheWire.BULK_NOT_SERVED);
        } else {
          return Future.succeededFuture(failure(f, read.cause()));
        }
      }
      return Future.succeededFuture(out);
    });
  }

  private Buffer refusal(Admission a) {
    return switch (a) {
      case NOT_OWNER -> CacheWire.notOwner(shell.routing().epoch());
      case NO_LEASE -> CacheWire.noLease();
      default -> CacheWire.retry();
    };
  }

  private static Buffer failure(Forward forwarded, Throwable t) {
    if (t instanceof CacheFailure f) {
      return CacheWire.failure(f);
    }
    if (t instanceof CoordinationException ce) {
      return CacheWire.failure(CacheFailure.partitionUnavailable("the coordination group did not answer: "
          + ce.getMessage()));
    }
    log.atWarn().addKeyValue("requestId", forwarded.clientRequestId()).setCause(t)
        .log("a forwarded {} on cache {} failed", forwarded.op().getClass().getSimpleName(), forwarded.op().cache());
    return CacheWire.failure(CacheFailure.storeUnavailable(String.valueOf(t.getMessage()), t));
  }
}
