package io.cairn.cache;

import io.cairn.cache.cluster.ClusterView;
import io.cairn.cache.cluster.Holders;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.cairn.membership.NodeId;
import java.util.List;
import java.util.function.Supplier;

/**
 * The meters of a node's part in the cluster's caches: the partitions it owns, backs up and is
 * being filled with, the epoch of its view, migrations started, completed and given up, the bytes
 * they moved, and how long writes wait for their replicas.
 */
final class CacheMetrics {
  private final Counter started;
  private final Counter completed;
  private final Counter abandoned;
  private final Counter bytes;
  private final Timer replication;

  CacheMetrics(MeterRegistry registry, NodeId self, Supplier<Routing> routing) {
    started = Counter.builder("cairn.cache.migrations").tag("outcome", "started")
        .description("Partition replicas this node began to fill as owner").register(registry);
    completed = Counter.builder("cairn.cache.migrations").tag("outcome", "completed")
        .description("Partition replicas this node filled as owner").register(registry);
    abandoned = Counter.builder("cairn.cache.migrations").tag("outcome", "abandoned")
        .description("Partition fills this node gave up (the target or the owner changed)").register(registry);
    bytes = Counter.builder("cairn.cache.migration.bytes").baseUnit("bytes")
        .description("Bytes of entry values this node sent to fill partition replicas").register(registry);
    replication = Timer.builder("cairn.cache.replication")
        .description("From a write's local step to every replica's acknowledgement, at the owner")
        .register(registry);
    for (String role : List.of("owner", "backup", "pending")) {
      Gauge.builder("cairn.cache.partitions", () -> count(routing.get(), self, role)).tag("role", role)
          .description("Partitions this node holds, by role, in its view of the cluster map").register(registry);
    }
    Gauge.builder("cairn.cache.partition.epoch", () -> routing.get().epoch())
        .description("The epoch of the partition holders this node routes by").register(registry);
  }

  private static int count(Routing r, NodeId self, String role) {
    ClusterView v = r.view;
    if (!v.formed() || self == null) {
      return 0;
    }
    int n = 0;
    for (Holders h : v.assignments().all()) {
      boolean in = switch (role) {
        case "owner" -> self.equals(h.owner());
        case "backup" -> h.backups().contains(self);
        default -> h.pending().contains(self);
      };
      n += in ? 1 : 0;
    }
    return n;
  }

  void migrationStarted() {
    started.increment();
  }

  void migrationCompleted() {
    completed.increment();
  }

  void migrationAbandoned() {
    abandoned.increment();
  }

  void migrationBytes(List<Change> changes) {
    long n = 0;
    for (Change c : changes) {
      n += c.deleted() ? 0 : c.entry().value().length;
    }
    bytes.increment(n);
  }

  Timer replication() {
    return replication;
  }
}
