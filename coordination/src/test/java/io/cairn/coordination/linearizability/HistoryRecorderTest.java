package io.cairn.coordination.linearizability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.coordination.linearizability.RegisterModel.Cas;
import io.cairn.coordination.linearizability.RegisterModel.Create;
import io.cairn.coordination.linearizability.RegisterModel.Delete;
import io.cairn.coordination.linearizability.RegisterModel.Op;
import io.cairn.coordination.linearizability.RegisterModel.Read;
import io.cairn.coordination.linearizability.RegisterModel.Write;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class HistoryRecorderTest {
  @Test
  void okUnknownFailAndPending() {
    HistoryRecorder<Op, Object> recorder = new HistoryRecorder<>();
    var write = recorder.invoke(1, new Write("k", "a"));
    var refused = recorder.invoke(2, new Write("k", "b"));
    var timedOut = recorder.invoke(3, new Write("k", "c"));
    var pending = recorder.invoke(4, new Read("k"));
    recorder.ok(write, Boolean.TRUE);
    recorder.fail(refused);
    recorder.unknown(timedOut);

    List<Operation<Op, Object>> ops = recorder.history().operations();
    assertThat(ops).extracting(Operation::clientId).containsExactly(1, 3, 4);
    assertThat(ops.get(0).outcomeUnknown()).isFalse();
    assertThat(ops.get(0).returnNanos()).isGreaterThanOrEqualTo(ops.get(0).callNanos());
    assertThat(ops.get(1).outcomeUnknown()).isTrue();
    assertThat(ops.get(2).outcomeUnknown()).as("still pending").isTrue();

    assertThatThrownBy(() -> recorder.ok(write, Boolean.TRUE)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> new HistoryRecorder<Op, Object>().ok(pending, Boolean.TRUE))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Threads on a ConcurrentHashMap (whose single-key operations are atomic) record a linearizable history. */
  @Test
  void concurrentClientsOfAnAtomicMapRecordALinearizableHistory() throws InterruptedException {
    Map<String, String> map = new ConcurrentHashMap<>();
    HistoryRecorder<Op, Object> recorder = new HistoryRecorder<>();
    int clients = 4;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      threads.add(new Thread(() -> {
        SplittableRandom random = new SplittableRandom(client);
        awaitQuietly(start);
        for (int i = 0; i < 2000; i++) {
          String key = "k" + random.nextInt(3);
          String fresh = client + "-" + i;
          switch (random.nextInt(5)) {
            case 0 -> {
              var h = recorder.invoke(client, new Read(key));
              recorder.ok(h, Optional.ofNullable(map.get(key)));
            }
            case 1 -> {
              var h = recorder.invoke(client, new Write(key, fresh));
              map.put(key, fresh);
              if (random.nextInt(20) == 0) {
                recorder.unknown(h); // as if the response were lost
              } else {
                recorder.ok(h, Boolean.TRUE);
              }
            }
            case 2 -> {
              String expected = map.get(key); // a read of a unique value, as a client would do
              if (expected == null) {
                var h = recorder.invoke(client, new Create(key, fresh));
                recorder.ok(h, map.putIfAbsent(key, fresh) == null);
              } else {
                var h = recorder.invoke(client, new Cas(key, expected, fresh));
                recorder.ok(h, map.replace(key, expected, fresh));
              }
            }
            case 3 -> {
              var h = recorder.invoke(client, new Delete(key));
              recorder.ok(h, map.remove(key) != null);
            }
            default -> {
              var h = recorder.invoke(client, new Write(key, fresh));
              recorder.fail(h); // refused before it was sent: did not happen
            }
          }
        }
      }));
    }
    threads.forEach(Thread::start);
    start.countDown();
    for (Thread t : threads) {
      t.join();
    }
    History<Op, Object> history = recorder.history();
    assertThat(history.size()).isGreaterThan(clients * 2000 * 3 / 4);
    LinearizabilityChecker.check(new RegisterModel(), history, Duration.ofSeconds(60)).assertLinearizable();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
