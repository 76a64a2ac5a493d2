package io.cairn.api.problem;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cache.CacheFailure;
import io.cairn.cache.Entry;
import io.cairn.cache.Precondition;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProblemsTest {
  @Test
  void everyCacheFailureReasonHasItsProblemType() {
    Map<CacheFailure.Reason, CacheFailure> failures = new EnumMap<>(CacheFailure.Reason.class);
    failures.put(CacheFailure.Reason.NO_SUCH_CACHE, CacheFailure.noSuchCache("c"));
    failures.put(CacheFailure.Reason.NO_SUCH_ENTRY, CacheFailure.noSuchEntry("c", "k"));
    failures.put(CacheFailure.Reason.PRECONDITION_FAILED, CacheFailure.preconditionFailed("c", "k",
        Precondition.ifMatch(1), new Entry("k", new byte[0], "text/plain", 2, null)));
    failures.put(CacheFailure.Reason.INVALID_KEY, CacheFailure.invalidKey("too long"));
    failures.put(CacheFailure.Reason.INVALID_SPEC, CacheFailure.invalidSpec("bad ttl"));
    failures.put(CacheFailure.Reason.SPEC_CONFLICT, CacheFailure.specConflict("store differs"));
    failures.put(CacheFailure.Reason.VALUE_TOO_LARGE, CacheFailure.valueTooLarge(10, 5));
    failures.put(CacheFailure.Reason.STORE_UNAVAILABLE, CacheFailure.storeUnavailable("down", null));
    failures.put(CacheFailure.Reason.MINORITY_PARTITION, CacheFailure.minorityPartition("cut off"));
    failures.put(CacheFailure.Reason.PARTITION_UNAVAILABLE, CacheFailure.partitionUnavailable("nobody serves it"));
    failures.put(CacheFailure.Reason.OUTCOME_UNKNOWN, CacheFailure.outcomeUnknown("lost"));
    failures.put(CacheFailure.Reason.STALE_FENCING_TOKEN, CacheFailure.staleFencingToken("old token", 7));
    assertThat(failures.keySet()).containsExactlyInAnyOrder(CacheFailure.Reason.values());

    Map<CacheFailure.Reason, ProblemType> expected = Map.ofEntries(
        Map.entry(CacheFailure.Reason.MINORITY_PARTITION, ProblemType.MINORITY_PARTITION),
        Map.entry(CacheFailure.Reason.PARTITION_UNAVAILABLE, ProblemType.PARTITION_UNAVAILABLE),
        Map.entry(CacheFailure.Reason.OUTCOME_UNKNOWN, ProblemType.OUTCOME_UNKNOWN),
        Map.entry(CacheFailure.Reason.STALE_FENCING_TOKEN, ProblemType.STALE_FENCING_TOKEN),
        Map.entry(CacheFailure.Reason.NO_SUCH_CACHE, ProblemType.CACHE_NOT_FOUND),
        Map.entry(CacheFailure.Reason.NO_SUCH_ENTRY, ProblemType.ENTRY_NOT_FOUND),
        Map.entry(CacheFailure.Reason.PRECONDITION_FAILED, ProblemType.PRECONDITION_FAILED),
        Map.entry(CacheFailure.Reason.INVALID_KEY, ProblemType.INVALID_KEY),
        Map.entry(CacheFailure.Reason.INVALID_SPEC, ProblemType.INVALID_REQUEST),
        Map.entry(CacheFailure.Reason.SPEC_CONFLICT, ProblemType.CACHE_CONFLICT),
        Map.entry(CacheFailure.Reason.VALUE_TOO_LARGE, ProblemType.VALUE_TOO_LARGE),
        Map.entry(CacheFailure.Reason.STORE_UNAVAILABLE, ProblemType.STORE_UNAVAILABLE));
    failures.forEach((reason, failure) -> {
      ApiProblem problem = Problems.fromCache(failure);
      assertThat(problem.type()).as("%s", reason).isEqualTo(expected.get(reason));
      assertThat(problem.detail()).isEqualTo(failure.getMessage());
    });
    assertThat(ProblemType.STORE_UNAVAILABLE.status()).isEqualTo(503);
    assertThat(ProblemType.MINORITY_PARTITION.status()).isEqualTo(503);
    assertThat(Problems.fromCache(CacheFailure.staleFencingToken("old", 7)).members().getLong("highestToken"))
        .isEqualTo(7);
    assertThat(ProblemType.PRECONDITION_FAILED.status()).isEqualTo(412);
  }

  @Test
  void theRoutersBareStatusesAreProblemsAndOtherFailuresAreNot() {
    assertThat(Problems.known(null, 404).type()).isEqualTo(ProblemType.NOT_FOUND);
    assertThat(Problems.known(null, 405).type()).isEqualTo(ProblemType.METHOD_NOT_ALLOWED);
    assertThat(Problems.known(null, 413).type()).isEqualTo(ProblemType.PAYLOAD_TOO_LARGE);
    assertThat(Problems.known(null, 415).type()).isEqualTo(ProblemType.UNSUPPORTED_MEDIA_TYPE);
    assertThat(Problems.known(new IllegalStateException("bug"), 500)).isNull();
    assertThat(Problems.known(new NullPointerException(), 500)).isNull();
  }
}
