package io.cairn.coordination.shell;

import io.cairn.coordination.machine.StateMachine;
import io.cairn.coordination.raft.Effects;
import io.cairn.coordination.raft.FollowerProgress;
import io.cairn.coordination.raft.HardState;
import io.cairn.coordination.raft.LogEntry;
import io.cairn.coordination.raft.RaftCore;
import io.cairn.coordination.raft.RaftEvent;
import io.cairn.coordination.raft.RaftMessage;
import io.cairn.coordination.raft.Role;
import io.cairn.coordination.raft.Snapshot;
import io.cairn.coordination.raft.Submission;
import io.cairn.coordination.raft.Submission.Accepted;
import io.cairn.coordination.raft.Submission.Refused;
import io.cairn.coordination.raft.log.GroupCommitter;
import io.cairn.membership.Address;
import io.cairn.membership.NodeId;
import io.cairn.membership.transport.Channel;
import io.cairn.membership.transport.Inbound;
import io.cairn.membership.transport.Transport;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link RaftCore} on one Vert.x context: ticks it, feeds it the peers' messages, writes
 * what it asks to the write-ahead log through a {@link GroupCommitter} (on the {@code cairn-wal}
 * worker), sends its messages, applies committed entries to the {@link StateMachine} and completes
 * the callers' Futures.
 *
 * <p><b>Order.</b> Each drained {@link Effects} becomes a batch. Its {@code send} leaves at once;
 * the rest of it (reporting durability, {@code sendAfterPersist}, applying, answering reads) waits
 * until its write and every earlier batch's write are durable, and batches complete in the order
 * they were drained, also those that write nothing: an acknowledgement in a batch may cover
 * entries written by an earlier one. One exception: a hard state that only moves the commit index
 * is not written on its own, only with the next write of the log (it is a hint; committed entries
 * are durable on a majority already).
 *
 * <p><b>Failure.</b> A write that fails (disk full, I/O error) leaves the log in an unknown state:
 * the shell stops (no more ticks, messages or proposals) and fails every waiting caller; the node
 * must be restarted, and recovers from what is durable.
 *
 * <p>Every public method may be called from any thread; the work runs on the shell's context.
 */
public final class RaftShell {
  private static final Logger log = LoggerFactory.getLogger(RaftShell.class);

  /** How often the core is ticked. Well under every deadline the core keeps. */
  static final long TICK_MILLIS = 10;

  private final Vertx vertx;
  private final Context context;
  private final RaftCore core;
  private final StateMachine machine;
  private final GroupCommitter committer;
  private final Transport transport;
  private final Function<NodeId, Optional<Address>> addresses;
  private final RaftListener listener;
  private final long snapshotEntries;
  private final int maxPending;

  private final ArrayDeque<Batch> batches = new ArrayDeque<>();
  private final Map<Long, PendingProposal> proposals = new HashMap<>();
  private final Map<Long, Promise<Long>> reads = new HashMap<>();
  private long nextReadId = 1;
  private long timerId = -1;
  private boolean flushing;
  private boolean snapshotting;
  private List<NodeId> reportedVoters = List.of();
  /** The term and vote of the last hard state handed to the log (-1: none yet). */
  private long writtenTerm = -1;
  private Optional<NodeId> writtenVote = Optional.empty();
  /** A hard state that only moved the commit index, not written yet: it goes with the next write. */
  private Optional<HardState> unwrittenHint = Optional.empty();
  /** The last index applied to the state machine (or restored into it). */
  private long machineIndex;
  private Throwable failure;
  private boolean closed;

  /**
   * A shell around {@code core}, which was restored from the store behind {@code committer}, and
   * {@code machine}, restored to the core's snapshot (if any). Call from {@code context}.
   *
   * @param addresses where a voter's cluster transport listens now (its node id is its identity;
   *     its address may change across restarts)
   * @param snapshotEntries how many entries are applied between two snapshots
   * @param maxPending how many proposals (and, apart, reads) may wait at once; past it they are
   *     refused with {@link OverloadedException}, so that a leader that cannot commit (cut off, a
   *     slow disk) does not hold an unbounded backlog
   */
  public RaftShell(Vertx vertx, Context context, RaftCore core, StateMachine machine, GroupCommitter committer,
      Transport transport, Function<NodeId, Optional<Address>> addresses, RaftListener listener,
      long snapshotEntries, int maxPending) {
    this.vertx = vertx;
    this.context = context;
    this.core = core;
    this.machine = machine;
    this.committer = committer;
    this.transport = transport;
    this.addresses = addresses;
    this.listener = listener;
    this.snapshotEntries = snapshotEntries;
    this.maxPending = maxPending;
    this.machineIndex = core.snapshotIndex();
  }

  /** Starts ticking; messages from peers are handed in through {@link #receive}. */
  public void start() {
    onContext(() -> {
      timerId = vertx.setPeriodic(TICK_MILLIS, id -> {
        if (!stopped()) {
          core.tick(System.nanoTime());
          flush();
        }
      });
      flush(); // a restarted node applies what its hard state says is committed
    });
  }

  /** A message a peer sent on {@link Channel#RAFT}; one that does not decode is dropped. */
  public void receive(Inbound in) {
    RaftMessage m;
    try {
      m = RaftCodec.decode(in.payload());
    } catch (RuntimeException e) {
      log.warn("dropped a malformed Raft message from {}: {}", in.from(), e.getMessage());
      return;
    }
    if (!m.from().equals(in.from())) {
      log.warn("dropped a Raft message from {} that claims to come from {}", in.from(), m.from());
      return;
    }
    onContext(() -> {
      if (!stopped()) {
        core.receive(System.nanoTime(), m);
        flush();
      }
    });
  }

  /**
   * Appends {@code command} to the log and completes with the state machine's result once it is
   * committed and applied here. Fails with {@link NotLeaderException} (nothing was appended) when
   * this node does not lead, with {@link OverloadedException} (nothing was appended) when too many
   * proposals wait already, and with {@link CommandLostException} when another leader overwrote the
   * entry (it was not applied). A caller that gives up waiting cannot know whether it applied.
   */
  public Future<byte[]> propose(byte[] command) {
    return call(() -> {
      if (proposals.size() >= maxPending) {
        return Future.failedFuture(new OverloadedException(proposals.size() + " proposals are waiting to commit"));
      }
      Submission s = core.propose(System.nanoTime(), command);
      if (s instanceof Refused r) {
        return Future.failedFuture(new NotLeaderException(r.leader(), r.reason()));
      }
      Accepted a = (Accepted) s;
      Promise<byte[]> promise = Promise.promise();
      proposals.put(a.index(), new PendingProposal(a.term(), promise, System.nanoTime()));
      flush();
      return promise.future();
    });
  }

  /**
   * A linearizable read barrier (ReadIndex): completes, with the read index, once this node has
   * confirmed it still leads and has applied everything committed when the barrier was asked for.
   * Then {@code query} runs on the shell's context against the applied state. Fails with {@link
   * NotLeaderException} on a node that does not lead (or a new leader not ready yet to serve reads).
   */
  public <T> Future<T> read(Supplier<T> query) {
    return call(() -> {
      if (reads.size() >= maxPending) {
        return Future.failedFuture(new OverloadedException(reads.size() + " reads are waiting for their barrier"));
      }
      long id = nextReadId++;
      Submission s = core.readIndex(System.nanoTime(), id);
      if (s instanceof Refused r) {
        return Future.failedFuture(new NotLeaderException(r.leader(), r.reason()));
      }
      Promise<Long> promise = Promise.promise();
      reads.put(id, promise);
      flush();
      return promise.future().map(index -> query.get());
    });
  }

  /**
   * Hands leadership to the most caught-up other voter, for a graceful stop: completes once this
   * node no longer leads, or with false when it still leads after {@code timeout} (the transfer
   * was refused or abandoned). Completes at once with true when this node does not lead.
   */
  public Future<Boolean> handOver(Duration timeout) {
    return call(() -> {
      if (core.role() != Role.LEADER) {
        return Future.succeededFuture(true);
      }
      Optional<NodeId> target = core.followers().stream()
          .filter(f -> addresses.apply(f.node()).isPresent())
          .max(java.util.Comparator.comparingLong(FollowerProgress::matchIndex))
          .map(FollowerProgress::node);
      if (target.isEmpty()) {
        return Future.succeededFuture(false);
      }
      Submission s = core.transferLeadership(System.nanoTime(), target.get());
      flush();
      if (!s.accepted()) {
        return Future.succeededFuture(false);
      }
      Promise<Boolean> done = Promise.promise();
      long deadline = System.nanoTime() + timeout.toNanos();
      vertx.setPeriodic(5, id -> {
        boolean led = core.role() == Role.LEADER;
        if (!led || stopped() || System.nanoTime() > deadline) {
          vertx.cancelTimer(id);
          done.tryComplete(!led);
        }
      });
      return done.future();
    });
  }

  /**
   * Proposes a new voter set differing from the one in force by one server (see {@link
   * RaftCore#changeVoters}); the answer says whether the CONFIG entry was appended.
   */
  public Future<Submission> changeVoters(List<NodeId> voters) {
    return call(() -> {
      Submission s = core.changeVoters(System.nanoTime(), voters);
      flush();
      return Future.succeededFuture(s);
    });
  }

  /**
   * The term this node leads in, or 0 when it does not lead (or the shell stopped). Call it on the
   * shell's context.
   */
  public long leadingTerm() {
    return !stopped() && core.role() == Role.LEADER ? core.term() : 0;
  }

  /** Runs {@code action} on the shell's context, for reading the core's and the machine's state. */
  public <T> Future<T> inspect(Function<RaftCore, T> action) {
    return call(() -> Future.succeededFuture(action.apply(core)));
  }

  /**
   * Stops ticking and fails what waits: a proposal with an {@link IllegalStateException} (it may
   * still commit under another leader), a read likewise (it did nothing). The store and the
   * transport are the caller's to close.
   */
  public Future<Void> close() {
    return call(() -> {
      closed = true;
      if (timerId >= 0) {
        vertx.cancelTimer(timerId);
      }
      failWaiting(new IllegalStateException("the Raft shell closed; a proposed command may still commit"));
      return Future.succeededFuture();
    });
  }

  // ----------------------------------------------------------------------------- internals

  private <T> Future<T> call(Supplier<Future<T>> action) {
    Promise<T> promise = Promise.promise();
    onContext(() -> {
      if (failure != null) {
        promise.fail(new IllegalStateException("the Raft log cannot be written: " + failure.getMessage(), failure));
      } else if (closed) {
        promise.fail(new IllegalStateException("the Raft shell is closed"));
      } else {
        try {
          action.get().onComplete(promise);
        } catch (RuntimeException e) {
          promise.fail(e);
        }
      }
    });
    return promise.future();
  }

  private void onContext(Runnable action) {
    if (Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }

  private boolean stopped() {
    return closed || failure != null;
  }

  private void flush() {
    if (flushing || stopped()) {
      return;
    }
    flushing = true;
    try {
      boolean progress = true;
      while (progress && !stopped()) {
        progress = false;
        Effects fx = core.drainEffects();
        if (!fx.isEmpty()) {
          enqueue(fx);
          progress = true;
        }
        while (!batches.isEmpty() && batches.peekFirst().durable && !stopped()) {
          complete(batches.pollFirst().effects);
          progress = true;
        }
      }
    } finally {
      flushing = false;
    }
    listener.state(core.term(), core.role() == Role.LEADER, core.commitIndex(), core.appliedIndex(),
        core.snapshotIndex() + 1, core.lastIndex());
    if (!core.voters().equals(reportedVoters)) {
      reportedVoters = core.voters();
      listener.voters(reportedVoters);
    }
  }

  private void enqueue(Effects fx) {
    for (RaftMessage m : fx.send()) {
      send(m);
    }
    for (RaftEvent e : fx.events()) {
      onEvent(e);
    }
    // A hard state that only moves the commit index is a hint (losing it is safe: the leader tells
    // the commit index again, and a restart takes at least the snapshot's index), so it is not
    // written on its own: the next write of the log carries the newest commit index with it. Nothing
    // waits for it, and it takes no place in the log's single queue of writes: written alone, every
    // commit cost the leader (and each follower) a second fsync, and the next entry waited behind
    // it (LockBenchmark found four fsyncs per lock acquire+release at one client).
    boolean mustWait = fx.install().isPresent() || !fx.append().isEmpty()
        || fx.persist().map(hs -> hs.term() != writtenTerm || !hs.votedFor().equals(writtenVote)).orElse(false);
    Batch batch = new Batch(fx, !mustWait);
    batches.addLast(batch);
    if (!mustWait) {
      if (fx.persist().isPresent()) {
        unwrittenHint = fx.persist();
      }
    } else if (fx.needsPersist()) {
      fx.persist().ifPresent(hs -> {
        writtenTerm = hs.term();
        writtenVote = hs.votedFor();
      });
      Optional<HardState> hardState = fx.persist().isPresent() ? fx.persist() : unwrittenHint;
      unwrittenHint = Optional.empty();
      // Queued in this order, written in this order: the leader's snapshot, then what follows it.
      CompletableFuture<Void> installed = fx.install().map(committer::submitSnapshot)
          .orElse(CompletableFuture.completedFuture(null));
      CompletableFuture<Void> written = hardState.isPresent() || !fx.append().isEmpty()
          ? committer.submit(hardState, fx.append()) : CompletableFuture.completedFuture(null);
      CompletableFuture.allOf(installed, written).whenComplete((v, err) -> context.runOnContext(x -> {
        if (err != null) {
          fail(err);
          return;
        }
        if (!batch.durable) {
          batch.durable = true;
          flush();
        }
      }));
    }
  }

  private void complete(Effects fx) {
    long now = System.nanoTime();
    if (!fx.append().isEmpty()) {
      LogEntry last = fx.append().get(fx.append().size() - 1);
      core.persisted(now, last.term(), last.index());
    }
    for (RaftMessage m : fx.sendAfterPersist()) {
      send(m);
    }
    fx.install().ifPresent(snapshot -> {
      machine.restore(snapshot.data());
      machineIndex = snapshot.index();
      listener.snapshot(true, snapshot.data().length);
    });
    for (LogEntry e : fx.commit()) {
      byte[] result = e.type() == LogEntry.Type.COMMAND ? machine.apply(e.index(), e.command()) : null;
      machineIndex = e.index();
      PendingProposal p = proposals.remove(e.index());
      if (p != null) {
        if (e.term() == p.term && result != null) {
          listener.committed(now - p.proposedNanos);
          p.promise.complete(result);
        } else {
          p.promise.fail(new CommandLostException(e.index(), p.term, e.term()));
        }
      }
    }
    fx.reads().forEach(r -> {
      Promise<Long> p = reads.remove(r.requestId());
      if (p != null) {
        p.complete(r.index());
      }
    });
    maybeSnapshot();
  }

  /**
   * Once {@code snapshotEntries} entries have been applied since the last snapshot, snapshots the
   * state machine, makes the snapshot durable (in order with the log's batches) and then lets the
   * core drop its log behind it. One at a time; the log keeps growing meanwhile.
   */
  private void maybeSnapshot() {
    long applied = machineIndex; // the core's applied index may be ahead: batches still being written
    if (snapshotting || applied - core.snapshotIndex() < snapshotEntries) {
      return;
    }
    Snapshot snapshot = new Snapshot(applied, core.termAt(applied), core.votersAt(applied), machine.snapshot());
    snapshotting = true;
    committer.submitSnapshot(snapshot).whenComplete((v, err) -> context.runOnContext(x -> {
      snapshotting = false;
      if (err != null) {
        fail(err);
        return;
      }
      if (!stopped()) {
        core.compact(System.nanoTime(), snapshot);
        listener.snapshot(false, snapshot.data().length);
        flush();
      }
    }));
  }

  private void onEvent(RaftEvent e) {
    listener.event(e);
    if (e instanceof RaftEvent.ReadsAbandoned a) {
      for (long id : a.requestIds()) {
        Promise<Long> p = reads.remove(id);
        if (p != null) {
          p.fail(new NotLeaderException(core.leader(), null));
        }
      }
    } else if (e instanceof RaftEvent.RoleChanged rc && rc.from() != rc.to()) {
      log.atInfo().setMessage("raft: {} -> {} in term {}: {}").addArgument(rc.from()).addArgument(rc.to())
          .addArgument(rc.term()).addArgument(rc.reason()).addKeyValue("leader", rc.leader().orElse(null)).log();
    }
  }

  private void send(RaftMessage m) {
    Optional<Address> to = addresses.apply(m.to());
    if (to.isEmpty()) {
      return; // not (yet) known to the membership; Raft sends again
    }
    try {
      transport.send(to.get(), Channel.RAFT, RaftCodec.encode(m));
    } catch (IllegalArgumentException e) {
      log.error("cannot send {} to {}: {}", m.kind(), m.to(), e.getMessage());
    }
  }

  private void fail(Throwable err) {
    if (failure != null) {
      return;
    }
    failure = err;
    log.error("raft: the log cannot be written; this node stops taking part in the coordination group until"
        + " it is restarted", err);
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    failWaiting(new IllegalStateException("the Raft log cannot be written: " + err.getMessage(), err));
  }

  private void failWaiting(Throwable err) {
    proposals.values().forEach(p -> p.promise.tryFail(err));
    proposals.clear();
    reads.values().forEach(p -> p.tryFail(err));
    reads.clear();
  }

  private static final class Batch {
    final Effects effects;
    boolean durable;

    Batch(Effects effects, boolean durable) {
      this.effects = effects;
      this.durable = durable;
    }
  }

  private record PendingProposal(long term, Promise<byte[]> promise, long proposedNanos) {}
}
