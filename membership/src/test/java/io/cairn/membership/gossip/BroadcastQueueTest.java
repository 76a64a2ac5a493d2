package io.cairn.membership.gossip;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BroadcastQueueTest {
  @Test
  void eachUpdateIsSentExactlyTheLimitAndThenLeaves() {
    var q = new BroadcastQueue<String, String>();
    q.add("a", "a1");
    q.add("b", "b1");
    Map<String, Integer> sent = new HashMap<>();
    for (int i = 0; i < 10; i++) {
      for (String v : q.take(1, 3)) {
        sent.merge(v, 1, Integer::sum);
      }
    }
    assertThat(sent).containsEntry("a1", 3).containsEntry("b1", 3);
    assertThat(q.isEmpty()).isTrue();
  }

  @Test
  void aNewerUpdateAboutTheSameSubjectReplacesTheOlderAndStartsAfresh() {
    var q = new BroadcastQueue<String, String>();
    q.add("a", "a1");
    q.take(1, 3);
    q.add("a", "a2");
    assertThat(q.size()).isEqualTo(1);
    List<String> all = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      all.addAll(q.take(5, 3));
    }
    assertThat(all).containsExactly("a2", "a2", "a2");
  }

  @Test
  void theLeastSentGoFirstAndTheNewestAmongEquals() {
    var q = new BroadcastQueue<String, String>();
    q.add("a", "a1");
    q.add("b", "b1");
    assertThat(q.take(1, 10)).containsExactly("b1");
    assertThat(q.take(1, 10)).containsExactly("a1");
    q.add("c", "c1");
    assertThat(q.take(2, 10)).containsExactly("c1", "b1");
  }

  @Test
  void removeAndBoundedTakes() {
    var q = new BroadcastQueue<Integer, Integer>();
    for (int i = 0; i < 100; i++) {
      q.add(i, i);
    }
    q.remove(5);
    assertThat(q.size()).isEqualTo(99);
    assertThat(q.take(20, 4)).hasSize(20).doesNotContain(5);
    assertThat(q.take(0, 4)).isEmpty();
  }
}
