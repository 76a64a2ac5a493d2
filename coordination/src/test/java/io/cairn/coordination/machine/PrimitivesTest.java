package io.cairn.coordination.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.coordination.machine.PrimitiveCommand.Acquire;
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
import io.cairn.coordination.machine.PrimitiveResult.Busy;
import io.cairn.coordination.machine.PrimitiveResult.Cancelled;
import io.cairn.coordination.machine.PrimitiveResult.Conflict;
import io.cairn.coordination.machine.PrimitiveResult.Delayed;
import io.cairn.coordination.machine.PrimitiveResult.Granted;
import io.cairn.coordination.machine.PrimitiveResult.Invalid;
import io.cairn.coordination.machine.PrimitiveResult.KeptAlive;
import io.cairn.coordination.machine.PrimitiveResult.NoSession;
import io.cairn.coordination.machine.PrimitiveResult.NotWaiting;
import io.cairn.coordination.machine.PrimitiveResult.Queued;
import io.cairn.coordination.machine.PrimitiveResult.Released;
import io.cairn.coordination.machine.PrimitiveResult.Renewal;
import io.cairn.coordination.machine.PrimitiveResult.SessionClosed;
import io.cairn.coordination.machine.PrimitiveResult.SessionCreated;
import io.cairn.coordination.machine.PrimitiveResult.Ticked;
import io.cairn.coordination.machine.Primitives.LockView;
import io.cairn.coordination.machine.Primitives.SessionView;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PrimitivesTest {
  private final Primitives m = new Primitives();
  private long index;

  private PrimitiveResult run(PrimitiveCommand c) {
    byte[] result = m.apply(++index, c.encode());
    return PrimitiveResult.decode(result);
  }

  private long session(long ttl) {
    return ((SessionCreated) run(new CreateSession(ttl))).id();
  }

  private PrimitiveResult acquire(String lock, long session, boolean queue) {
    return run(new Acquire(lock, session, queue, 0));
  }

  private long token(String lock, long session) {
    return ((Granted) acquire(lock, session, false)).token();
  }

  // ---- sessions and time ----

  @Test
  void aSessionIsNamedByTheIndexOfItsCreateAndLivesItsTtlCountedFromTheNextTick() {
    run(new Tick(500));
    long s = session(2_000);
    assertThat(s).isEqualTo(2);
    assertThat(m.session(s)).contains(new SessionView(2, 2_000, 2_000));
    // the first tick after the create is not charged: it may cover time before the client sent
    assertThat(run(new Tick(900))).isEqualTo(new Ticked(1_400));
    assertThat(m.session(s)).contains(new SessionView(2, 2_000, 2_000));
    run(new Tick(1_999));
    assertThat(m.session(s).orElseThrow().remainingMillis()).isEqualTo(1);
    assertThat(m.drainEvents()).isEmpty();
    run(new Tick(1));
    assertThat(m.session(s)).isEmpty();
    assertThat(m.drainEvents()).containsExactly(new SessionExpired(index, s));
    assertThat(run(new KeepAlive(List.of(s)))).isEqualTo(new KeptAlive(List.of(new Renewal(s, false, 0))));
  }

  @Test
  void aKeepAliveBatchRenewsEachLiveSessionAndSaysWhichAreGone() {
    long a = session(1_000);
    long b = session(5_000);
    run(new Tick(0));
    run(new Tick(800));
    assertThat(run(new KeepAlive(List.of(a, 99L, b))))
        .isEqualTo(new KeptAlive(List.of(new Renewal(a, true, 1_000), new Renewal(99, false, 0),
            new Renewal(b, true, 5_000))));
    run(new Tick(900)); // fresh again: not charged
    run(new Tick(999));
    assertThat(m.session(a)).isPresent();
    run(new Tick(1));
    assertThat(m.session(a)).isEmpty();
    assertThat(m.session(b)).isPresent();
  }

  @Test
  void sessionsThatExpireTogetherGoInOrderOfDeadlineThenId() {
    long a = session(2_000);
    long b = session(1_000);
    long c = session(1_000);
    run(new Tick(0));
    run(new Tick(3_000));
    assertThat(m.drainEvents()).containsExactly(new SessionExpired(index, b), new SessionExpired(index, c),
        new SessionExpired(index, a));
    assertThat(m.sessionCount()).isZero();
  }

  @Test
  void limitsAreRefusedAsInvalidAndChangeNothing() {
    long s = session(1_000);
    byte[] before = m.snapshot();
    assertThat(run(new CreateSession(999))).isInstanceOf(Invalid.class);
    assertThat(run(new CreateSession(Primitives.MAX_TTL_MILLIS + 1))).isInstanceOf(Invalid.class);
    assertThat(run(new Tick(-1))).isInstanceOf(Invalid.class);
    assertThat(run(new Tick(Primitives.MAX_TICK_MILLIS + 1))).isInstanceOf(Invalid.class);
    assertThat(run(new Acquire("", s, false, 0))).isInstanceOf(Invalid.class);
    assertThat(run(new Acquire("x".repeat(257), s, false, 0))).isInstanceOf(Invalid.class);
    assertThat(run(new Acquire("a", s, false, -1))).isInstanceOf(Invalid.class);
    assertThat(run(new Acquire("a", s, false, Primitives.MAX_LOCK_DELAY_MILLIS + 1))).isInstanceOf(Invalid.class);
    assertThat(run(new Release("", s, 1))).isInstanceOf(Invalid.class);
    assertThat(run(new CancelWait("", s))).isInstanceOf(Invalid.class);
    Long[] many = new Long[Primitives.MAX_KEEPALIVE_BATCH + 1];
    java.util.Arrays.fill(many, s);
    assertThat(run(new KeepAlive(List.of(many)))).isInstanceOf(Invalid.class);
    assertThat(strip(m.snapshot())).isEqualTo(strip(before));
    assertThat(m.drainEvents()).isEmpty();
  }

  @Test
  void malformedBytesAreInvalidAndChangeNothing() {
    long s = session(1_000);
    token("a", s);
    byte[] before = m.snapshot();
    byte[] good = new Acquire("b", s, true, 0).encode();
    List<byte[]> bad = List.of(new byte[0], new byte[] {1}, new byte[] {2, 1, 0, 0, 0, 0, 0, 0, 0, 0},
        new byte[] {1, 99}, java.util.Arrays.copyOf(good, good.length - 1), java.util.Arrays.copyOf(good, good.length + 1),
        flagged(good, 2), new byte[] {1, 3, 0x7f, 0, 0, 0});
    for (byte[] b : bad) {
      assertThat(PrimitiveResult.decode(m.apply(++index, b))).isInstanceOf(Invalid.class);
    }
    assertThat(strip(m.snapshot())).isEqualTo(strip(before));
  }

  private static byte[] flagged(byte[] acquire, int flag) {
    byte[] b = acquire.clone();
    b[b.length - 9] = (byte) flag; // the queue-if-busy byte before the i64 lock delay
    return b;
  }

  /** The snapshot without its last-index field, which every apply moves. */
  private static byte[] strip(byte[] snapshot) {
    byte[] b = snapshot.clone();
    java.util.Arrays.fill(b, 5, 13, (byte) 0);
    return b;
  }

  @Test
  void indicesMustIncrease() {
    m.apply(5, new Tick(0).encode());
    assertThatThrownBy(() -> m.apply(5, new Tick(0).encode())).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> m.apply(4, new byte[0])).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> new Primitives().apply(0, new Tick(0).encode())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theClockStopsShortOfOverflowAndDeadlinesNearItStillWork() {
    long near = Primitives.MAX_NOW - 10;
    byte[] snapshot = new ByteWriter(64).i32(Primitives.SNAPSHOT_MAGIC).u8(Primitives.SNAPSHOT_FORMAT).i64(0)
        .i64(near).i32(0).i32(0).i32(0).i32(0).i64(0).i32(0).toByteArray();
    m.restore(snapshot);
    assertThat(m.now()).isEqualTo(near);
    assertThat(run(new Tick(11))).isInstanceOf(Invalid.class);
    assertThat(m.now()).isEqualTo(near);
    long s = session(Primitives.MAX_TTL_MILLIS);
    run(new Acquire("x", s, false, Primitives.MAX_LOCK_DELAY_MILLIS));
    assertThat(run(new Tick(10))).isEqualTo(new Ticked(Primitives.MAX_NOW));
    assertThat(m.session(s).orElseThrow().remainingMillis()).isEqualTo(Primitives.MAX_TTL_MILLIS);
    assertThat(run(new Tick(0))).isEqualTo(new Ticked(Primitives.MAX_NOW));
    assertThat(run(new Tick(1))).isInstanceOf(Invalid.class);
    Primitives copy = new Primitives();
    copy.restore(m.snapshot());
    assertThat(copy.snapshot()).isEqualTo(m.snapshot());
  }

  // ---- locks ----

  @Test
  void aFreeLockIsGrantedWithTheIndexAsTokenAndIsReentrantWithTheSameToken() {
    long s = session(10_000);
    assertThat(acquire("a", s, false)).isEqualTo(new Granted(2, 1));
    assertThat(acquire("a", s, false)).isEqualTo(new Granted(2, 2));
    assertThat(m.lock("a")).contains(new LockView("a", s, 2, 2, List.of(), 0));
    assertThat(run(new Release("a", s, 2))).isEqualTo(new Released(1));
    assertThat(run(new Release("a", s, 2))).isEqualTo(new Released(0));
    assertThat(m.lock("a")).isEmpty();
    assertThat(acquire("a", s, false)).isEqualTo(new Granted(index, 1));
    assertThat(m.drainEvents()).isEmpty();
  }

  @Test
  void aReleaseByANonHolderOrWithAStaleTokenIsAConflictAndChangesNothing() {
    long a = session(10_000);
    long b = session(10_000);
    assertThat(run(new Release("a", a, 1))).isEqualTo(new Conflict(0, 0));
    long t1 = token("a", a);
    run(new Release("a", a, t1));
    long t2 = token("a", a);
    assertThat(t2).isGreaterThan(t1);
    assertThat(run(new Release("a", a, t1))).isEqualTo(new Conflict(a, t2)); // stale token
    assertThat(run(new Release("a", b, t2))).isEqualTo(new Conflict(a, t2)); // not the holder
    assertThat(run(new Release("a", 77, t2))).isEqualTo(new NoSession(77));
    assertThat(m.lock("a")).contains(new LockView("a", a, t2, 1, List.of(), 0));
  }

  @Test
  void aBusyLockRefusesOrQueuesFifoAndPassesOnInOrderWithTheReleasingIndexAsToken() {
    long a = session(10_000);
    long b = session(10_000);
    long c = session(10_000);
    long t = token("a", a);
    assertThat(acquire("a", b, false)).isEqualTo(new Busy(a, t));
    assertThat(acquire("a", b, true)).isEqualTo(new Queued(1));
    assertThat(acquire("a", c, true)).isEqualTo(new Queued(2));
    assertThat(acquire("a", b, true)).isEqualTo(new Queued(1)); // a retry keeps its place
    assertThat(acquire("a", c, false)).isEqualTo(new Queued(2));
    assertThat(m.lock("a").orElseThrow().waiters()).containsExactly(b, c);
    assertThat(run(new Release("a", a, t))).isEqualTo(new Released(0));
    long tb = index;
    assertThat(m.drainEvents()).containsExactly(new LockGranted(tb, "a", b, tb));
    assertThat(m.lock("a")).contains(new LockView("a", b, tb, 1, List.of(c), 0));
    run(new Release("a", b, tb));
    assertThat(m.drainEvents()).containsExactly(new LockGranted(index, "a", c, index));
  }

  @Test
  void aCancelledWaitLeavesTheQueueAndACancelAfterTheGrantSaysSo() {
    long a = session(10_000);
    long b = session(10_000);
    long c = session(10_000);
    long t = token("a", a);
    acquire("a", b, true);
    acquire("a", c, true);
    assertThat(run(new CancelWait("a", b))).isEqualTo(new Cancelled());
    assertThat(run(new CancelWait("a", b))).isEqualTo(new NotWaiting(0));
    assertThat(run(new CancelWait("z", b))).isEqualTo(new NotWaiting(0));
    run(new Release("a", a, t));
    assertThat(m.drainEvents()).containsExactly(new LockGranted(index, "a", c, index));
    assertThat(run(new CancelWait("a", c))).isEqualTo(new NotWaiting(index - 1));
  }

  @Test
  void expiryReleasesEverythingAtOnceAndNeverGrantsToAnExpiredWaiter() {
    long a = session(1_000); // expires with b
    long b = session(1_000);
    long c = session(5_000);
    long ta = token("x", a);
    token("y", a);
    acquire("x", b, true); // b waits for x, but expires with a
    acquire("x", c, true);
    acquire("y", c, true);
    long tz = token("z", b);
    run(new Tick(0));
    run(new Tick(1_000));
    long at = index;
    assertThat(m.drainEvents()).containsExactly(
        new SessionExpired(at, a), new LockGranted(at, "x", c, at), new LockGranted(at, "y", c, at),
        new SessionExpired(at, b));
    assertThat(m.lock("x")).contains(new LockView("x", c, at, 1, List.of(), 0));
    assertThat(m.lock("y")).contains(new LockView("y", c, at, 1, List.of(), 0));
    assertThat(m.lock("z")).isEmpty();
    assertThat(at).isGreaterThan(Math.max(ta, tz));
  }

  @Test
  void closeReleasesAtOnceWithoutLockDelayWithAClosedEvent() {
    long a = session(10_000);
    long b = session(10_000);
    run(new Acquire("x", a, false, 5_000));
    acquire("x", b, true);
    assertThat(run(new CloseSession(a))).isEqualTo(new SessionClosed(a));
    assertThat(m.drainEvents()).containsExactly(new PrimitiveEvent.SessionClosed(index, a),
        new LockGranted(index, "x", b, index));
    assertThat(run(new CloseSession(a))).isEqualTo(new NoSession(a));
    assertThat(acquire("y", a, false)).isEqualTo(new NoSession(a));
  }

  @Test
  void lockDelayKeepsAnExpiredHoldersLockUnavailableThenGrantsTheFirstWaiter() {
    long a = session(1_000);
    long b = session(60_000);
    long c = session(60_000);
    run(new Acquire("x", a, false, 3_000));
    run(new Tick(0));
    run(new Tick(1_000)); // a expires
    assertThat(m.drainEvents()).containsExactly(new SessionExpired(index, a));
    assertThat(m.lock("x")).contains(new LockView("x", 0, 0, 0, List.of(), 3_000));
    run(new Tick(500));
    assertThat(acquire("x", b, false)).isEqualTo(new Delayed(2_500));
    assertThat(run(new Acquire("x", c, true, 0))).isEqualTo(new Queued(1));
    assertThat(acquire("x", b, true)).isEqualTo(new Queued(2));
    run(new Tick(2_499));
    assertThat(m.drainEvents()).isEmpty();
    run(new Tick(1));
    assertThat(m.drainEvents()).containsExactly(new LockGranted(index, "x", c, index));
    assertThat(m.lock("x")).contains(new LockView("x", c, index, 1, List.of(b), 0));
  }

  @Test
  void aLockDelayWithNobodyWaitingIsForgottenWhenItEnds() {
    long a = session(1_000);
    run(new Acquire("x", a, false, 2_000));
    run(new Tick(0));
    run(new Tick(1_000));
    run(new Tick(2_000));
    assertThat(m.lock("x")).isEmpty();
    assertThat(m.lockNames()).isEmpty();
  }

  @Test
  void aReleasedLockIsNotDelayed() {
    long a = session(10_000);
    long b = session(10_000);
    long t = ((Granted) run(new Acquire("x", a, false, 5_000))).token();
    run(new Release("x", a, t));
    assertThat(acquire("x", b, false)).isEqualTo(new Granted(index, 1));
  }

  // ---- elections ----

  @Test
  void theFirstCandidateLeadsWithTheIndexAsTokenAndTheOthersQueue() {
    long a = session(10_000);
    long b = session(10_000);
    assertThat(run(new Campaign("e", a, "host-a"))).isEqualTo(new Elected(index));
    long ta = index;
    assertThat(m.drainEvents()).containsExactly(new LeaderChanged(ta, "e", a, ta, "host-a"));
    assertThat(run(new Campaign("e", b, "host-b"))).isEqualTo(new Queued(2));
    assertThat(run(new Campaign("e", b, "other"))).isEqualTo(new Queued(2));
    assertThat(run(new Campaign("e", a, "other"))).isEqualTo(new Elected(ta));
    assertThat(m.drainEvents()).isEmpty();
    assertThat(m.election("e")).contains(new ElectionView("e", a, ta, "host-a", ta, List.of(a, b)));
  }

  @Test
  void onlyTheLeaderWithItsTokenProclaimsOrResignsAndResigningPassesLeadershipOn() {
    long a = session(10_000);
    long b = session(10_000);
    run(new Campaign("e", a, "1"));
    long ta = index;
    run(new Campaign("e", b, "2"));
    m.drainEvents();
    assertThat(run(new Proclaim("e", b, ta, "x"))).isEqualTo(new Conflict(a, ta));
    assertThat(run(new Proclaim("e", a, ta - 1, "x"))).isEqualTo(new Conflict(a, ta));
    assertThat(run(new Proclaim("z", a, ta, "x"))).isEqualTo(new Conflict(0, 0));
    assertThat(run(new Resign("e", b, ta))).isEqualTo(new Conflict(a, ta));
    assertThat(m.drainEvents()).isEmpty();
    assertThat(run(new Proclaim("e", a, ta, "1b"))).isEqualTo(new Proclaimed(index));
    assertThat(m.drainEvents()).containsExactly(new LeaderChanged(index, "e", a, ta, "1b"));
    assertThat(m.election("e").orElseThrow().revision()).isEqualTo(index);
    assertThat(run(new Resign("e", a, ta))).isEqualTo(new Resigned());
    long tb = index;
    assertThat(m.drainEvents()).containsExactly(new LeaderChanged(tb, "e", b, tb, "2"));
    assertThat(run(new Resign("e", b, tb))).isEqualTo(new Resigned());
    assertThat(m.drainEvents()).containsExactly(new LeaderChanged(index, "e", 0, 0, ""));
    assertThat(m.election("e")).isEmpty();
  }

  @Test
  void aWaitingCandidateWithdrawsWithTokenZeroButALeaderMustResignWithItsToken() {
    long a = session(10_000);
    long b = session(10_000);
    long c = session(10_000);
    run(new Campaign("e", a, "a"));
    long ta = index;
    run(new Campaign("e", b, "b"));
    run(new Campaign("e", c, "c"));
    assertThat(run(new Resign("e", b, 0))).isEqualTo(new Cancelled());
    assertThat(run(new Resign("e", b, 0))).isEqualTo(new NotWaiting(0));
    assertThat(run(new Resign("e", a, 0))).isEqualTo(new NotWaiting(ta));
    assertThat(m.election("e").orElseThrow().candidates()).containsExactly(a, c);
  }

  @Test
  void anEndingSessionLeavesEveryElectionAndLeadershipPassesToALiveCandidate() {
    long a = session(1_000);
    long b = session(1_000);
    long c = session(60_000);
    run(new Campaign("e", a, "a"));
    run(new Campaign("e", b, "b")); // expires with a: never leads
    run(new Campaign("e", c, "c"));
    run(new Campaign("f", b, "b"));
    run(new Campaign("g", c, "c"));
    run(new Campaign("h", a, "a"));
    run(new Campaign("h", b, "b")); // both end together: nobody is left
    m.drainEvents();
    run(new Tick(0));
    run(new Tick(1_000));
    long at = index;
    assertThat(m.drainEvents()).containsExactly(new SessionExpired(at, a), new LeaderChanged(at, "e", c, at, "c"),
        new LeaderChanged(at, "h", 0, 0, ""), new SessionExpired(at, b), new LeaderChanged(at, "f", 0, 0, ""));
    assertThat(m.election("h")).isEmpty();
    assertThat(m.election("e")).contains(new ElectionView("e", c, at, "c", at, List.of(c)));
    assertThat(m.election("f")).isEmpty();
    assertThat(run(new CloseSession(c))).isEqualTo(new SessionClosed(c));
    assertThat(m.drainEvents()).containsExactly(new PrimitiveEvent.SessionClosed(index, c),
        new LeaderChanged(index, "e", 0, 0, ""),
        new LeaderChanged(index, "g", 0, 0, ""));
  }

  @Test
  void electionLimitsAreInvalid() {
    long a = session(10_000);
    assertThat(run(new Campaign("", a, "v"))).isInstanceOf(Invalid.class);
    assertThat(run(new Campaign("e", a, "v".repeat(Primitives.MAX_VALUE_BYTES + 1)))).isInstanceOf(Invalid.class);
    assertThat(run(new Campaign("e", 99, "v"))).isEqualTo(new NoSession(99));
    assertThat(m.election("e")).isEmpty();
    run(new Campaign("e", a, "v"));
    assertThat(run(new Proclaim("e", a, index, "v".repeat(Primitives.MAX_VALUE_BYTES + 1)))).isInstanceOf(Invalid.class);
    assertThat(m.election("e").orElseThrow().value()).isEqualTo("v");
  }

  // ---- semaphores ----

  private PrimitiveResult permits(long session, int n, boolean queue) {
    return run(new PrimitiveCommand.AcquirePermits("s", session, n, 3, queue));
  }

  @Test
  void permitsAreGrantedUpToTheLimitAndAddUpPerSession() {
    long a = session(10_000);
    long b = session(10_000);
    assertThat(permits(a, 1, false)).isEqualTo(new PrimitiveResult.PermitsGranted(1));
    assertThat(permits(a, 1, false)).isEqualTo(new PrimitiveResult.PermitsGranted(2));
    assertThat(permits(b, 2, false)).isEqualTo(new PrimitiveResult.NoPermits(1, 3));
    assertThat(permits(b, 1, false)).isEqualTo(new PrimitiveResult.PermitsGranted(1));
    assertThat(m.semaphore("s")).contains(new Primitives.SemaphoreView("s", 3, 0,
        List.of(new Primitives.Permits(a, 2), new Primitives.Permits(b, 1)), List.of()));
    assertThat(run(new PrimitiveCommand.ReleasePermits("s", b, 2))).isEqualTo(new PrimitiveResult.NotHeld(1));
    assertThat(run(new PrimitiveCommand.ReleasePermits("s", b, 1))).isEqualTo(new PrimitiveResult.PermitsReleased(0));
    assertThat(run(new PrimitiveCommand.ReleasePermits("s", a, 2))).isEqualTo(new PrimitiveResult.PermitsReleased(0));
    assertThat(m.semaphore("s")).isEmpty();
  }

  @Test
  void waitersAreAdmittedStrictlyFifoSoALargeRequestIsNotStarved() {
    long a = session(10_000);
    long b = session(10_000);
    long c = session(10_000);
    permits(a, 2, false);
    assertThat(permits(b, 3, true)).isEqualTo(new Queued(1));
    assertThat(permits(c, 1, false)).isEqualTo(new PrimitiveResult.NoPermits(1, 3)); // b waits first
    assertThat(permits(c, 1, true)).isEqualTo(new Queued(2));
    run(new PrimitiveCommand.ReleasePermits("s", a, 1));
    assertThat(m.drainEvents()).isEmpty(); // 2 free: b (3) still does not fit, c waits behind it
    run(new PrimitiveCommand.ReleasePermits("s", a, 1));
    assertThat(m.drainEvents()).containsExactly(new PrimitiveEvent.PermitsGranted(index, "s", b, 3));
    assertThat(m.semaphore("s").orElseThrow().waiters()).containsExactly(new Primitives.Permits(c, 1));
  }

  @Test
  void aCancelledOrEndedWaiterAtTheHeadLetsTheNextOnesIn() {
    long a = session(10_000);
    long b = session(1_000);
    long c = session(10_000);
    long d = session(10_000);
    permits(a, 1, false);
    permits(b, 3, true);
    permits(c, 1, true);
    permits(d, 1, true);
    assertThat(run(new PrimitiveCommand.CancelPermits("s", c))).isEqualTo(new Cancelled());
    assertThat(run(new PrimitiveCommand.CancelPermits("s", c))).isEqualTo(new NotWaiting(0));
    run(new Tick(0));
    run(new Tick(1_000)); // b expires
    assertThat(m.drainEvents()).containsExactly(new SessionExpired(index, b),
        new PrimitiveEvent.PermitsGranted(index, "s", d, 1));
    assertThat(run(new CloseSession(a))).isEqualTo(new SessionClosed(a));
    assertThat(m.semaphore("s").orElseThrow().holders()).containsExactly(new Primitives.Permits(d, 1));
    run(new CloseSession(d));
    assertThat(m.semaphore("s")).isEmpty();
  }

  @Test
  void semaphoreLimitsAreInvalid() {
    long a = session(10_000);
    permits(a, 1, false);
    assertThat(run(new PrimitiveCommand.AcquirePermits("s", a, 1, 4, false))).isInstanceOf(Invalid.class);
    assertThat(run(new PrimitiveCommand.AcquirePermits("t", a, 0, 4, false))).isInstanceOf(Invalid.class);
    assertThat(run(new PrimitiveCommand.AcquirePermits("t", a, 5, 4, false))).isInstanceOf(Invalid.class);
    assertThat(run(new PrimitiveCommand.AcquirePermits("t", a, 1, Primitives.MAX_PERMITS + 1, false)))
        .isInstanceOf(Invalid.class);
    assertThat(run(new PrimitiveCommand.ReleasePermits("s", a, 0))).isInstanceOf(Invalid.class);
    assertThat(m.semaphore("t")).isEmpty();
    assertThat(m.semaphore("s").orElseThrow().available()).isEqualTo(2);
  }

  // ---- snapshot ----

  @Test
  void aSnapshotRestoresEverythingAndRestoreReplaces() {
    long a = session(1_000);
    long b = session(5_000);
    long c = session(5_000);
    run(new Acquire("x", a, false, 2_000));
    acquire("x", b, true);
    acquire("y", b, false);
    acquire("y", b, false);
    acquire("y", c, true);
    run(new Campaign("e", b, "b"));
    run(new Campaign("e", c, "c"));
    run(new Proclaim("e", b, index - 1, "b2"));
    run(new PrimitiveCommand.AcquirePermits("s", a, 2, 3, false));
    run(new PrimitiveCommand.AcquirePermits("s", c, 2, 3, true));
    run(new Tick(0));
    run(new Tick(1_000)); // a expires: x delayed
    run(new KeepAlive(List.of(c))); // c fresh
    byte[] snap = m.snapshot();
    Primitives copy = new Primitives();
    copy.apply(1, new CreateSession(3_000).encode()); // restore must replace, not merge
    copy.restore(snap);
    assertThat(copy.snapshot()).isEqualTo(snap);
    assertThat(copy.now()).isEqualTo(m.now());
    assertThat(copy.lock("x")).isEqualTo(m.lock("x"));
    assertThat(copy.lock("y")).isEqualTo(m.lock("y"));
    assertThat(copy.session(c)).isEqualTo(m.session(c));
    assertThat(copy.election("e")).isEqualTo(m.election("e")).isPresent();
    assertThat(copy.semaphore("s")).isEqualTo(m.semaphore("s")).isPresent();
    assertThat(copy.drainEvents()).isEmpty();
    m.drainEvents();
    for (PrimitiveCommand next : List.of(new Tick(2_000), new Release("y", b, 6), new KeepAlive(List.of(b, c)),
        new CloseSession(b))) {
      index++;
      assertThat(copy.apply(index, next.encode())).isEqualTo(m.apply(index, next.encode()));
      assertThat(copy.drainEvents()).isEqualTo(m.drainEvents());
      assertThat(copy.snapshot()).isEqualTo(m.snapshot());
    }
    assertThatThrownBy(() -> copy.apply(index, new Tick(0).encode())).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void everyTruncationOrByteFlipOfASnapshotIsRefusedOrIsThatStatesEncoding() {
    long a = session(1_000);
    long b = session(5_000);
    run(new Acquire("x", a, false, 2_000));
    acquire("x", b, true);
    acquire("y", b, false);
    run(new Campaign("e", b, "b"));
    run(new Campaign("e", a, "a"));
    run(new PrimitiveCommand.AcquirePermits("s", a, 2, 3, false));
    run(new PrimitiveCommand.AcquirePermits("s", b, 2, 3, true));
    byte[] snap = m.snapshot();
    Primitives target = new Primitives();
    target.restore(snap);
    for (int cut = 0; cut < snap.length; cut++) {
      byte[] bad = java.util.Arrays.copyOf(snap, cut);
      assertThatThrownBy(() -> target.restore(bad)).isInstanceOf(IllegalArgumentException.class);
      assertThat(target.snapshot()).isEqualTo(snap);
    }
    for (int i = 0; i < snap.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] bad = snap.clone();
        bad[i] ^= (byte) (1 << bit);
        Primitives fresh = new Primitives();
        try {
          fresh.restore(bad);
          assertThat(fresh.snapshot()).as("byte %d bit %d", i, bit).isEqualTo(bad);
        } catch (IllegalArgumentException refused) {
          assertThat(fresh.snapshot()).isEqualTo(new Primitives().snapshot());
        }
      }
    }
  }

  @Test
  void aSnapshotWithAForeignMagicOrFormatIsRefused() {
    assertThatThrownBy(() -> m.restore(new Registers().snapshot())).isInstanceOf(IllegalArgumentException.class);
    byte[] s = m.snapshot();
    s[4] = 2;
    assertThatThrownBy(() -> m.restore(s)).isInstanceOf(IllegalArgumentException.class);
    assertThat(m.lock("x")).isEqualTo(Optional.empty());
  }

  // ---- election history ----

  @Test
  void electionChangesAreKeptSoAnObserverMissesNothingAndSurviveASnapshot() {
    long a = session(10_000);
    long b = session(10_000);
    run(new Tick(0));
    long elected = ((PrimitiveResult.Elected) run(new Campaign("e", a, "a:1"))).token();
    run(new Campaign("other", b, "x"));
    run(new Campaign("e", b, "b:1"));
    run(new PrimitiveCommand.Resign("e", a, elected));
    long resignedAt = index;
    run(new CloseSession(b));
    Primitives.Changes all = m.changes("e", 0);
    assertThat(all.complete()).isTrue();
    assertThat(all.changes()).extracting(PrimitiveEvent.LeaderChanged::leaderSession).containsExactly(a, b, 0L);
    assertThat(all.changes().get(1).index()).isEqualTo(resignedAt);
    assertThat(m.changes("e", resignedAt).changes()).extracting(PrimitiveEvent.LeaderChanged::leaderSession)
        .containsExactly(0L);
    assertThat(m.changes("e", index).changes()).isEmpty();

    Primitives copy = new Primitives();
    copy.restore(m.snapshot());
    assertThat(copy.changes("e", 0)).isEqualTo(all);
    assertThat(copy.snapshot()).isEqualTo(m.snapshot());
  }

  @Test
  void anObserverTooFarBehindGetsTheElectionAsItIsNow() {
    long a = session(10_000);
    run(new Tick(0));
    long first = ((PrimitiveResult.Elected) run(new Campaign("e", a, "v0"))).token();
    for (int i = 1; i <= Primitives.MAX_HISTORY; i++) {
      run(new PrimitiveCommand.Proclaim("e", a, first, "v" + i));
    }
    Primitives.Changes behind = m.changes("e", first - 1);
    assertThat(behind.complete()).isFalse();
    assertThat(behind.changes()).hasSize(1);
    assertThat(behind.changes().get(0).value()).isEqualTo("v" + Primitives.MAX_HISTORY);
    assertThat(behind.changes().get(0).index()).isEqualTo(index);
    assertThat(m.changes("e", first).complete()).isTrue();
    assertThat(m.changes("e", first).changes()).hasSize(Primitives.MAX_HISTORY);
    assertThat(m.changes("gone", 0).changes().get(0).leaderSession()).isZero();

    Primitives copy = new Primitives();
    copy.restore(m.snapshot());
    assertThat(copy.snapshot()).isEqualTo(m.snapshot());
  }
}
