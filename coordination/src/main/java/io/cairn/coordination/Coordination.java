package io.cairn.coordination;

import io.cairn.coordination.CoordinationException.Kind;
import io.cairn.coordination.Forwarding.Reply;
import io.cairn.coordination.machine.StateMachine;
import io.cairn.coordination.raft.DurableState;
import io.cairn.coordination.raft.HardState;
import io.cairn.coordination.raft.LogEntry;
import io.cairn.coordination.raft.RaftCore;
import io.cairn.coordination.raft.RaftEvent;
import io.cairn.coordination.raft.RaftMessage;
import io.cairn.coordination.raft.Submission;
import io.cairn.coordination.raft.log.GroupCommitter;
import io.cairn.coordination.raft.log.WalLogStore;
import io.cairn.coordination.shell.CommandLostException;
import io.cairn.coordination.shell.NotLeaderException;
import io.cairn.coordination.shell.OverloadedException;
import io.cairn.coordination.shell.RaftCodec;
import io.cairn.coordination.shell.RaftListener;
import io.cairn.coordination.shell.RaftShell;
import io.cairn.membership.Address;
import io.cairn.membership.Member;
import io.cairn.membership.MemberStatus;
import io.cairn.membership.Membership;
import io.cairn.membership.NodeId;
import io.cairn.membership.transport.Channel;
import io.cairn.membership.transport.Inbound;
import io.cairn.membership.transport.Transport;
import io.cairn.membership.transport.TransportException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's part in the coordination group, and the door to it: any node takes any
 * coordination request and gets it to the Raft leader.
 *
 * <p><b>Voters and non-voters.</b> A node whose write-ahead log holds a group's state restarts as
 * the voter it was (its identity is its node id; its address may have changed). A node with an
 * empty log waits for the voter set to be decided ({@link CoordinationSettings#initialVoters()}, or
 * the {@code cp.voters} members with the lowest node ids once that many have joined and the
 * membership has been stable for {@code cp.bootstrap-settle}); it then asks every live member
 * whether a group already exists. If one does with other voters, it stays a non-voter. Otherwise,
 * if it is one of the voters it writes the same first log entry as every other voter (the voter
 * set, at index 1 in term 1) and starts Raft; every other node is a non-voter that forwards.
 *
 * <p><b>Changes of voters.</b> The leader replaces a voter that the membership has seen dead or
 * gone for {@code cp.replace-dead-voter-after} by a live non-voter, one server at a time through
 * the log; a non-voter that a leader sends its log to becomes a voter. A stopping leader first
 * hands its leadership over ({@link #handOver}).
 *
 * <p><b>Requests.</b> {@link #command} and {@link #query} go to the node believed to lead (a
 * voter's own Raft state, or the last redirect), over the cluster transport, and follow redirects
 * until {@code cp.request-timeout}. A command is sent to a leader at most once: when its answer is
 * lost the caller learns that the outcome is unknown, never a guess; a query is retried freely.
 */
public final class Coordination extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(Coordination.class);
  private static final long BOOTSTRAP_CHECK_MILLIS = 200;
  private static final long RETRY_MILLIS = 25;
  private static final long HOUSEKEEPING_MILLIS = 1_000;
  static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  private final CoordinationSettings settings;
  private final Membership membership;
  private final Transport transport;
  private final StateMachine machine;
  private final Function<byte[], byte[]> queries;
  private final RaftListener listener;
  private final NodeId self;

  private ExecutorService walExecutor;
  private WalLogStore store;
  private GroupCommitter committer;
  private volatile RaftShell shell;
  private volatile String role = "BOOTSTRAPPING";
  private volatile List<NodeId> voters = List.of();
  private volatile NodeId leaderHint;
  private long bootstrapTimer = -1;
  private long housekeepingTimer = -1;
  private boolean askingGroup;
  private boolean promoting;
  private long lastLeaderSeen;
  private final Map<NodeId, Long> downSince = new HashMap<>();
  private List<NodeId> settlingView = List.of();
  private long settlingSince;
  private boolean checkingGroup;
  private int nextTarget;
  private final Map<Byte, Function<byte[], Future<byte[]>>> calls = new ConcurrentHashMap<>();

  /**
   * @param machine the replicated state machine; every command is applied to it
   * @param queries answers a query against {@code machine}'s applied state (run on this verticle's
   *     context after a read barrier)
   */
  public Coordination(CoordinationSettings settings, Membership membership, Transport transport, StateMachine machine,
      Function<byte[], byte[]> queries, RaftListener listener) {
    this.settings = settings;
    this.membership = membership;
    this.transport = transport;
    this.machine = machine;
    this.queries = queries;
    this.listener = listener;
    this.self = membership.local().id();
  }

  @Override
  public Future<?> start() {
    walExecutor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "cairn-wal");
      t.setDaemon(true);
      return t;
    });
    transport.onMessage(Channel.RAFT, this::onRaftMessage);
    transport.onRequest(Channel.RAFT, this::onRequest);
    return vertx.executeBlocking(() -> {
      Files.createDirectories(settings.dir());
      store = WalLogStore.open(settings.dir());
      return store.load();
    }, false).map(restored -> {
      committer = new GroupCommitter(store, walExecutor, (batches, entries, nanos) -> listener.fsynced(entries, nanos));
      if (hasGroup(restored)) {
        startVoter(restored, votersOf(restored));
      } else {
        bootstrapTimer = vertx.setPeriodic(1, BOOTSTRAP_CHECK_MILLIS, id -> tryBootstrap());
      }
      return null;
    });
  }

  @Override
  public Future<?> stop() {
    if (bootstrapTimer >= 0) {
      vertx.cancelTimer(bootstrapTimer);
    }
    if (housekeepingTimer >= 0) {
      vertx.cancelTimer(housekeepingTimer);
    }
    RaftShell s = shell;
    Future<Void> closed = s == null ? Future.succeededFuture() : s.close();
    return closed.eventually(() -> vertx.executeBlocking(() -> {
      if (committer != null) {
        committer.close();
      }
      walExecutor.shutdown();
      walExecutor.awaitTermination(10, TimeUnit.SECONDS);
      if (store != null) {
        store.close();
      }
      return null;
    }, false));
  }

  /**
   * For a graceful stop: if this node leads, hands leadership to the most caught-up voter and
   * completes once it no longer leads (at most an election timeout), so that the group does not
   * wait an election timeout for a leader that is going away. Completes with whether this node is
   * not leading any more.
   */
  public Future<Boolean> handOver() {
    RaftShell s = shell;
    return s == null ? Future.succeededFuture(true) : s.handOver(settings.raft().electionTimeoutMax());
  }

  // ------------------------------------------------------------------------------ requests

  /**
   * Commits {@code command} through the leader and completes with the state machine's result.
   * Fails with {@link CoordinationException}: UNAVAILABLE when no leader took it, OUTCOME_UNKNOWN
   * when one may have.
   */
  public Future<byte[]> command(byte[] command) {
    return route(Forwarding.COMMAND, command);
  }

  /**
   * Runs {@code body} at the leader, by the {@link #serveCalls} procedure there, which may propose
   * and wait up to {@code wait}: a long poll. Like a command it is sent to a leader at most once,
   * and fails with OUTCOME_UNKNOWN when its answer is lost.
   */
  public Future<byte[]> call(byte service, byte[] body, Duration wait) {
    byte[] addressed = new byte[body.length + 1];
    addressed[0] = service;
    System.arraycopy(body, 0, addressed, 1, body.length);
    return route(Forwarding.CALL, addressed, settings.requestTimeout().plus(wait));
  }

  /**
   * Sets the procedure that serves the {@link #call}s to {@code service} at this node while it
   * leads; it runs on this verticle's context and should start with {@link #proposeHere} or {@link
   * #readHere}, whose {@link NotLeaderException} sends the caller on to the leader.
   */
  public void serveCalls(byte service, Function<byte[], Future<byte[]>> procedure) {
    calls.put(service, procedure);
  }

  private Future<byte[]> serveCall(byte[] addressed) {
    Function<byte[], Future<byte[]>> procedure = addressed.length == 0 ? null : calls.get(addressed[0]);
    if (procedure == null) {
      return Future.failedFuture(new IllegalArgumentException("this node serves no such calls"));
    }
    return procedure.apply(Arrays.copyOfRange(addressed, 1, addressed.length));
  }

  /**
   * Proposes {@code command} to this node's Raft, which must lead (see {@link RaftShell#propose});
   * call it on this verticle's context.
   */
  public Future<byte[]> proposeHere(byte[] command) {
    RaftShell s = shell;
    return s == null ? Future.failedFuture(new NotLeaderException(Optional.ofNullable(leaderHint),
        Submission.Reason.NOT_LEADER)) : s.propose(command);
  }

  /** A linearizable read at this node, which must lead (see {@link RaftShell#read}). */
  public <T> Future<T> readHere(java.util.function.Supplier<T> query) {
    RaftShell s = shell;
    return s == null ? Future.failedFuture(new NotLeaderException(Optional.ofNullable(leaderHint),
        Submission.Reason.NOT_LEADER)) : s.read(query);
  }

  /**
   * Runs {@code task} every {@code period} on this verticle's context while this node leads, with
   * the term it leads in.
   */
  public void whileLeading(Duration period, java.util.function.LongConsumer task) {
    periodically(period, () -> {
      RaftShell s = shell;
      long term = s == null ? 0 : s.leadingTerm();
      if (term > 0) {
        task.accept(term);
      }
    });
  }

  /** Runs {@code task} every {@code period} on this verticle's context (which applies the log). */
  public void periodically(Duration period, Runnable task) {
    context.runOnContext(v -> vertx.setPeriodic(period.toMillis(), id -> task.run()));
  }

  /** Answers {@code query} linearizably: at the leader, after a ReadIndex barrier. */
  public Future<byte[]> query(byte[] query) {
    return route(Forwarding.QUERY, query);
  }

  /**
   * Answers {@code query} from this voter's own applied state, without asking the leader: fast,
   * but possibly stale (what etcd calls a serializable read). A node cut off from the group keeps
   * answering from what it had; nothing in the HTTP API reads this way. Fails with {@link
   * CoordinationException} on a non-voter.
   */
  public Future<byte[]> serializableQuery(byte[] query) {
    RaftShell s = shell;
    if (s == null) {
      return Future.failedFuture(new CoordinationException(Kind.UNAVAILABLE,
          "this node holds no copy of the coordination state", RETRY_AFTER));
    }
    return s.inspect(core -> queries.apply(query));
  }

  /** This node's view of the group. */
  public Future<RaftStatus> status() {
    RaftShell s = shell;
    if (s == null) {
      return Future.succeededFuture(new RaftStatus(self, role, 0, Optional.ofNullable(leaderHint), 0, 0, 0, 0, voters,
          List.of()));
    }
    return s.inspect(core -> new RaftStatus(self,
        core.voters().contains(self) ? core.role().name() : "NON_VOTER", core.term(), core.leader(), core.commitIndex(),
        core.appliedIndex(), core.lastIndex(), core.snapshotIndex(), core.voters(), core.followers()));
  }

  private Future<byte[]> route(byte kind, byte[] body) {
    return route(kind, body, settings.requestTimeout());
  }

  private Future<byte[]> route(byte kind, byte[] body, Duration timeout) {
    Promise<byte[]> result = Promise.promise();
    long deadline = System.nanoTime() + timeout.toNanos();
    context.runOnContext(v -> attempt(kind, body, deadline, result));
    return result.future();
  }

  private void attempt(byte kind, byte[] body, long deadline, Promise<byte[]> result) {
    long remaining = deadline - System.nanoTime();
    if (remaining <= 0) {
      result.fail(new CoordinationException(Kind.UNAVAILABLE,
          "no leader of the coordination group could be reached within " + settings.requestTimeout().toMillis()
              + " ms (the group may be electing one, or this node is cut off from its majority)", RETRY_AFTER));
      return;
    }
    NodeId target = target();
    if (target == null) {
      retryLater(kind, body, deadline, result);
      return;
    }
    Future<Reply> reply;
    if (target.equals(self)) {
      reply = serve(kind, body).timeout(remaining, TimeUnit.NANOSECONDS);
    } else {
      Optional<Address> address = address(target);
      if (address.isEmpty()) {
        forget(target);
        retryLater(kind, body, deadline, result);
        return;
      }
      // A query may be asked again elsewhere: it waits at most an election timeout for a target that
      // may have frozen, then follows the new leader. A command waits for its answer as long as it
      // may, since it may apply.
      boolean once = kind != Forwarding.QUERY;
      long wait = once ? remaining
          : Math.min(remaining, settings.raft().electionTimeoutMax().toNanos());
      reply = transport.request(address.get(), Channel.RAFT, Forwarding.request(kind, body), Duration.ofNanos(wait))
          .map(Forwarding::decodeReply);
    }
    reply.onComplete(ar -> {
      if (ar.failed()) {
        Throwable e = ar.cause();
        boolean neverSent = e instanceof TransportException te && (te.reason() == TransportException.Reason.OVERLOADED
            || te.reason() == TransportException.Reason.UNREACHABLE);
        forget(target);
        if (kind != Forwarding.QUERY && !neverSent) {
          result.fail(new CoordinationException(Kind.OUTCOME_UNKNOWN, "the leader " + target
              + " took the request but its answer was lost (" + e.getMessage() + "): it may or may not have"
              + " been applied", RETRY_AFTER));
          return;
        }
        retryLater(kind, body, deadline, result);
        return;
      }
      Reply r = ar.result();
      switch (r.status()) {
        case Forwarding.OK -> result.complete(r.body());
        case Forwarding.REDIRECT -> {
          if (r.leader().isPresent() && !r.leader().get().equals(target)) {
            leaderHint = r.leader().get();
            attempt(kind, body, deadline, result);
          } else {
            forget(target);
            retryLater(kind, body, deadline, result);
          }
        }
        case Forwarding.RETRY -> retryLater(kind, body, deadline, result);
        case Forwarding.BUSY -> result.fail(new CoordinationException(Kind.UNAVAILABLE,
            "the leader " + target + " refused the request: " + Forwarding.message(r), RETRY_AFTER));
        case Forwarding.UNKNOWN -> result.fail(new CoordinationException(Kind.OUTCOME_UNKNOWN,
            "the leader " + target + " took the request but could not say whether it applied: "
                + Forwarding.message(r), RETRY_AFTER));
        default -> result.fail(new IllegalStateException(Forwarding.message(r)));
      }
    });
  }

  private void retryLater(byte kind, byte[] body, long deadline, Promise<byte[]> result) {
    long wait = Math.max(1, Math.min(RETRY_MILLIS, (deadline - System.nanoTime()) / 1_000_000));
    vertx.setTimer(wait, id -> attempt(kind, body, deadline, result));
  }

  /** Whom to send a request to: the known leader, else a voter in turn, else nobody yet. */
  private NodeId target() {
    NodeId hint = leaderHint;
    if (hint != null) {
      return hint;
    }
    if (shell != null && voters.contains(self)) {
      return null; // a voter learns the new leader from Raft itself
    }
    List<NodeId> candidates = new ArrayList<>(voters);
    membership.members().stream().filter(m -> m.status() == MemberStatus.ALIVE).map(Member::id)
        .filter(id -> !id.equals(self) && !candidates.contains(id)).forEach(candidates::add);
    if (candidates.isEmpty()) {
      return null;
    }
    return candidates.get(Math.floorMod(nextTarget++, candidates.size()));
  }

  /**
   * A request to {@code target} failed: it may be gone, so stop sending there. A voter then takes
   * the leader its Raft knows now: Raft tells of a leader only when this node's role changes, so a
   * voter that merely forgot one (an answer lost while the leader stayed) would otherwise send
   * nothing anywhere until the next election.
   */
  private void forget(NodeId target) {
    if (target.equals(leaderHint)) {
      leaderHint = null;
      RaftShell s = shell;
      if (s != null) {
        s.inspect(RaftCore::leader).onSuccess(leader -> {
          if (leaderHint == null && shell == s) {
            leaderHint = leader.orElse(null);
          }
        });
      }
    }
  }

  private Optional<Address> address(NodeId id) {
    return membership.member(id)
        .filter(m -> m.status() == MemberStatus.ALIVE || m.status() == MemberStatus.SUSPECT)
        .map(m -> m.metadata().clusterAddress());
  }

  /**
   * A Raft message. A non-voter that a leader sends its log (or snapshot) to has been added to the
   * voter set: it starts Raft from its empty log and learns the rest from the leader.
   */
  private void onRaftMessage(Inbound in) {
    RaftShell s = shell;
    if (s != null) {
      s.receive(in);
      return;
    }
    RaftMessage.Kind kind;
    try {
      kind = RaftCodec.decode(in.payload()).kind();
    } catch (RuntimeException e) {
      return;
    }
    if (kind == RaftMessage.Kind.APPEND_ENTRIES || kind == RaftMessage.Kind.INSTALL_SNAPSHOT) {
      context.runOnContext(v -> {
        if (shell != null) {
          shell.receive(in);
        } else if ("NON_VOTER".equals(role) && !promoting) {
          // What this node's log holds (empty, or what it had before it was removed); the leader
          // sends the rest again.
          promoting = true;
          log.atInfo().setMessage("coordination: {} sends this node the log: it has been made a voter")
              .addArgument(in.from()).log();
          vertx.executeBlocking(store::load, false).onComplete(ar -> {
            promoting = false;
            if (ar.failed()) {
              log.error("coordination: cannot read the Raft log to become a voter", ar.cause());
            } else if (shell == null) {
              startVoter(ar.result(), hasGroup(ar.result()) ? votersOf(ar.result()) : voters);
            }
          });
        }
      });
    }
  }

  /** A request another node forwarded here. */
  private Future<Buffer> onRequest(Inbound in) {
    Forwarding.Request req;
    try {
      req = Forwarding.decodeRequest(in.payload());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    Promise<Reply> reply = Promise.promise();
    context.runOnContext(v -> serve(req.kind(), req.body()).onComplete(reply));
    return reply.future().map(Forwarding::encode);
  }

  /** Serves a request here: at the leader, or a redirect. Runs on this verticle's context. */
  private Future<Reply> serve(byte kind, byte[] body) {
    RaftShell s = shell;
    if (kind == Forwarding.STATUS) {
      return Future.succeededFuture(Reply.group(s != null, voters, Optional.ofNullable(leaderHint)));
    }
    if (s == null) {
      return Future.succeededFuture(Reply.redirect(Optional.ofNullable(leaderHint)));
    }
    Future<byte[]> done = switch (kind) {
      case Forwarding.COMMAND -> s.propose(body);
      case Forwarding.CALL -> serveCall(body);
      default -> s.read(() -> queries.apply(body));
    };
    return done.map(Reply::ok).recover(e -> {
      if (e instanceof NotLeaderException nle) {
        return Future.succeededFuture(nle.reason() == Submission.Reason.LEADER_NOT_READY
            ? Reply.retry() : Reply.redirect(nle.leader()));
      }
      if (e instanceof CommandLostException) {
        return Future.succeededFuture(Reply.retry());
      }
      if (e instanceof OverloadedException) {
        return Future.succeededFuture(Reply.busy(e.getMessage()));
      }
      // The shell stopped (closed, or its log failed) with the command perhaps appended: it may
      // still commit under another leader. A read has no effect: it may simply be asked again.
      return Future.succeededFuture(kind != Forwarding.QUERY
          ? Reply.unknown(String.valueOf(e.getMessage())) : Reply.retry());
    });
  }

  // ----------------------------------------------------------------------------- bootstrap

  private static boolean hasGroup(DurableState s) {
    return s.snapshot().isPresent() || !s.log().isEmpty() || s.hardState().term() > 0;
  }

  /** The voter set of a restored state: the last CONFIG entry of the log, else the snapshot's. */
  static List<NodeId> votersOf(DurableState s) {
    for (int i = s.log().size() - 1; i >= 0; i--) {
      LogEntry e = s.log().get(i);
      if (e.type() == LogEntry.Type.CONFIG) {
        return e.voters();
      }
    }
    return s.snapshot().map(snap -> snap.voters())
        .orElseThrow(() -> new IllegalStateException("the restored Raft log has no voter set"));
  }

  private void tryBootstrap() {
    if (shell != null || checkingGroup) {
      return;
    }
    Optional<List<NodeId>> decided = decideVoters();
    if (decided.isEmpty()) {
      return;
    }
    List<NodeId> chosen = decided.get();
    checkingGroup = true;
    askForExistingGroup().onComplete(ar -> {
      checkingGroup = false;
      if (ar.failed() || shell != null || bootstrapTimer < 0) {
        return; // some member did not answer: ask again on the next check
      }
      vertx.cancelTimer(bootstrapTimer);
      bootstrapTimer = -1;
      Optional<List<NodeId>> existing = ar.result();
      if (existing.isPresent() && !existing.get().equals(chosen)) {
        voters = existing.get();
        role = "NON_VOTER";
        log.atInfo().setMessage("coordination: a group with voters {} exists; this node forwards to it")
            .addArgument(voters).log();
        return;
      }
      voters = chosen;
      if (!chosen.contains(self)) {
        role = "NON_VOTER";
        log.atInfo().setMessage("coordination: the voters are {}; this node forwards to them").addArgument(chosen).log();
        return;
      }
      DurableState first = new DurableState(new HardState(1, Optional.empty(), 0),
          List.of(LogEntry.config(1, 1, chosen)));
      committer.submit(Optional.of(first.hardState()), first.log())
          .whenComplete((v, err) -> context.runOnContext(x -> {
            if (err != null) {
              log.error("coordination: cannot write the first Raft entry", err);
              return;
            }
            log.atInfo().setMessage("coordination: formed the group with voters {}").addArgument(chosen).log();
            startVoter(first, chosen);
          }));
    });
  }

  /** The voter set, once it can be decided. */
  private Optional<List<NodeId>> decideVoters() {
    if (!settings.initialVoters().isEmpty()) {
      return Optional.of(settings.initialVoters());
    }
    if (!membership.joined()) {
      return Optional.empty();
    }
    List<NodeId> alive = membership.members().stream().filter(m -> m.status() == MemberStatus.ALIVE)
        .map(Member::id).sorted().toList();
    long now = System.nanoTime();
    if (!alive.equals(settlingView)) {
      settlingView = alive;
      settlingSince = now;
    }
    if (alive.size() < settings.voters()) {
      return Optional.empty();
    }
    boolean alone = alive.size() == 1;
    if (!alone && now - settlingSince < settings.bootstrapSettle().toNanos()) {
      return Optional.empty();
    }
    return Optional.of(alive.subList(0, settings.voters()));
  }

  /**
   * Asks every other live member whether it belongs to a group; completes with the voters of one
   * that does, empty when none does, and fails when some member did not answer.
   */
  private Future<Optional<List<NodeId>>> askForExistingGroup() {
    List<Future<Reply>> answers = new ArrayList<>();
    for (Member m : membership.members()) {
      if (m.status() == MemberStatus.ALIVE && !m.id().equals(self)) {
        answers.add(transport.request(m.metadata().clusterAddress(), Channel.RAFT,
            Forwarding.request(Forwarding.STATUS, new byte[0]), Duration.ofSeconds(1)).map(Forwarding::decodeReply));
      }
    }
    return Future.all(answers).map(all -> {
      for (int i = 0; i < all.size(); i++) {
        Reply r = all.resultAt(i);
        if (r.status() == Forwarding.GROUP && r.hasGroup()) {
          return Optional.of(r.voters());
        }
      }
      return Optional.empty();
    });
  }

  /**
   * Starts Raft from {@code restored}; {@code bootstrap} is the voter set when the restored state
   * names none (a node being added starts from an empty log and learns it from the leader).
   */
  private void startVoter(DurableState restored, List<NodeId> bootstrap) {
    RaftCore core = new RaftCore(self, bootstrap, settings.raft(), restored, new SplittableRandom());
    voters = core.voters();
    role = "FOLLOWER";
    RaftListener tracking = new RaftListener() {
      @Override
      public void committed(long nanos) {
        listener.committed(nanos);
      }

      @Override
      public void snapshot(boolean installed, int bytes) {
        listener.snapshot(installed, bytes);
      }

      @Override
      public void state(long term, boolean leader, long commitIndex, long appliedIndex, long firstIndex,
          long lastIndex) {
        listener.state(term, leader, commitIndex, appliedIndex, firstIndex, lastIndex);
      }

      @Override
      public void voters(List<NodeId> current) {
        voters = current;
        listener.voters(current);
      }

      @Override
      public void event(RaftEvent e) {
        if (e instanceof RaftEvent.RoleChanged rc) {
          role = rc.to().name();
          leaderHint = rc.leader().orElse(null);
        }
        listener.event(e);
      }
    };
    restored.snapshot().ifPresent(snapshot -> machine.restore(snapshot.data()));
    shell = new RaftShell(vertx, context, core, machine, committer, transport, this::address, tracking,
        settings.snapshotEntries(), settings.maxPendingRequests());
    shell.start();
    lastLeaderSeen = System.nanoTime();
    if (housekeepingTimer < 0) {
      housekeepingTimer = vertx.setPeriodic(HOUSEKEEPING_MILLIS, id -> {
        replaceDeadVoters();
        checkStillVoter();
      });
    }
  }

  /**
   * A voter that has known no leader for a few election timeouts asks the live members about the
   * group: if one names a leader and a voter set without this node, this node was removed while it
   * was away (its own log still lists it). It stops Raft and forwards like any non-voter; if a
   * leader adds it again, it restarts Raft from its log.
   */
  private void checkStillVoter() {
    long now = System.nanoTime();
    if (shell == null || leaderHint != null) {
      lastLeaderSeen = now;
      return;
    }
    if (askingGroup || now - lastLeaderSeen < 3 * settings.raft().electionTimeoutMax().toNanos()) {
      return;
    }
    askingGroup = true;
    List<Future<Reply>> answers = new ArrayList<>();
    for (Member m : membership.members()) {
      if (m.status() == MemberStatus.ALIVE && !m.id().equals(self)) {
        answers.add(transport.request(m.metadata().clusterAddress(), Channel.RAFT,
            Forwarding.request(Forwarding.STATUS, new byte[0]), Duration.ofSeconds(1)).map(Forwarding::decodeReply));
      }
    }
    Future.join(answers).onComplete(ar -> {
      askingGroup = false;
      lastLeaderSeen = System.nanoTime();
      for (Future<Reply> f : answers) {
        Reply r = f.succeeded() ? f.result() : null;
        if (shell != null && r != null && r.status() == Forwarding.GROUP && r.hasGroup() && r.leader().isPresent()
            && !r.voters().contains(self)) {
          log.atWarn().setMessage("coordination: the group (leader {}) has voters {} without this node, which was"
              + " removed while it was away; it stops Raft and forwards").addArgument(r.leader().get())
              .addArgument(r.voters()).log();
          RaftShell removed = shell;
          shell = null;
          role = "NON_VOTER";
          voters = r.voters();
          leaderHint = r.leader().get();
          removed.close();
          return;
        }
      }
    });
  }

  /**
   * On the leader: a voter that the membership has seen dead (or gone) for {@code
   * cp.replace-dead-voter-after} is removed, and a live member that is not a voter added in its
   * place (the one with the lowest id), one change at a time through the log. Removing first keeps
   * the quorum reachable (the dead voter would count against it); the group is back to {@code
   * cp.voters} voters once the new one is added. Nothing happens without a live member to add.
   */
  private void replaceDeadVoters() {
    RaftShell s = shell;
    if (settings.replaceDeadVoterAfter().isZero() || s == null || !"LEADER".equals(role)) {
      downSince.clear();
      return;
    }
    long now = System.nanoTime();
    List<NodeId> current = voters;
    for (NodeId v : current) {
      boolean down = !v.equals(self) && membership.member(v)
          .map(m -> m.status() == MemberStatus.DEAD || m.status() == MemberStatus.LEFT).orElse(true);
      if (down) {
        downSince.putIfAbsent(v, now);
      } else {
        downSince.remove(v);
      }
    }
    downSince.keySet().retainAll(current);
    Optional<NodeId> spare = membership.members().stream()
        .filter(m -> m.status() == MemberStatus.ALIVE && !current.contains(m.id()))
        .map(Member::id).sorted().findFirst();
    if (spare.isEmpty()) {
      return;
    }
    List<NodeId> next;
    String why;
    if (current.size() < settings.voters()) {
      next = new ArrayList<>(current);
      next.add(spare.get());
      why = "adding live member " + spare.get() + " to reach cp.voters " + settings.voters();
    } else {
      Optional<NodeId> dead = downSince.entrySet().stream()
          .filter(e -> now - e.getValue() >= settings.replaceDeadVoterAfter().toNanos())
          .map(Map.Entry::getKey).sorted().findFirst();
      if (dead.isEmpty()) {
        return;
      }
      next = current.stream().filter(v -> !v.equals(dead.get())).toList();
      why = "removing " + dead.get() + ", dead for more than cp.replace-dead-voter-after ("
          + settings.replaceDeadVoterAfter() + "); " + spare.get() + " will take its place";
    }
    List<NodeId> proposed = List.copyOf(next);
    s.changeVoters(proposed).onSuccess(r -> {
      if (r.accepted()) {
        log.atWarn().setMessage("coordination: changing the voters from {} to {}: {}")
            .addArgument(current).addArgument(proposed).addArgument(why).log();
      }
    });
  }
}
