package io.cairn.coordination.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.coordination.linearizability.CheckResult.Verdict;
import io.cairn.coordination.linearizability.LockModel.Release;
import io.cairn.coordination.linearizability.LockModel.Status;
import io.cairn.coordination.linearizability.LockModel.TryAcquire;
import io.cairn.coordination.linearizability.SemaphoreModel.AcquirePermits;
import io.cairn.coordination.linearizability.SemaphoreModel.ReleasePermits;
import io.cairn.coordination.linearizability.SemaphoreModel.SemaphoreStatus;
import io.cairn.coordination.machine.PrimitiveResult.Busy;
import io.cairn.coordination.machine.PrimitiveResult.Conflict;
import io.cairn.coordination.machine.PrimitiveResult.Granted;
import io.cairn.coordination.machine.PrimitiveResult.NoPermits;
import io.cairn.coordination.machine.PrimitiveResult.NoSession;
import io.cairn.coordination.machine.PrimitiveResult.NotHeld;
import io.cairn.coordination.machine.PrimitiveResult.PermitsGranted;
import io.cairn.coordination.machine.PrimitiveResult.PermitsReleased;
import io.cairn.coordination.machine.PrimitiveResult.Released;
import io.cairn.coordination.machine.PrimitiveResult.SessionClosed;
import io.cairn.coordination.machine.Primitives.LockView;
import io.cairn.coordination.machine.Primitives.Permits;
import io.cairn.coordination.machine.Primitives.SemaphoreView;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Small lock and semaphore histories whose verdict is worked out by hand; times are in
 * milliseconds, sessions 1 and 2 (clients 1 and 2).
 */
class PrimitiveHistoriesTest {
  private static final long MS = 1_000_000;

  @Nested
  class Locks {
    private final History.Builder<LockModel.Op, Object> h = History.builder();

    private void op(int session, LockModel.Op input, Object output, long callMs, long returnMs) {
      h.ok(session, input, output, callMs * MS, returnMs * MS);
    }

    private void unknown(int session, LockModel.Op input, long callMs) {
      h.unknown(session, input, callMs * MS);
    }

    private static Optional<LockView> held(long session, long token, int count) {
      return Optional.of(new LockView("L", session, token, count, List.of(), 0));
    }

    private Verdict verdict() {
      CheckResult result = LinearizabilityChecker.check(new LockModel(), h.build(), Duration.ofSeconds(10));
      if (!result.isLinearizable()) {
        System.out.println(result);
      }
      return result.verdict();
    }

    @Test
    void aSequentialHistoryIsLinearizable() {
      op(1, new Status("L"), Optional.empty(), 0, 1);
      op(1, new TryAcquire("L", 1), new Granted(10, 1), 2, 3);
      op(1, new TryAcquire("L", 1), new Granted(10, 2), 4, 5);
      op(2, new TryAcquire("L", 2), new Busy(1, 10), 6, 7);
      op(2, new Release("L", 2, 10), new Conflict(1, 10), 8, 9);
      op(2, new Status("L"), held(1, 10, 2), 10, 11);
      op(1, new Release("L", 1, 10), new Released(1), 12, 13);
      op(1, new Release("L", 1, 10), new Released(0), 14, 15);
      op(1, new Release("L", 1, 10), new Conflict(0, 0), 16, 17);
      op(2, new TryAcquire("L", 2), new Granted(20, 1), 18, 19);
      op(1, new Release("L", 1, 10), new Conflict(2, 20), 20, 21);
      assertThat(verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void twoHoldersAtOnceAreNotLinearizable() {
      op(1, new TryAcquire("L", 1), new Granted(10, 1), 0, 1);
      op(2, new TryAcquire("L", 2), new Granted(12, 1), 2, 3);
      assertThat(verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void overlappingTryAcquiresGrantOnlyOne() {
      op(1, new TryAcquire("L", 1), new Granted(10, 1), 0, 5);
      op(2, new TryAcquire("L", 2), new Busy(1, 10), 1, 6);
      assertThat(verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void aTokenBelowAnEarlierGrantIsNotLinearizable() {
      op(1, new TryAcquire("L", 1), new Granted(10, 1), 0, 1);
      op(1, new Release("L", 1, 10), new Released(0), 2, 3);
      op(2, new TryAcquire("L", 2), new Granted(8, 1), 4, 5);
      assertThat(verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void overlappingGrantsMayComeInEitherOrderButTokensFollowTheOrder() {
      // 2's grant (token 8) went first and was released before 1's grant (token 10): fine.
      op(1, new TryAcquire("L", 1), new Granted(10, 1), 0, 10);
      op(2, new TryAcquire("L", 2), new Granted(8, 1), 1, 2);
      op(2, new Release("L", 2, 8), new Released(0), 3, 4);
      assertThat(verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void aBusyMustNameTheHoldersToken() {
      op(1, new TryAcquire("L", 1), new Granted(10, 1), 0, 1);
      op(2, new TryAcquire("L", 2), new Busy(1, 11), 2, 3);
      assertThat(verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aReentrantGrantMustCountOneMore() {
      op(1, new TryAcquire("L", 1), new Granted(10, 1), 0, 1);
      op(1, new TryAcquire("L", 1), new Granted(10, 3), 2, 3);
      assertThat(verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aReleaseWithAStaleTokenConflicts() {
      op(1, new TryAcquire("L", 1), new Granted(10, 1), 0, 1);
      op(1, new Release("L", 1, 10), new Released(0), 2, 3);
      op(1, new TryAcquire("L", 1), new Granted(14, 1), 4, 5);
      op(1, new Release("L", 1, 10), new Released(0), 6, 7); // the old token must not release the new grant
      assertThat(verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void anUnknownGrantIsNamedByTheFirstAnswerThatSeesIt() {
      op(1, new TryAcquire("L", 1), new Granted(10, 1), 0, 1);
      op(1, new Release("L", 1, 10), new Released(0), 2, 3);
      unknown(1, new TryAcquire("L", 1), 4);
      op(2, new TryAcquire("L", 2), new Busy(1, 15), 10, 11);
      op(2, new Status("L"), held(1, 15, 1), 12, 13);
      op(1, new TryAcquire("L", 1), new Granted(15, 2), 14, 15);
      assertThat(verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void anUnknownGrantCannotCarryAnOldToken() {
      op(1, new TryAcquire("L", 1), new Granted(10, 1), 0, 1);
      op(1, new Release("L", 1, 10), new Released(0), 2, 3);
      unknown(1, new TryAcquire("L", 1), 4);
      op(2, new TryAcquire("L", 2), new Busy(1, 10), 10, 11);
      assertThat(verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void anUnknownGrantNeverSeenMayNotHaveHappened() {
      unknown(1, new TryAcquire("L", 1), 0);
      op(2, new TryAcquire("L", 2), new Granted(10, 1), 5, 6);
      op(2, new Status("L"), held(2, 10, 1), 7, 8);
      assertThat(verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void aCloseReleasesTheSessionsLock() {
      op(1, new TryAcquire("L", 1), new Granted(10, 1), 0, 1);
      op(1, new CloseSession(1), new SessionClosed(1), 2, 5);
      op(2, new TryAcquire("L", 2), new Granted(12, 1), 4, 6); // overlaps the close
      op(1, new CloseSession(1), new NoSession(1), 7, 8);
      op(1, new TryAcquire("L", 1), new NoSession(1), 9, 10);
      assertThat(verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void aGrantBeforeTheHolderClosedIsNotLinearizable() {
      op(1, new TryAcquire("L", 1), new Granted(10, 1), 0, 1);
      op(2, new TryAcquire("L", 2), new Granted(12, 1), 2, 3);
      op(1, new CloseSession(1), new SessionClosed(1), 4, 5);
      assertThat(verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void anUnknownAcquireOfAClosedSessionTakesNothing() {
      op(1, new CloseSession(1), new SessionClosed(1), 0, 1);
      unknown(1, new TryAcquire("L", 1), 2);
      op(2, new Status("L"), held(1, 12, 1), 5, 6);
      assertThat(verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aLockWhoseUnknownTokenWasClosedAwayStillRaisesTheFloor() {
      // Session 1's unknown grant, if it happened, took a token above 10 and so below 11: impossible,
      // so it did not happen, and 2's grant of 11 is fine; a status read proving it did refutes it.
      op(1, new TryAcquire("L", 1), new Granted(10, 1), 0, 1);
      op(1, new Release("L", 1, 10), new Released(0), 2, 3);
      unknown(1, new TryAcquire("L", 1), 4);
      op(1, new CloseSession(1), new SessionClosed(1), 5, 6);
      op(2, new TryAcquire("L", 2), new Granted(11, 1), 7, 8);
      assertThat(verdict()).isEqualTo(Verdict.LINEARIZABLE);
      op(2, new Status("L"), held(1, 11, 1), 4, 5);
      assertThat(verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void locksAreCheckedApartAndTheFailingOneIsNamed() {
      op(1, new TryAcquire("A", 1), new Granted(10, 1), 0, 1);
      op(2, new TryAcquire("B", 2), new Granted(11, 1), 2, 3);
      op(2, new TryAcquire("A", 2), new Granted(12, 1), 4, 5);
      CheckResult result = LinearizabilityChecker.check(new LockModel(), h.build(), Duration.ofSeconds(10));
      assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
      assertThat(result.explanation()).contains("partition A");
    }
  }

  @Nested
  class Semaphores {
    private final History.Builder<SemaphoreModel.Op, Object> h = History.builder();

    private void op(int session, SemaphoreModel.Op input, Object output, long callMs, long returnMs) {
      h.ok(session, input, output, callMs * MS, returnMs * MS);
    }

    private static Optional<SemaphoreView> view(int available, Permits... holders) {
      return Optional.of(new SemaphoreView("S", 3, available, List.of(holders), List.of()));
    }

    private Verdict verdict() {
      CheckResult result = LinearizabilityChecker.check(new SemaphoreModel(Map.of("S", 3)), h.build(),
          Duration.ofSeconds(10));
      if (!result.isLinearizable()) {
        System.out.println(result);
      }
      return result.verdict();
    }

    @Test
    void aSequentialHistoryIsLinearizable() {
      op(1, new SemaphoreStatus("S"), Optional.empty(), 0, 1);
      op(1, new AcquirePermits("S", 1, 2), new PermitsGranted(2), 2, 3);
      op(2, new AcquirePermits("S", 2, 2), new NoPermits(1, 3), 4, 5);
      op(2, new AcquirePermits("S", 2, 1), new PermitsGranted(1), 6, 7);
      op(2, new SemaphoreStatus("S"), view(0, new Permits(1, 2), new Permits(2, 1)), 8, 9);
      op(2, new ReleasePermits("S", 2, 2), new NotHeld(1), 10, 11);
      op(1, new ReleasePermits("S", 1, 1), new PermitsReleased(1), 12, 13);
      op(1, new AcquirePermits("S", 1, 1), new PermitsGranted(2), 14, 15);
      op(2, new ReleasePermits("S", 2, 1), new PermitsReleased(0), 16, 17);
      op(2, new SemaphoreStatus("S"), view(1, new Permits(1, 2)), 18, 19);
      assertThat(verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void moreThanTheLimitGrantedIsNotLinearizable() {
      op(1, new AcquirePermits("S", 1, 2), new PermitsGranted(2), 0, 1);
      op(2, new AcquirePermits("S", 2, 2), new PermitsGranted(2), 2, 3);
      assertThat(verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void anUnknownAcquireMayExplainNoPermits() {
      h.unknown(1, new AcquirePermits("S", 1, 2), 0);
      op(2, new AcquirePermits("S", 2, 2), new NoPermits(1, 3), 5, 6);
      op(2, new AcquirePermits("S", 2, 1), new PermitsGranted(1), 7, 8);
      assertThat(verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void noPermitsMustCountWhatIsFree() {
      op(1, new AcquirePermits("S", 1, 2), new PermitsGranted(2), 0, 1);
      op(2, new AcquirePermits("S", 2, 2), new NoPermits(0, 3), 2, 3);
      assertThat(verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aCloseGivesThePermitsBack() {
      op(1, new AcquirePermits("S", 1, 3), new PermitsGranted(3), 0, 1);
      op(1, new CloseSession(1), new SessionClosed(1), 2, 3);
      op(2, new AcquirePermits("S", 2, 3), new PermitsGranted(3), 4, 5);
      op(1, new ReleasePermits("S", 1, 1), new NoSession(1), 6, 7);
      assertThat(verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void permitsGrantedBeforeTheirHolderClosedAreNotLinearizable() {
      op(1, new AcquirePermits("S", 1, 3), new PermitsGranted(3), 0, 1);
      op(2, new AcquirePermits("S", 2, 3), new PermitsGranted(3), 2, 3);
      op(1, new CloseSession(1), new SessionClosed(1), 4, 5);
      assertThat(verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aStatusReadMustMatchExactly() {
      op(1, new AcquirePermits("S", 1, 2), new PermitsGranted(2), 0, 1);
      op(2, new SemaphoreStatus("S"), view(2, new Permits(1, 2)), 2, 3);
      assertThat(verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aReleaseOfPermitsNotHeldIsRefused() {
      op(1, new AcquirePermits("S", 1, 1), new PermitsGranted(1), 0, 1);
      op(1, new ReleasePermits("S", 1, 2), new PermitsReleased(0), 2, 3);
      assertThat(verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }
  }
}
