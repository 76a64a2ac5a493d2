package io.cairn.coordination.linearizability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.coordination.linearizability.CheckResult.Verdict;
import io.cairn.coordination.linearizability.RegisterModel.Cas;
import io.cairn.coordination.linearizability.RegisterModel.Create;
import io.cairn.coordination.linearizability.RegisterModel.Delete;
import io.cairn.coordination.linearizability.RegisterModel.Op;
import io.cairn.coordination.linearizability.RegisterModel.Read;
import io.cairn.coordination.linearizability.RegisterModel.Write;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Small histories whose verdict is worked out by hand; times are in milliseconds. */
class HandWrittenHistoriesTest {
  private static final long MS = 1_000_000;
  private static final Boolean OK = Boolean.TRUE;

  private final History.Builder<Op, Object> h = History.builder();

  private History.Builder<Op, Object> op(int client, Op input, Object output, long callMs, long returnMs) {
    return h.ok(client, input, output, callMs * MS, returnMs * MS);
  }

  private static Optional<String> value(String v) {
    return Optional.of(v);
  }

  private CheckResult check() {
    return LinearizabilityChecker.check(new RegisterModel(), h.build(), Duration.ofSeconds(10));
  }

  @Test
  void anEmptyHistoryIsLinearizable() {
    assertThat(check().verdict()).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void aSequentialHistoryIsLinearizable() {
    op(1, new Read("k"), Optional.empty(), 0, 1);
    op(1, new Create("k", "a"), true, 2, 3);
    op(2, new Create("k", "b"), false, 4, 5);
    op(2, new Cas("k", "a", "c"), true, 6, 7);
    op(1, new Read("k"), value("c"), 8, 9);
    op(1, new Write("k", "d"), OK, 10, 11);
    op(2, new Delete("k"), true, 12, 13);
    op(2, new Delete("k"), false, 14, 15);
    op(1, new Read("k"), Optional.empty(), 16, 17);
    check().assertLinearizable();
  }

  @Test
  void overlappingOperationsLinearizableInOnlyOneOrder() {
    // The writes overlap each other and both reads; only write b, read b, write a, read a works.
    op(1, new Write("k", "b"), OK, 0, 10);
    op(2, new Write("k", "a"), OK, 1, 10);
    op(3, new Read("k"), value("b"), 2, 3);
    op(3, new Read("k"), value("a"), 4, 5);
    check().assertLinearizable();
  }

  @Test
  void afterBothOverlappingWritesOnlyTheOneLinearizedLastCanBeRead() {
    op(1, new Write("k", "b"), OK, 0, 10);
    op(2, new Write("k", "a"), OK, 1, 10);
    op(3, new Read("k"), value("b"), 2, 3);
    op(3, new Read("k"), value("a"), 4, 5);
    op(3, new Read("k"), value("b"), 11, 12); // both writes are over and a came last
    assertThat(check().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void aStaleReadAfterACompletedWriteIsNotLinearizable() {
    op(1, new Write("k", "a"), OK, 0, 1);
    op(1, new Write("k", "b"), OK, 2, 3);
    op(2, new Read("k"), value("a"), 4, 5);
    CheckResult result = check();
    assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(result.explanation())
        .contains("partition k")
        .contains("Longest linearizable prefix found: 2 operations")
        .contains("client 2: read(k) -> Optional[a]  [called 4.000, returned 5.000]  (refused by the model here)");
  }

  @Test
  void aLostAcknowledgedWriteIsNotLinearizable() {
    op(1, new Create("k", "a"), true, 0, 1);
    op(2, new Write("k", "b"), OK, 2, 3);
    op(1, new Read("k"), value("a"), 4, 5);
    op(3, new Read("k"), value("a"), 6, 7);
    assertThat(check().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void twoCasWithTheSameExpectationCannotBothSucceed() {
    op(1, new Write("k", "a"), OK, 0, 1);
    op(2, new Cas("k", "a", "b"), true, 2, 5);
    op(3, new Cas("k", "a", "c"), true, 3, 6);
    CheckResult result = check();
    assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    // Neither new value is ever read, so both are shown as RegisterModel.NEVER_READ.
    assertThat(result.explanation())
        .contains("client 2: cas(k, a -> <a value never read>) -> true")
        .contains("client 3: cas(k, a -> <a value never read>) -> true");
  }

  @Test
  void twoCasWithTheSameExpectationOneFailingIsLinearizable() {
    op(1, new Write("k", "a"), OK, 0, 1);
    op(2, new Cas("k", "a", "b"), false, 2, 5);
    op(3, new Cas("k", "a", "c"), true, 3, 6);
    op(1, new Read("k"), value("c"), 7, 8);
    check().assertLinearizable();
  }

  @Test
  void aReadOfAValueNeverWrittenIsNotLinearizable() {
    op(1, new Write("k", "a"), OK, 0, 10);
    op(2, new Read("k"), value("z"), 1, 2);
    assertThat(check().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void anUnknownWriteLaterObservedIsLinearizable() {
    op(1, new Write("k", "a"), OK, 0, 1);
    h.unknown(2, new Write("k", "b"), 2 * MS);
    op(1, new Read("k"), value("a"), 3, 4); // not yet applied
    op(3, new Read("k"), value("b"), 100, 101); // applied long after the client gave up
    op(1, new Read("k"), value("b"), 102, 103);
    check().assertLinearizable();
  }

  @Test
  void anUnknownWriteNeverObservedIsLinearizable() {
    op(1, new Write("k", "a"), OK, 0, 1);
    h.unknown(2, new Write("k", "b"), 2 * MS);
    op(1, new Read("k"), value("a"), 3, 4);
    op(3, new Read("k"), value("a"), 100, 101);
    check().assertLinearizable();
  }

  @Test
  void anUnknownWriteCannotBeUndone() {
    op(1, new Write("k", "a"), OK, 0, 1);
    h.unknown(2, new Write("k", "b"), 2 * MS);
    op(1, new Read("k"), value("b"), 3, 4);
    op(3, new Read("k"), value("a"), 100, 101); // a came back without a write of a
    assertThat(check().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void anUnknownCasTakesEffectOnlyIfItsExpectationMatches() {
    op(1, new Write("k", "a"), OK, 0, 1);
    h.unknown(2, new Cas("k", "x", "b"), 2 * MS); // x never held
    op(3, new Read("k"), value("b"), 10, 11);
    assertThat(check().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void anUnknownCreateMayHaveHappenedBeforeAFailedCreate() {
    h.unknown(1, new Create("k", "a"), 0);
    op(2, new Create("k", "b"), false, 5, 6);
    op(2, new Read("k"), value("a"), 7, 8);
    check().assertLinearizable();
  }

  @Test
  void keysAreIndependentAndTheFailingKeyIsNamed() {
    op(1, new Write("x", "a"), OK, 0, 1);
    op(1, new Write("y", "b"), OK, 2, 3);
    op(2, new Read("x"), value("a"), 4, 5);
    op(2, new Read("y"), Optional.empty(), 6, 7);
    CheckResult result = check();
    assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(result.explanation()).contains("partition y (2 operations");
  }

  @Test
  void aTimeoutIsNotAPass() {
    History<Op, Object> large = SimulatedRegisterMap.generate(1, 5, 5000, 1, 0.0);
    CheckResult result = LinearizabilityChecker.check(new RegisterModel(), large, Duration.ZERO);
    assertThat(result.verdict()).isEqualTo(Verdict.TIMEOUT);
    assertThat(result.isLinearizable()).isFalse();
    assertThat(result.explanation()).contains("partition k0 (5000 operations)");
    assertThatThrownBy(result::assertLinearizable).isInstanceOf(AssertionError.class).hasMessageContaining("TIMEOUT");
  }

  @Test
  void counterIncrementsAppliedTwiceAreNotLinearizable() {
    History<CounterModel.Op, Long> history = History.<CounterModel.Op, Long>builder()
        .ok(1, new CounterModel.Add("c", 1), 1L, 0, 10)
        .ok(2, new CounterModel.Add("c", 1), 3L, 5, 15) // the first add was applied twice
        .ok(1, new CounterModel.ReadCounter("c"), 3L, 20, 21)
        .build();
    assertThat(LinearizabilityChecker.check(new CounterModel(), history, Duration.ofSeconds(10)).verdict())
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void counterIncrementsWithAnUnknownOneAreLinearizable() {
    History<CounterModel.Op, Long> history = History.<CounterModel.Op, Long>builder()
        .ok(1, new CounterModel.Add("c", 1), 1L, 0, 10)
        .unknown(3, new CounterModel.Add("c", 5), 1)
        .ok(2, new CounterModel.Add("c", 1), 7L, 5, 15)
        .ok(1, new CounterModel.ReadCounter("c"), 7L, 20, 21)
        .unknown(2, new CounterModel.ReadCounter("c"), 22)
        .build();
    LinearizabilityChecker.check(new CounterModel(), history, Duration.ofSeconds(10)).assertLinearizable();
  }
}
