package io.cairn.coordination.machine;

import io.cairn.coordination.machine.PrimitiveCommand.Acquire;
import io.cairn.coordination.machine.PrimitiveCommand.AcquirePermits;
import io.cairn.coordination.machine.PrimitiveCommand.Campaign;
import io.cairn.coordination.machine.PrimitiveCommand.CancelPermits;
import io.cairn.coordination.machine.PrimitiveCommand.CancelWait;
import io.cairn.coordination.machine.PrimitiveCommand.CloseSession;
import io.cairn.coordination.machine.PrimitiveCommand.CreateSession;
import io.cairn.coordination.machine.PrimitiveCommand.KeepAlive;
import io.cairn.coordination.machine.PrimitiveCommand.Proclaim;
import io.cairn.coordination.machine.PrimitiveCommand.Release;
import io.cairn.coordination.machine.PrimitiveCommand.ReleasePermits;
import io.cairn.coordination.machine.PrimitiveCommand.Resign;
import io.cairn.coordination.machine.PrimitiveCommand.Tick;
import io.cairn.coordination.machine.PrimitiveEvent.LeaderChanged;
import io.cairn.coordination.machine.PrimitiveEvent.LockGranted;
import io.cairn.coordination.machine.PrimitiveEvent.PermitsGranted;
import io.cairn.coordination.machine.PrimitiveEvent.SessionExpired;
import io.cairn.coordination.machine.PrimitiveResult.Elected;
import io.cairn.coordination.machine.PrimitiveResult.Granted;
import io.cairn.coordination.machine.PrimitiveResult.KeptAlive;
import io.cairn.coordination.machine.PrimitiveResult.NoSession;
import io.cairn.coordination.machine.PrimitiveResult.Queued;
import io.cairn.coordination.machine.PrimitiveResult.Renewal;
import io.cairn.coordination.machine.PrimitiveResult.SessionClosed;
import io.cairn.coordination.machine.PrimitiveResult.SessionCreated;
import io.cairn.coordination.machine.Primitives.ElectionView;
import io.cairn.coordination.machine.Primitives.LockView;
import io.cairn.coordination.machine.Primitives.Permits;
import io.cairn.coordination.machine.Primitives.SemaphoreView;
import io.cairn.coordination.raft.LogEntry;
import io.cairn.coordination.raft.RaftSim;
import io.cairn.coordination.raft.RaftSim.Node;
import io.cairn.coordination.raft.Role;
import io.cairn.coordination.raft.Submission;
import io.cairn.coordination.raft.Submission.Accepted;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The coordination primitives replicated by a simulated Raft group ({@link RaftSim}: seeded lossy
 * network, partitions, crashes and restarts, pauses, leadership transfers, voter changes,
 * compactions and snapshot installs). Each node's shell applies committed commands to its own
 * {@link Primitives} (restored from the snapshot bytes on install and restart); its leader proposes
 * a {@link Tick} every {@link #TICK_INTERVAL} with what a {@link TickClock} says; randomized
 * {@link Client}s create sessions, keep them alive (or pause past their TTL, or die), acquire,
 * release and cancel locks, campaign, proclaim and resign, and take and give back permits, through
 * whoever leads (requests are refused, lost, or have an unknown outcome when the proposer crashes
 * or the answer is lost: the client gives up after {@link #REQUEST_TIMEOUT} and carries on).
 *
 * <p>Checked on every apply, on every replica: the state after index i is byte for byte the state
 * the first replica to apply i had (so are the result and the events), and a restored snapshot is
 * the state at its index. Checked on that first state, so on all: a lock's holder and waiters, an
 * election's candidates, a semaphore's holders and waiters are live sessions; an expired or closed
 * session is gone (so holds and waits on nothing); every lock grant's token (from results and
 * events) is greater than every earlier one of that lock, and the state shows the last; election
 * tokens likewise; permits in use never exceed the limit. Lease safety in virtual real time: no
 * session expires (first applied anywhere) before the time its client sent its last create or
 * keepalive that was applied, + TTL (every applied renewal counts, not only those whose answer
 * reached the client: a stricter check). Mutual exclusion as clients see it: no two clients may
 * use a lock at once, each judging by its own lease (the latest acknowledged renewal's send time
 * + TTL). Liveness: in a stretch with no fault and one running leader, a session not renewed
 * expires within {@link #LIVENESS_SLACK} after its last renewal was applied + TTL + tick interval.
 *
 * <p>The group has one spare node: {@link RaftSim#scheduleFaults} also changes the voters, keeping
 * between n - 1 (at least 2) and n + 1 of them. A failure's trace holds Raft's events and the
 * primitives' applies, answers and timeouts (not every message delivery).
 */
final class PrimitivesSim {
  static final Duration TICK_INTERVAL = Duration.ofMillis(100);
  static final Duration REQUEST_TIMEOUT = Duration.ofMillis(1_500);
  /** Beyond TTL + tick interval: commit latency under loss and rounding, generously. */
  static final Duration LIVENESS_SLACK = Duration.ofSeconds(1);
  /** How long before a renewal the group must have been calm for the liveness bound to apply. */
  static final Duration CALM_BEFORE = Duration.ofSeconds(1);
  static final String[] LOCKS = {"a", "b", "c"};
  static final String[] ELECTIONS = {"e", "f"};
  static final String SEMAPHORE = "s";
  static final int LIMIT = 3;
  private static final byte[] EMPTY_STATE = new Primitives().snapshot();

  /** A client's request, from its sending to its answer (or its giving up). */
  private static final class Request {
    final Client client;
    final PrimitiveCommand command;
    final long sentNanos;
    long term;
    boolean done;

    Request(Client client, PrimitiveCommand command, long sentNanos) {
      this.client = client;
      this.command = command;
      this.sentNanos = sentNanos;
    }
  }

  private record IndexTerm(long index, long term) {}

  /** A node's shell: its state machine, its tick clock, the requests it proposed; all lost in a crash. */
  private final class Shell implements RaftSim.Replica {
    final Node node;
    final Primitives machine = new Primitives();
    final TickClock clock = tickRule.get();
    final Map<Long, Request> pending = new HashMap<>();

    Shell(Node node) {
      this.node = node;
    }

    @Override
    public void apply(LogEntry e) {
      if (e.type() != LogEntry.Type.COMMAND) {
        return;
      }
      byte[] result = machine.apply(e.index(), e.command());
      applied(this, e, result, machine.drainEvents());
    }

    @Override
    public byte[] snapshot() {
      return machine.snapshot();
    }

    @Override
    public void restore(long index, byte[] snapshot) {
      machine.restore(snapshot);
      Map.Entry<Long, byte[]> at = stateAt.floorEntry(index);
      byte[] expected = at == null ? EMPTY_STATE : at.getValue();
      if (!Arrays.equals(machine.snapshot(), expected)) {
        throw new IllegalStateException(node.id + " restored a snapshot at " + index
            + " that is not the state the group reached there");
      }
      restores++;
    }
  }

  /** What the simulation knows of a session from the commands applied. */
  private static final class Track {
    final long id;
    final long ttlNanos;
    final Client client;
    long renewalSent; // the latest send time of an applied create or keepalive
    long renewalApplied; // when the last of them was first applied
    boolean ended;

    Track(long id, long ttlNanos, Client client, long sent, long applied) {
      this.id = id;
      this.ttlNanos = ttlNanos;
      this.client = client;
      this.renewalSent = sent;
      this.renewalApplied = applied;
    }
  }

  final RaftSim sim;
  private final Supplier<TickClock> tickRule;
  private final SplittableRandom random;
  private final Shell[] shells;
  private final List<Client> clients = new ArrayList<>();
  private final double answerLoss;

  private final TreeMap<Long, byte[]> stateAt = new TreeMap<>();
  private final Map<Long, byte[]> resultAt = new HashMap<>();
  private final Map<Long, List<PrimitiveEvent>> eventsAt = new HashMap<>();
  private final Map<IndexTerm, Request> proposals = new HashMap<>();
  private long firstApplied;
  private final Map<Long, Track> tracks = new HashMap<>();
  private final Map<String, Long> lockToken = new HashMap<>();
  private final Map<String, Long> electionToken = new HashMap<>();
  private final Map<String, Long> electionLeader = new HashMap<>();
  private long calmSince;
  private String leaderSeen = "";

  // What the run did, for the totals.
  long commands;
  long ticks;
  long sessionsCreated;
  long keepAlives;
  long grants;
  long expiries;
  long closes;
  long leaseChecks;
  /** The least time between a lease's end (as its client may count it) and its session's expiry. */
  long minLeaseMargin = Long.MAX_VALUE;
  long livenessChecks;
  long exclusionChecks;
  long electionChanges;
  long permitGrants;
  long unknownOutcomes;
  long refusals;
  long restores;
  long pauses;
  long deaths;

  PrimitivesSim(int voters, long seed, Supplier<TickClock> tickRule, String replayTest) {
    this.sim = new RaftSim(voters, voters + 1, seed).replayTest(replayTest);
    this.tickRule = tickRule;
    this.random = sim.random().split();
    this.shells = new Shell[sim.n];
    sim.replicas(node -> shells[node.index] = new Shell(node));
    double[] drops = {0, 0.02, 0.10};
    double drop = drops[random.nextInt(drops.length)];
    this.answerLoss = drop;
    sim.network.drop(drop).delay(Duration.ofMillis(1), Duration.ofMillis(1 + random.nextInt(20))).duplicate(0.02)
        .traceDeliveries(false); // the trace keeps Raft's events and the primitives' applies and answers
    for (Node node : sim.nodes) {
      sim.scheduler.after(random.nextLong(TICK_INTERVAL.toNanos()), () -> tickLoop(node));
    }
    int clientCount = random.nextInt(6, 11);
    for (int i = 0; i < clientCount; i++) {
      Client c = new Client(this, i, random.split());
      clients.add(c);
      sim.scheduler.after(random.nextLong(1_000_000, 300_000_000), c::step);
    }
    sim.scheduler.after(TICK_INTERVAL.toNanos(), this::watchLoop);
  }

  /** Faults for {@code faultPhase}, then everything heals and clients go on for {@code calmPhase}. */
  void run(Duration faultPhase, Duration calmPhase) {
    sim.run(() -> {
      long end = sim.scheduler.now() + faultPhase.toNanos();
      sim.scheduleFaults(random.split(), end);
      sim.scheduleCompactions(random.split(), end + calmPhase.toNanos());
      sim.scheduler.runUntil(end);
      sim.heal();
      sim.scheduler.runUntil(end + calmPhase.toNanos());
    });
  }

  long now() {
    return sim.scheduler.now();
  }

  // ----------------------------------------------------------------------- the leader's ticks

  private void tickLoop(Node node) {
    if (node.up && !node.paused && node.core.role() == Role.LEADER) {
      long elapsed = shells[node.index].clock.next(node.core.term(), now());
      if (sim.propose(node, new Tick(elapsed).encode()).accepted()) {
        ticks++;
      }
    }
    sim.scheduler.after(TICK_INTERVAL.toNanos(), () -> tickLoop(node));
  }

  // ----------------------------------------------------------------------- requests

  /** The client sends {@code command} to the node it believes leads (now and then another). */
  void send(Client client, PrimitiveCommand command) {
    Request req = new Request(client, command, now());
    Node target = random.nextInt(10) == 0 ? sim.nodes[random.nextInt(sim.n)] : sim.leader().orElse(null);
    if (target == null) {
      answerLater(req, null); // no leader known: refused
    } else {
      sim.scheduler.after(random.nextLong(200_000, 5_000_000), () -> propose(target, req));
    }
    sim.scheduler.after(REQUEST_TIMEOUT.toNanos(), () -> {
      if (!req.done) {
        req.done = true;
        unknownOutcomes++;
        sim.trace.record(now(), "TIMEOUT", "client " + client.id, null, command);
        client.failed(req.command);
      }
    });
  }

  private void propose(Node target, Request req) {
    if (req.done || !target.up || target.paused) {
      return; // lost on the way: the client will time out
    }
    Submission s = sim.propose(target, req.command.encode());
    if (s instanceof Accepted a) {
      req.term = a.term();
      shells[target.index].pending.put(a.index(), req);
      proposals.put(new IndexTerm(a.index(), a.term()), req);
    } else {
      answerLater(req, null);
    }
  }

  /** The answer reaches the client after a delay, unless lost; null: refused or not applied. */
  private void answerLater(Request req, PrimitiveResult result) {
    if (random.nextDouble() < answerLoss) {
      return; // the client will time out: outcome unknown
    }
    sim.scheduler.after(random.nextLong(200_000, 5_000_000), () -> {
      if (req.done) {
        return;
      }
      req.done = true;
      sim.trace.record(now(), "ANSWER", "client " + req.client.id, null, req.command + " -> " + result);
      if (result == null) {
        refusals++;
        req.client.failed(req.command);
      } else {
        req.client.answered(req.command, req.sentNanos, result);
      }
    });
  }

  // ----------------------------------------------------------------------- applying and checking

  private void applied(Shell shell, LogEntry e, byte[] resultBytes, List<PrimitiveEvent> events) {
    long i = e.index();
    byte[] state = shell.machine.snapshot();
    PrimitiveResult result = PrimitiveResult.decode(resultBytes);
    if (i > firstApplied) {
      firstApplied = i;
      stateAt.put(i, state);
      resultAt.put(i, resultBytes);
      eventsAt.put(i, events);
      firstApply(shell.machine, i, PrimitiveCommand.decode(e.command()), proposals.get(new IndexTerm(i, e.term())),
          result, events);
    } else if (!Arrays.equals(stateAt.get(i), state) || !Arrays.equals(resultAt.get(i), resultBytes)
        || !eventsAt.get(i).equals(events)) {
      throw new IllegalStateException(shell.node.id + " reached a different state, result or events at " + i
          + " than the first replica to apply it: " + result + " " + events + " vs "
          + PrimitiveResult.decode(resultAt.get(i)) + " " + eventsAt.get(i));
    }
    Request req = shell.pending.remove(i);
    if (req != null) {
      answerLater(req, req.term == e.term() ? result : null);
    }
  }

  private void firstApply(Primitives m, long i, PrimitiveCommand command, Request req, PrimitiveResult result,
      List<PrimitiveEvent> events) {
    commands++;
    sim.trace.record(now(), "APPLY", i, req == null ? null : "client " + req.client.id, command + " -> " + result
        + (events.isEmpty() ? "" : " " + events));
    Supplier<String> at = () -> "at index " + i + " (" + command + " -> " + result + ")";
    if (req != null && !req.command.equals(command)) {
      throw new IllegalStateException("the request proposed at " + i + " was " + req.command + " " + at.get());
    }
    // what the command did
    if (result instanceof SessionCreated c) {
      tracks.put(c.id(), new Track(c.id(), c.ttlMillis() * 1_000_000, req.client, req.sentNanos, now()));
      sessionsCreated++;
    } else if (result instanceof KeptAlive k) {
      for (Renewal r : k.renewals()) {
        Track t = tracks.get(r.id());
        if (r.alive() != (t != null && !t.ended)) {
          throw new IllegalStateException("session " + r.id() + " renewed as " + r.alive() + " " + at.get());
        }
        if (r.alive()) {
          t.renewalSent = Math.max(t.renewalSent, req.sentNanos);
          t.renewalApplied = now();
          keepAlives++;
        }
      }
    } else if (result instanceof SessionClosed c) {
      end(c.id());
      closes++;
    } else if (result instanceof Granted g && g.count() == 1) {
      grant(((Acquire) command).lock(), g.token(), i, at);
    } else if (result instanceof Elected el) {
      leads(((Campaign) command).election(), ((Campaign) command).sessionId(), el.token(), at);
    }
    for (PrimitiveEvent ev : events) {
      if (ev.index() != i) {
        throw new IllegalStateException("event " + ev + " " + at.get());
      }
      if (ev instanceof SessionExpired x) {
        Track t = tracks.get(x.sessionId());
        long safeUntil = t.renewalSent + t.ttlNanos;
        if (now() - safeUntil < 0) {
          throw new IllegalStateException("LEASE SAFETY: session " + t.id + " expired " + at.get() + " at "
              + ms(now()) + ", before its client's last applied renewal, sent at " + ms(t.renewalSent) + ", + TTL "
              + ms(t.ttlNanos) + " = " + ms(safeUntil) + ": a client may still believe it holds its locks");
        }
        leaseChecks++;
        minLeaseMargin = Math.min(minLeaseMargin, now() - safeUntil);
        if (calm(t)) {
          livenessChecks++;
        }
        end(t.id);
        expiries++;
      } else if (ev instanceof LockGranted g) {
        grant(g.lock(), g.token(), i, at);
        tracks.get(g.sessionId()).client.granted(g.sessionId(), g.lock(), g.token());
      } else if (ev instanceof LeaderChanged lc) {
        electionChanges++;
        if (lc.leaderSession() != 0) {
          leads(lc.election(), lc.leaderSession(), lc.token(), at);
          tracks.get(lc.leaderSession()).client.elected(lc.leaderSession(), lc.election(), lc.token());
        } else {
          electionLeader.remove(lc.election());
        }
      } else if (ev instanceof PermitsGranted p) {
        permitGrants++;
        tracks.get(p.sessionId()).client.permitsGranted(p.sessionId(), p.permits());
      }
    }
    if (result instanceof PrimitiveResult.PermitsGranted) {
      permitGrants++;
    }
    checkState(m, at);
  }

  private void grant(String lock, long token, long index, Supplier<String> at) {
    long last = lockToken.getOrDefault(lock, 0L);
    if (token != index || token <= last) {
      throw new IllegalStateException("lock " + lock + " granted with token " + token + " after " + last + " " + at.get());
    }
    lockToken.put(lock, token);
    grants++;
  }

  private void leads(String election, long session, long token, Supplier<String> at) {
    Long leader = electionLeader.get(election);
    long last = electionToken.getOrDefault(election, 0L);
    boolean same = leader != null && leader == session && token == last;
    if (!same && token <= last) {
      throw new IllegalStateException("election " + election + ": session " + session + " leads with token " + token
          + " after " + last + " " + at.get());
    }
    electionLeader.put(election, session);
    electionToken.put(election, token);
  }

  private void end(long session) {
    Track t = tracks.get(session);
    if (t.ended) {
      throw new IllegalStateException("session " + session + " ended twice");
    }
    t.ended = true;
  }

  /** The invariants of one replicated state (the first at its index; the others are equal to it). */
  private void checkState(Primitives m, Supplier<String> at) {
    for (Track t : tracks.values()) {
      if (t.ended == m.session(t.id).isPresent()) {
        throw new IllegalStateException("session " + t.id + (t.ended ? " ended but is live " : " is gone ") + at.get());
      }
    }
    for (String name : m.lockNames()) {
      LockView l = m.lock(name).orElseThrow();
      if (l.holderSession() != 0) {
        requireLive(m, l.holderSession(), "holder of lock " + name, at);
        if (!Long.valueOf(l.token()).equals(lockToken.get(name))) {
          throw new IllegalStateException("lock " + name + " shows token " + l.token() + ", the last granted was "
              + lockToken.get(name) + " " + at.get());
        }
      }
      if (new TreeSet<>(l.waiters()).size() != l.waiters().size() || l.waiters().contains(l.holderSession())) {
        throw new IllegalStateException("lock " + name + " waiters " + l.waiters() + " " + at.get());
      }
      for (long w : l.waiters()) {
        requireLive(m, w, "waiter of lock " + name, at);
      }
    }
    for (String name : ELECTIONS) {
      Optional<ElectionView> view = m.election(name);
      if (view.isEmpty()) {
        continue;
      }
      ElectionView v = view.get();
      if (!Long.valueOf(v.token()).equals(electionToken.get(name)) || !Long.valueOf(v.leaderSession()).equals(electionLeader.get(name))) {
        throw new IllegalStateException("election " + name + " shows " + v + " after token "
            + electionToken.get(name) + " went to " + electionLeader.get(name) + " " + at.get());
      }
      for (long c : v.candidates()) {
        requireLive(m, c, "candidate in " + name, at);
      }
    }
    m.semaphore(SEMAPHORE).ifPresent(v -> checkSemaphore(m, v, at));
  }

  private void checkSemaphore(Primitives m, SemaphoreView v, Supplier<String> at) {
    int used = 0;
    for (Permits p : v.holders()) {
      requireLive(m, p.session(), "permit holder", at);
      used += p.permits();
    }
    for (Permits p : v.waiters()) {
      requireLive(m, p.session(), "permit waiter", at);
    }
    if (v.limit() != LIMIT || used != v.limit() - v.available() || used > v.limit()) {
      throw new IllegalStateException("semaphore " + v + " " + at.get());
    }
  }

  private void requireLive(Primitives m, long session, String what, Supplier<String> at) {
    Track t = tracks.get(session);
    if (m.session(session).isEmpty() || t == null || t.ended) {
      throw new IllegalStateException(what + " " + session + " is no live session " + at.get());
    }
  }

  /**
   * Mutual exclusion as clients see it: when {@code client} learns it holds {@code lock}, or learns
   * its lease runs longer, and may use the lock (its lease, by its own acknowledged renewals, has
   * not run out), no other client may use it too. A client told of a grant after its lease ran out
   * does not use the lock, so is not counted.
   */
  void checkExclusive(Client client, String lock) {
    if (!client.mayUse(lock)) {
      return;
    }
    for (Client other : clients) {
      if (other != client && other.mayUse(lock)) {
        throw new IllegalStateException("MUTUAL EXCLUSION: client " + client.id + " (session " + client.session
            + ") was granted lock " + lock + " at " + ms(now()) + " while client " + other.id + " (session "
            + other.session + ") holds it with its lease running");
      }
    }
    exclusionChecks++;
  }

  // ----------------------------------------------------------------------- liveness

  /**
   * Whether the liveness bound applies to {@code t}: no fault began or ended, and the leader (its
   * node, term, and whether it runs) did not change, from {@link #CALM_BEFORE} before its last
   * renewal was applied until now.
   */
  private boolean calm(Track t) {
    return calmSince <= t.renewalApplied - CALM_BEFORE.toNanos() && sim.lastFault() <= calmSince;
  }

  private void watchLoop() {
    Optional<Node> leader = sim.leader();
    String seen = leader.map(l -> l.id + "@" + l.core.term() + (l.paused ? " paused" : "")).orElse("none");
    if (!seen.equals(leaderSeen) || leader.isEmpty() || sim.lastFault() > calmSince) {
      leaderSeen = seen;
      calmSince = now();
    }
    for (Track t : tracks.values()) {
      long bound = t.renewalApplied + t.ttlNanos + TICK_INTERVAL.toNanos() + LIVENESS_SLACK.toNanos();
      if (!t.ended && calm(t) && now() - bound > 0) {
        throw new IllegalStateException("LIVENESS: session " + t.id + ", last renewed (applied) at "
            + ms(t.renewalApplied) + " with TTL " + ms(t.ttlNanos) + ", is still live at " + ms(now())
            + " though the group has been calm since " + ms(calmSince));
      }
    }
    sim.scheduler.after(TICK_INTERVAL.toNanos(), this::watchLoop);
  }

  private static String ms(long nanos) {
    return nanos / 1_000_000 + " ms";
  }

  // ----------------------------------------------------------------------- clients

  /**
   * A client of the primitives: it opens a session with a TTL of 1–5 s and keeps it alive every
   * third of it, unless it pauses (at times past its TTL) or dies; meanwhile it acquires,
   * releases and cancels locks, campaigns, proclaims and resigns, takes and gives back permits,
   * and now and then closes its session. One request at a time besides its keepalives.
   */
  static final class Client {
    private final PrimitivesSim sim;
    final int id;
    private final SplittableRandom r;
    long session;
    long ttlMillis;
    private boolean creating;
    private boolean renewing;
    private long lastRenewalSent;
    /** Its own view of its lease: the latest acknowledged create or keepalive's send time + TTL. */
    private long leaseUntil;
    private boolean busy;
    private long pausedUntil;
    private boolean dead;
    private final Map<String, Long> held = new TreeMap<>();
    private final TreeSet<String> waiting = new TreeSet<>();
    private final Map<String, Long> leading = new TreeMap<>();
    private int permits;

    Client(PrimitivesSim sim, int id, SplittableRandom r) {
      this.sim = sim;
      this.id = id;
      this.r = r;
    }

    void step() {
      long now = sim.now();
      if (dead) {
        return;
      }
      if (now - pausedUntil < 0) {
        sim.sim.scheduler.at(pausedUntil, this::step);
        return;
      }
      act(now);
      sim.sim.scheduler.after(r.nextLong(20_000_000, 150_000_000), this::step);
    }

    private void act(long now) {
      if (session == 0) {
        if (!creating) {
          creating = true;
          ttlMillis = r.nextLong(Primitives.MIN_TTL_MILLIS, 5_001);
          sim.send(this, new CreateSession(ttlMillis));
        }
        return;
      }
      if (!renewing && now - lastRenewalSent >= ttlMillis * 1_000_000 / 3) {
        renewing = true;
        lastRenewalSent = now;
        sim.send(this, new KeepAlive(List.of(session)));
      }
      int roll = r.nextInt(1000);
      if (roll < 4) {
        pausedUntil = now + r.nextLong(ttlMillis / 2, ttlMillis * 2) * 1_000_000; // past its TTL at times
        sim.pauses++;
        return;
      }
      if (roll < 6) {
        dead = true; // it stops for good; its session must expire
        sim.deaths++;
        return;
      }
      if (busy || roll >= 700) {
        return;
      }
      busy = true;
      PrimitiveCommand command = roll < 12 ? new CloseSession(session) : pick(roll);
      if (command instanceof CloseSession) {
        forget(); // it stops relying on its session and locks when it asks to end them
      } else if (command instanceof Release rel) {
        held.remove(rel.lock()); // likewise for a lock it releases
      }
      sim.send(this, command);
    }

    /** Whether it believes it holds {@code lock} and may still use it: its lease has not run out. */
    boolean mayUse(String lock) {
      return session != 0 && held.containsKey(lock) && sim.now() - leaseUntil < 0;
    }

    private PrimitiveCommand pick(int roll) {
      String lock = LOCKS[r.nextInt(LOCKS.length)];
      String election = ELECTIONS[r.nextInt(ELECTIONS.length)];
      if (roll < 220) {
        long delay = r.nextInt(4) == 0 ? r.nextLong(0, 1_500) : 0;
        return new Acquire(lock, session, r.nextBoolean(), delay);
      }
      if (roll < 360) {
        if (!held.isEmpty() && r.nextInt(8) != 0) {
          List<String> mine = new ArrayList<>(held.keySet());
          lock = mine.get(r.nextInt(mine.size()));
          long token = held.get(lock) - (r.nextInt(10) == 0 ? 1 : 0);
          return new Release(lock, session, token);
        }
        return new Release(lock, session, r.nextLong(1, 1_000));
      }
      if (roll < 400) {
        return new CancelWait(waiting.isEmpty() ? lock : waiting.first(), session);
      }
      if (roll < 540) {
        Long token = leading.get(election);
        if (token == null) {
          return r.nextInt(4) == 0 ? new Resign(election, session, 0) : new Campaign(election, session, "c" + id);
        }
        return r.nextBoolean() ? new Proclaim(election, session, token, "v" + r.nextInt(10))
            : new Resign(election, session, token);
      }
      if (roll < 620 || permits == 0) {
        return new AcquirePermits(SEMAPHORE, session, r.nextInt(1, 3), LIMIT, r.nextBoolean());
      }
      return r.nextInt(5) == 0 ? new CancelPermits(SEMAPHORE, session)
          : new ReleasePermits(SEMAPHORE, session, r.nextInt(1, permits + 1));
    }

    /** No answer (refused, not applied, or timed out: the outcome may be unknown). */
    void failed(PrimitiveCommand command) {
      done(command);
    }

    /** The answer to {@code command}, sent at {@code sentNanos}. */
    void answered(PrimitiveCommand command, long sentNanos, PrimitiveResult result) {
      done(command);
      if (result instanceof NoSession) {
        forget();
      } else if (result instanceof SessionCreated c) {
        forget();
        session = c.id();
        lastRenewalSent = sentNanos;
        leaseUntil = sentNanos + c.ttlMillis() * 1_000_000;
      } else if (result instanceof KeptAlive k && k.renewals().get(0).id() == session) {
        if (k.renewals().get(0).alive()) {
          leaseUntil = Math.max(leaseUntil, sentNanos + ttlMillis * 1_000_000);
          for (String lock : held.keySet()) {
            sim.checkExclusive(this, lock);
          }
        } else {
          forget();
        }
      } else if (result instanceof Granted g && ((Acquire) command).sessionId() == session) {
        String lock = ((Acquire) command).lock();
        held.put(lock, g.token());
        sim.checkExclusive(this, lock);
      } else if (result instanceof Queued && command instanceof Acquire a) {
        waiting.add(a.lock());
      } else if (command instanceof CancelWait c) {
        waiting.remove(c.lock());
      } else if (result instanceof Elected el) {
        leading.put(((Campaign) command).election(), el.token());
      } else if (command instanceof Resign res) {
        leading.remove(res.election());
      } else if (result instanceof PrimitiveResult.PermitsGranted g) {
        permits = g.held();
      } else if (result instanceof PrimitiveResult.PermitsReleased p) {
        permits = p.held();
      } else if (result instanceof PrimitiveResult.NotHeld n) {
        permits = n.held();
      }
    }

    private void done(PrimitiveCommand command) {
      if (command instanceof CreateSession) {
        creating = false;
      } else if (command instanceof KeepAlive) {
        renewing = false;
      } else {
        busy = false;
      }
    }

    private void forget() {
      session = 0;
      held.clear();
      waiting.clear();
      leading.clear();
      permits = 0;
    }

    /** A wait it queued for was granted (the shell wakes the waiting request). */
    void granted(long session, String lock, long token) {
      if (session == this.session) {
        waiting.remove(lock);
        held.put(lock, token);
        sim.checkExclusive(this, lock);
      }
    }

    void elected(long session, String election, long token) {
      if (session == this.session) {
        leading.put(election, token);
      }
    }

    void permitsGranted(long session, int n) {
      if (session == this.session) {
        permits += n;
      }
    }
  }
}
