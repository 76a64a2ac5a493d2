package io.cairn.membership.gossip;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Updates waiting to be piggybacked, each sent a bounded number of times. A newer update about
 * the same subject replaces the older one. Messages take the least-sent updates first (the
 * newest among equals), so fresh news spreads before old news is repeated. Pure, not
 * thread-safe.
 *
 * @param <K> what an update is about (a member id)
 * @param <V> the update
 */
public final class BroadcastQueue<K, V> {
  private static final Comparator<Item<?, ?>> ORDER =
      Comparator.<Item<?, ?>>comparingInt(i -> i.transmits).thenComparing(i -> -i.seq);

  private final TreeSet<Item<K, V>> queue = new TreeSet<>(ORDER);
  private final Map<K, Item<K, V>> byKey = new HashMap<>();
  private long seq;

  /** Queues {@code value}, replacing anything queued about {@code key}. */
  public void add(K key, V value) {
    Item<K, V> old = byKey.remove(key);
    if (old != null) {
      queue.remove(old);
    }
    Item<K, V> item = new Item<>(key, value, seq++);
    queue.add(item);
    byKey.put(key, item);
  }

  /** Drops what is queued about {@code key}. */
  public void remove(K key) {
    Item<K, V> old = byKey.remove(key);
    if (old != null) {
      queue.remove(old);
    }
  }

  /**
   * Takes up to {@code max} updates for one message and counts a transmission of each; an update
   * sent {@code transmitLimit} times leaves the queue.
   */
  public List<V> take(int max, int transmitLimit) {
    if (queue.isEmpty() || max <= 0) {
      return List.of();
    }
    List<Item<K, V>> taken = new ArrayList<>(Math.min(max, queue.size()));
    while (taken.size() < max && !queue.isEmpty()) {
      taken.add(queue.pollFirst());
    }
    List<V> values = new ArrayList<>(taken.size());
    for (Item<K, V> item : taken) {
      values.add(item.value);
      item.transmits++;
      if (item.transmits < transmitLimit) {
        queue.add(item);
      } else {
        byKey.remove(item.key);
      }
    }
    return values;
  }

  public int size() {
    return queue.size();
  }

  public boolean isEmpty() {
    return queue.isEmpty();
  }

  private static final class Item<K, V> {
    final K key;
    final V value;
    final long seq;
    int transmits;

    Item(K key, V value, long seq) {
      this.key = key;
      this.value = value;
      this.seq = seq;
    }
  }
}
