package io.cairn.coordination.machine;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.coordination.machine.PrimitiveCommand.Acquire;
import io.cairn.coordination.machine.PrimitiveCommand.AcquirePermits;
import io.cairn.coordination.machine.PrimitiveCommand.CancelPermits;
import io.cairn.coordination.machine.PrimitiveCommand.ReleasePermits;
import io.cairn.coordination.machine.Primitives.Permits;
import io.cairn.coordination.machine.Primitives.SemaphoreView;
import java.util.TreeMap;
import io.cairn.coordination.machine.PrimitiveCommand.Campaign;
import io.cairn.coordination.machine.PrimitiveCommand.Proclaim;
import io.cairn.coordination.machine.PrimitiveCommand.Resign;
import io.cairn.coordination.machine.PrimitiveEvent.LeaderChanged;
import io.cairn.coordination.machine.PrimitiveResult.Elected;
import io.cairn.coordination.machine.PrimitiveResult.Proclaimed;
import io.cairn.coordination.machine.PrimitiveResult.Resigned;
import io.cairn.coordination.machine.Primitives.ElectionView;
import io.cairn.coordination.machine.PrimitiveCommand.CancelWait;
import io.cairn.coordination.machine.PrimitiveCommand.CloseSession;
import io.cairn.coordination.machine.PrimitiveCommand.CreateSession;
import io.cairn.coordination.machine.PrimitiveCommand.KeepAlive;
import io.cairn.coordination.machine.PrimitiveCommand.Release;
import io.cairn.coordination.machine.PrimitiveCommand.Tick;
import io.cairn.coordination.machine.PrimitiveEvent.LockGranted;
import io.cairn.coordination.machine.PrimitiveEvent.SessionExpired;
import io.cairn.coordination.machine.PrimitiveResult.Cancelled;
import io.cairn.coordination.machine.PrimitiveResult.Granted;
import io.cairn.coordination.machine.PrimitiveResult.Invalid;
import io.cairn.coordination.machine.PrimitiveResult.KeptAlive;
import io.cairn.coordination.machine.PrimitiveResult.Queued;
import io.cairn.coordination.machine.PrimitiveResult.Released;
import io.cairn.coordination.machine.PrimitiveResult.Renewal;
import io.cairn.coordination.machine.PrimitiveResult.SessionClosed;
import io.cairn.coordination.machine.PrimitiveResult.SessionCreated;
import io.cairn.coordination.machine.Primitives.LockView;
import io.cairn.sim.Seeds;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random clients on seeded schedules (more with {@code -Dcairn.sim.seeds=K}, replay one with
 * {@code -Dcairn.seed=N}) create sessions, acquire, release and cancel, keep alive, close, and
 * the leader ticks; after every apply the invariants hold: at most one holder per lock, and it and
 * every waiter is a live session; every grant's token is strictly greater than the lock's previous
 * one; waiters are granted in FIFO order; no ended session holds or waits; a session expires at
 * the first tick that has counted its TTL since the first tick after its last renewal, never
 * sooner. Elections likewise: the leader is the first live candidate in campaign order, each new
 * leader's token is greater than the last, revisions increase. Semaphores: never more permits held
 * than the limit, waiters admitted strictly FIFO and only when the first does not fit. Copies restored from snapshots taken at random points give identical results, events and
 * snapshot bytes from then on; a damaged snapshot is refused (the state unchanged) or restores
 * exactly the state it encodes.
 */
class PrimitivesPropertyTest {
  private static final String[] LOCKS = {"a", "b", "c", "é"};
  private static final String[] ELECTIONS = {"e", "f"};
  private static final String[] SEMAPHORES = {"s", "t"};
  private static final int[] LIMITS = {3, 5};

  /** What the test knows of a semaphore. */
  private static final class Sem {
    int limit; // set by the acquire that (re)creates it
    final TreeMap<Long, Integer> holders = new TreeMap<>();
    final List<Permits> waiters = new ArrayList<>();

    int used() {
      return holders.values().stream().mapToInt(Integer::intValue).sum();
    }

    int positionOf(long session) {
      for (int i = 0; i < waiters.size(); i++) {
        if (waiters.get(i).session() == session) {
          return i + 1;
        }
      }
      return 0;
    }
  }

  static LongStream seeds() {
    return Seeds.seeds(50);
  }

  /** What the test knows of a session from the results and events alone. */
  private static final class Known {
    final long ttl;
    boolean fresh = true; // renewed since the last tick
    long base; // the logical time its TTL is counted from, once a tick has passed

    Known(long ttl) {
      this.ttl = ttl;
    }
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void invariantsHoldAfterEveryApplyAndRestoredCopiesAgree(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Primitives m = new Primitives();
    List<Primitives> copies = new ArrayList<>();
    copies.add(new Primitives()); // a replica from the start: the same commands, the same everything
    Map<Long, Known> live = new HashMap<>();
    Set<Long> ended = new HashSet<>();
    List<Long> everCreated = new ArrayList<>();
    Map<String, Long> lastToken = new HashMap<>();
    Map<String, List<Long>> queues = new HashMap<>();
    Map<String, List<Long>> candidates = new HashMap<>();
    Map<String, Long> lastLeaderToken = new HashMap<>();
    Map<String, Long> lastRevision = new HashMap<>();
    int leaderChanges = 0;
    int permitGrants = 0;
    Map<String, Sem> sems = new HashMap<>();
    for (String name : SEMAPHORES) {
      sems.put(name, new Sem());
    }
    long index = 0;
    int steps = 600;
    int grants = 0;
    int expiries = 0;
    for (int step = 0; step < steps; step++) {
      if (random.nextInt(60) == 0) {
        Primitives copy = new Primitives();
        copy.apply(1, new CreateSession(1_000).encode()); // restore replaces
        copy.restore(m.snapshot());
        assertThat(copy.snapshot()).isEqualTo(m.snapshot());
        copies.add(copy);
        // a damaged snapshot is refused and changes nothing, or is exactly the state it restores
        byte[] damaged = m.snapshot();
        damaged[random.nextInt(damaged.length)] ^= (byte) (1 << random.nextInt(8));
        Primitives target = new Primitives();
        target.restore(m.snapshot());
        try {
          target.restore(damaged);
          assertThat(target.snapshot()).as("seed %d step %d", seed, step).isEqualTo(damaged);
        } catch (IllegalArgumentException refused) {
          assertThat(target.snapshot()).as("seed %d step %d", seed, step).isEqualTo(m.snapshot());
        }
      }
      index += 1 + (random.nextInt(5) == 0 ? random.nextInt(3) : 0);
      int family = random.nextInt(6);
      PrimitiveCommand command = everCreated.isEmpty() || family >= 2 ? command(random, m, everCreated, live)
          : family == 0 ? electionCommand(random, m, everCreated, live) : semaphoreCommand(random, everCreated, live);
      byte[] bytes = random.nextInt(100) == 0 ? damage(random, command.encode()) : command.encode();
      byte[] resultBytes = m.apply(index, bytes);
      PrimitiveResult result = PrimitiveResult.decode(resultBytes);
      List<PrimitiveEvent> events = m.drainEvents();
      String at = "seed " + seed + ", step " + step + ", index " + index + ", " + command + " -> " + result;
      for (Primitives copy : copies) {
        assertThat(copy.apply(index, bytes)).as(at).isEqualTo(resultBytes);
        assertThat(copy.drainEvents()).as(at).isEqualTo(events);
      }

      // what the result and events say, checked against what the test knows
      if (result instanceof Invalid) {
        assertThat(events).as(at).isEmpty();
      } else if (command instanceof Tick) {
        for (Known k : live.values()) {
          if (k.fresh) {
            k.fresh = false;
            k.base = m.now();
          }
        }
      }
      if (result instanceof SessionCreated c) {
        live.put(c.id(), new Known(c.ttlMillis()));
        everCreated.add(c.id());
      } else if (result instanceof KeptAlive k) {
        for (Renewal r : k.renewals()) {
          assertThat(r.alive()).as(at).isEqualTo(live.containsKey(r.id()));
          if (r.alive()) {
            live.get(r.id()).fresh = true;
          }
        }
      } else if (result instanceof SessionClosed c) {
        end(c.id(), live, ended, queues);
        leaveUnled(c.id(), candidates);
        leaveSemaphores(c.id(), sems);
      } else if (result instanceof Granted g && g.count() == 1) {
        String lock = ((Acquire) command).lock();
        assertThat(g.token()).as(at).isEqualTo(index);
        assertThat(g.token()).as(at).isGreaterThan(lastToken.getOrDefault(lock, 0L));
        lastToken.put(lock, g.token());
        grants++;
      } else if (result instanceof Queued q && command instanceof AcquirePermits a) {
        Sem sem = sems.get(a.semaphore());
        if (sem.positionOf(a.sessionId()) == 0) {
          assertThat(sem.waiters.isEmpty() && a.permits() <= sem.limit - sem.used())
              .as(at + ": queued though it fits").isFalse();
          sem.waiters.add(new Permits(a.sessionId(), a.permits()));
        }
        assertThat(sem.positionOf(a.sessionId())).as(at).isEqualTo(q.position());
      } else if (result instanceof PrimitiveResult.PermitsGranted g) {
        AcquirePermits a = (AcquirePermits) command;
        Sem sem = sems.get(a.semaphore());
        assertThat(sem.waiters).as(at + ": granted past waiters").isEmpty();
        if (sem.holders.isEmpty()) {
          sem.limit = a.limit();
        }
        assertThat(a.limit()).as(at).isEqualTo(sem.limit);
        assertThat(a.permits()).as(at + ": granted more than free").isLessThanOrEqualTo(sem.limit - sem.used());
        sem.holders.merge(a.sessionId(), a.permits(), Integer::sum);
        assertThat(g.held()).as(at).isEqualTo(sem.holders.get(a.sessionId()));
        permitGrants++;
      } else if (result instanceof PrimitiveResult.NoPermits n) {
        AcquirePermits a = (AcquirePermits) command;
        Sem sem = sems.get(a.semaphore());
        assertThat(!sem.waiters.isEmpty() || a.permits() > sem.limit - sem.used()).as(at).isTrue();
        assertThat(n.available()).as(at).isEqualTo(sem.limit - sem.used());
      } else if (result instanceof PrimitiveResult.PermitsReleased r) {
        ReleasePermits rp = (ReleasePermits) command;
        Sem sem = sems.get(rp.semaphore());
        int left = sem.holders.get(rp.sessionId()) - rp.permits();
        assertThat(r.held()).as(at).isEqualTo(left);
        if (left == 0) {
          sem.holders.remove(rp.sessionId());
        } else {
          sem.holders.put(rp.sessionId(), left);
        }
      } else if (result instanceof PrimitiveResult.NotHeld n) {
        ReleasePermits rp = (ReleasePermits) command;
        int held = sems.get(rp.semaphore()).holders.getOrDefault(rp.sessionId(), 0);
        assertThat(n.held()).as(at).isEqualTo(held).isLessThan(rp.permits());
      } else if (result instanceof Cancelled && command instanceof CancelPermits c) {
        Sem sem = sems.get(c.semaphore());
        sem.waiters.remove(sem.positionOf(c.sessionId()) - 1);
      } else if (result instanceof Queued q) {
        List<Long> queue = command instanceof Campaign c
            ? candidates.computeIfAbsent(c.election(), k -> new ArrayList<>())
            : queues.computeIfAbsent(((Acquire) command).lock(), k -> new ArrayList<>());
        long session = command instanceof Campaign c ? c.sessionId() : ((Acquire) command).sessionId();
        if (!queue.contains(session)) {
          queue.add(session);
        }
        assertThat(queue.indexOf(session) + 1).as(at).isEqualTo(q.position());
      } else if (result instanceof Cancelled) {
        if (command instanceof Resign r) {
          candidates.get(r.election()).remove(r.sessionId());
        } else {
          queues.get(((CancelWait) command).lock()).remove(((CancelWait) command).sessionId());
        }
      } else if (result instanceof Elected el && command instanceof Campaign c) {
        List<Long> queue = candidates.computeIfAbsent(c.election(), k -> new ArrayList<>());
        if (queue.isEmpty()) {
          queue.add(c.sessionId());
          assertThat(el.token()).as(at).isEqualTo(index);
        } else {
          assertThat(queue.get(0)).as(at).isEqualTo(c.sessionId());
        }
      } else if (result instanceof Resigned) {
        assertThat(candidates.get(((Resign) command).election()).remove(0)).as(at).isEqualTo(((Resign) command).sessionId());
      } else if (result instanceof Proclaimed p) {
        assertThat(p.revision()).as(at).isEqualTo(index);
      } else if (result instanceof Released r) {
        assertThat(r.remainingCount()).as(at).isGreaterThanOrEqualTo(0);
      }
      for (PrimitiveEvent e : events) {
        assertThat(e.index()).as(at).isEqualTo(index);
        if (e instanceof SessionExpired x) {
          Known k = live.get(x.sessionId());
          assertThat(k).as(at + ": expired twice or unknown").isNotNull();
          assertThat(k.fresh).as(at + ": expired while fresh").isFalse();
          assertThat(m.now() - k.base).as(at + ": expired before its TTL").isGreaterThanOrEqualTo(k.ttl);
          end(x.sessionId(), live, ended, queues);
          leaveUnled(x.sessionId(), candidates);
          leaveSemaphores(x.sessionId(), sems);
          expiries++;
        } else if (e instanceof PrimitiveEvent.SessionClosed c) {
          assertThat(command).as(at + ": closed by another command").isEqualTo(new CloseSession(c.sessionId()));
          assertThat(result).as(at).isInstanceOf(PrimitiveResult.SessionClosed.class);
        }
      }
      // every session that expires at this index has left every queue before any lock passes on
      for (PrimitiveEvent e : events) {
        if (e instanceof LockGranted g) {
          assertThat(g.token()).as(at).isEqualTo(index);
          assertThat(g.token()).as(at).isGreaterThan(lastToken.getOrDefault(g.lock(), 0L));
          lastToken.put(g.lock(), g.token());
          List<Long> queue = queues.get(g.lock());
          assertThat(queue).as(at + ": FIFO").isNotEmpty();
          assertThat(queue.remove(0)).as(at + ": FIFO").isEqualTo(g.sessionId());
          assertThat(live).as(at + ": granted to a dead session").containsKey(g.sessionId());
          grants++;
        }
      }
      for (PrimitiveEvent e : events) {
        if (e instanceof PrimitiveEvent.PermitsGranted g) {
          Sem sem = sems.get(g.semaphore());
          assertThat(sem.waiters).as(at + ": FIFO").isNotEmpty();
          assertThat(sem.waiters.get(0)).as(at + ": FIFO").isEqualTo(new Permits(g.sessionId(), g.permits()));
          assertThat(g.permits()).as(at).isLessThanOrEqualTo(sem.limit - sem.used());
          assertThat(live).as(at).containsKey(g.sessionId());
          sem.waiters.remove(0);
          sem.holders.merge(g.sessionId(), g.permits(), Integer::sum);
          permitGrants++;
        }
      }
      for (PrimitiveEvent e : events) {
        if (e instanceof LeaderChanged lc) {
          List<Long> queue = candidates.get(lc.election());
          assertThat(lc.index()).as(at).isEqualTo(index).isGreaterThan(lastRevision.getOrDefault(lc.election(), 0L));
          lastRevision.put(lc.election(), lc.index());
          leaderChanges++;
          if (command instanceof Proclaim p) {
            assertThat(lc.leaderSession()).as(at).isEqualTo(p.sessionId());
            assertThat(lc.token()).as(at).isEqualTo(p.token());
            assertThat(lc.value()).as(at).isEqualTo(p.value());
            continue;
          }
          if (!(command instanceof Campaign || command instanceof Resign)) {
            // a leader whose session ended at this index: the next live candidate takes over
            assertThat(live).as(at + ": a live leader was replaced").doesNotContainKey(queue.get(0));
            queue.remove(0);
          }
          if (queue.isEmpty()) {
            assertThat(lc.leaderSession()).as(at).isZero();
          } else {
            assertThat(lc.leaderSession()).as(at + ": the next candidate leads").isEqualTo(queue.get(0));
            assertThat(lc.token()).as(at).isEqualTo(index).isGreaterThan(lastLeaderToken.getOrDefault(lc.election(), 0L));
            lastLeaderToken.put(lc.election(), lc.token());
          }
        }
      }

      // the invariants of the whole state
      for (int i = 0; i < SEMAPHORES.length; i++) {
        Sem sem = sems.get(SEMAPHORES[i]);
        var view = m.semaphore(SEMAPHORES[i]);
        if (view.isEmpty()) {
          assertThat(sem.holders).as(at).isEmpty();
          assertThat(sem.waiters).as(at).isEmpty();
          continue;
        }
        SemaphoreView v = view.get();
        List<Permits> holders = new ArrayList<>();
        sem.holders.forEach((id, n) -> holders.add(new Permits(id, n)));
        assertThat(v.holders()).as(at).isEqualTo(holders);
        assertThat(v.waiters()).as(at).isEqualTo(sem.waiters);
        assertThat(v.limit()).isEqualTo(sem.limit);
        assertThat(v.available()).as(at).isEqualTo(sem.limit - sem.used()).isGreaterThanOrEqualTo(0);
        if (!v.waiters().isEmpty()) {
          assertThat(v.waiters().get(0).permits()).as(at + ": the first waiter fits").isGreaterThan(v.available());
        }
        for (Permits p : v.holders()) {
          assertThat(live).as(at).containsKey(p.session());
        }
        for (Permits p : v.waiters()) {
          assertThat(live).as(at).containsKey(p.session());
        }
      }
      for (String name : ELECTIONS) {
        List<Long> expected = candidates.getOrDefault(name, List.of());
        var view = m.election(name);
        if (view.isEmpty()) {
          assertThat(expected).as(at).isEmpty();
          continue;
        }
        ElectionView v = view.get();
        assertThat(v.candidates()).as(at + ": candidates of " + name).isEqualTo(expected);
        assertThat(v.leaderSession()).isEqualTo(expected.get(0));
        assertThat(v.token()).as(at).isEqualTo(lastLeaderToken.get(name));
        assertThat(v.revision()).as(at).isEqualTo(lastRevision.get(name));
        for (long c : v.candidates()) {
          assertThat(live).as(at + ": candidate of " + name).containsKey(c);
        }
      }
      for (Map.Entry<Long, Known> e : live.entrySet()) {
        assertThat(m.session(e.getKey())).as(at).isPresent();
        Known k = e.getValue();
        if (!k.fresh) {
          assertThat(m.now() - k.base).as(at + ": session " + e.getKey() + " outlived its TTL").isLessThan(k.ttl);
        }
      }
      assertThat(m.sessionCount()).as(at).isEqualTo(live.size());
      for (long gone : ended) {
        assertThat(m.session(gone)).as(at).isEmpty();
      }
      for (String name : LOCKS) {
        List<Long> expectedQueue = queues.getOrDefault(name, List.of());
        var view = m.lock(name);
        if (view.isEmpty()) {
          assertThat(expectedQueue).as(at).isEmpty();
          continue;
        }
        LockView l = view.get();
        assertThat(l.waiters()).as(at + ": FIFO queue of " + name).isEqualTo(expectedQueue);
        if (l.holderSession() != 0) {
          assertThat(live).as(at + ": holder of " + name).containsKey(l.holderSession());
          assertThat(l.token()).as(at).isEqualTo(lastToken.get(name));
          assertThat(l.count()).as(at).isPositive();
          assertThat(l.delayRemainingMillis()).as(at).isZero();
        } else {
          assertThat(l.delayRemainingMillis()).as(at + ": a free lock is kept").isPositive();
        }
        assertThat(new HashSet<>(l.waiters())).as(at).hasSize(l.waiters().size()).doesNotContain(l.holderSession());
        for (long w : l.waiters()) {
          assertThat(live).as(at + ": waiter of " + name).containsKey(w);
        }
      }
    }
    for (Primitives copy : copies) {
      assertThat(copy.snapshot()).as("seed %d", seed).isEqualTo(m.snapshot());
    }
    Primitives last = new Primitives();
    last.restore(m.snapshot());
    assertThat(last.snapshot()).isEqualTo(m.snapshot());
    assertThat(grants).as("seed %d exercised grants", seed).isPositive();
    assertThat(expiries + grants).isPositive();
    assertThat(leaderChanges).as("seed %d exercised elections", seed).isPositive();
    assertThat(permitGrants).as("seed %d exercised semaphores", seed).isPositive();
  }

  /** An ended session leaves every semaphore queue and gives back its permits (grants are events). */
  private static void leaveSemaphores(long id, Map<String, Sem> sems) {
    for (Sem sem : sems.values()) {
      sem.waiters.removeIf(p -> p.session() == id);
      sem.holders.remove(id);
    }
  }

  private static PrimitiveCommand semaphoreCommand(SplittableRandom random, List<Long> everCreated,
      Map<Long, Known> live) {
    int i = random.nextInt(SEMAPHORES.length);
    long session = pickSession(random, everCreated, live);
    int roll = random.nextInt(100);
    if (roll < 50) {
      int limit = random.nextInt(30) == 0 ? LIMITS[i] + 1 : LIMITS[i];
      return new AcquirePermits(SEMAPHORES[i], session, random.nextInt(1, LIMITS[i] + 1), limit, random.nextBoolean());
    }
    if (roll < 85) {
      return new ReleasePermits(SEMAPHORES[i], session, random.nextInt(1, 4));
    }
    return new CancelPermits(SEMAPHORES[i], session);
  }

  /** {@code id} leaves every election it does not lead (a leader leaves when its event comes). */
  private static void leaveUnled(long id, Map<String, List<Long>> candidates) {
    for (List<Long> q : candidates.values()) {
      if (!q.isEmpty() && q.get(0) != id) {
        q.remove(id);
      }
    }
  }

  private static PrimitiveCommand electionCommand(SplittableRandom random, Primitives m, List<Long> everCreated,
      Map<Long, Known> live) {
    String election = ELECTIONS[random.nextInt(ELECTIONS.length)];
    long session = pickSession(random, everCreated, live);
    var view = m.election(election);
    int roll = random.nextInt(100);
    if (roll < 45 || view.isEmpty()) {
      return new Campaign(election, session, "v" + random.nextInt(10));
    }
    ElectionView v = view.get();
    long leader = random.nextInt(8) == 0 ? session : v.leaderSession();
    long token = random.nextInt(8) == 0 ? v.token() - 1 : v.token();
    if (roll < 65) {
      return new Proclaim(election, leader, token, "p" + random.nextInt(10));
    }
    if (roll < 80) {
      return new Resign(election, session, 0);
    }
    return new Resign(election, leader, token);
  }

  private static void end(long id, Map<Long, Known> live, Set<Long> ended, Map<String, List<Long>> queues) {
    live.remove(id);
    ended.add(id);
    for (List<Long> q : queues.values()) {
      q.remove(id);
    }
  }

  private static PrimitiveCommand command(SplittableRandom random, Primitives m, List<Long> everCreated,
      Map<Long, Known> live) {
    int roll = random.nextInt(100);
    if (roll < 18) {
      return new Tick(random.nextInt(6) == 0 ? 0 : random.nextLong(1, 1_500));
    }
    if (roll < 26 || everCreated.isEmpty()) {
      return new CreateSession(random.nextInt(20) == 0 ? 500 : random.nextLong(1_000, 4_000));
    }
    long session = pickSession(random, everCreated, live);
    String lock = LOCKS[random.nextInt(LOCKS.length)];
    if (roll < 36) {
      List<Long> ids = new ArrayList<>();
      int n = 1 + random.nextInt(3);
      for (int i = 0; i < n; i++) {
        ids.add(pickSession(random, everCreated, live));
      }
      return new KeepAlive(ids);
    }
    if (roll < 40) {
      return new CloseSession(session);
    }
    if (roll < 65) {
      long delay = random.nextInt(3) == 0 ? random.nextLong(0, 3_000) : 0;
      return new Acquire(lock, session, random.nextBoolean(), delay);
    }
    if (roll < 90) {
      var view = m.lock(lock);
      if (view.isPresent() && view.get().holderSession() != 0 && random.nextInt(5) != 0) {
        LockView l = view.get();
        long token = random.nextInt(10) == 0 ? l.token() - 1 : l.token();
        long holder = random.nextInt(10) == 0 ? session : l.holderSession();
        return new Release(lock, holder, token);
      }
      return new Release(lock, session, random.nextLong(1, 1_000));
    }
    return new CancelWait(lock, session);
  }

  private static long pickSession(SplittableRandom random, List<Long> everCreated, Map<Long, Known> live) {
    if (!live.isEmpty() && random.nextInt(4) != 0) {
      List<Long> ids = new ArrayList<>(live.keySet());
      ids.sort(null);
      return ids.get(random.nextInt(ids.size()));
    }
    return random.nextInt(8) == 0 ? random.nextLong(1, 10_000) : everCreated.get(random.nextInt(everCreated.size()));
  }

  private static byte[] damage(SplittableRandom random, byte[] good) {
    return switch (random.nextInt(3)) {
      case 0 -> Arrays.copyOf(good, random.nextInt(good.length));
      case 1 -> Arrays.copyOf(good, good.length + 1);
      default -> {
        byte[] b = good.clone();
        b[random.nextInt(Math.min(2, b.length))] = (byte) 0x7f;
        yield b;
      }
    };
  }
}
