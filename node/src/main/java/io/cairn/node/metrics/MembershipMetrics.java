package io.cairn.node.metrics;

import io.cairn.membership.Member;
import io.cairn.membership.MemberEvent;
import io.cairn.membership.MemberStatus;
import io.cairn.membership.Membership;
import io.cairn.membership.NodeId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * The membership's meters, from any {@link Membership}: how many members this node sees in each
 * status, the phi of each peer it monitors, and counters of the changes it has seen
 * (suspicions raised, refutations, joins, graceful leaves, deaths), counted from its
 * {@link MemberEvent}s. Which peers are monitored changes with the group, so the phi gauges are
 * brought up to date on every event (and on {@link #refresh()}).
 */
public final class MembershipMetrics implements AutoCloseable {
  private final Membership membership;
  private final MeterRegistry registry;
  private final Map<MemberEvent.Kind, Counter> counters = new EnumMap<>(MemberEvent.Kind.class);
  private final Map<NodeId, Gauge> phi = new HashMap<>();
  private final Runnable unsubscribe;
  private boolean closed;

  public MembershipMetrics(Membership membership, MeterRegistry registry) {
    this.membership = membership;
    this.registry = registry;
    for (MemberStatus status : MemberStatus.values()) {
      Gauge.builder("cairn.membership.members", membership, m -> count(m, status))
          .description("Members this node sees, by status")
          .tag("status", status.name().toLowerCase(Locale.ROOT))
          .register(registry);
    }
    counter(MemberEvent.Kind.SUSPECTED, "cairn.membership.suspicions", "Suspicions raised (a member became suspect)");
    counter(MemberEvent.Kind.REFUTED, "cairn.membership.refutations", "Suspicions a member refuted");
    counter(MemberEvent.Kind.JOINED, "cairn.membership.joins", "Members that joined (or rejoined) the group");
    counter(MemberEvent.Kind.LEFT, "cairn.membership.leaves", "Members that left the group gracefully");
    counter(MemberEvent.Kind.DIED, "cairn.membership.deaths", "Members declared dead");
    refresh();
    unsubscribe = membership.subscribe(this::onEvent);
  }

  private void counter(MemberEvent.Kind kind, String name, String description) {
    counters.put(kind, Counter.builder(name).description(description).register(registry));
  }

  private static double count(Membership m, MemberStatus status) {
    return m.members().stream().filter(x -> x.status() == status).count();
  }

  private void onEvent(MemberEvent event) {
    Counter c = counters.get(event.kind());
    if (c != null) {
      c.increment();
    }
    refresh();
  }

  /** Registers a phi gauge for each peer monitored now, and removes those of the others. */
  public synchronized void refresh() {
    if (closed) {
      return;
    }
    NodeId self = membership.local().id();
    Set<NodeId> monitored = new HashSet<>();
    for (Member m : membership.members()) {
      if (!m.id().equals(self) && membership.phi(m.id()).isPresent()) {
        monitored.add(m.id());
      }
    }
    phi.entrySet().removeIf(e -> {
      if (!monitored.contains(e.getKey())) {
        registry.remove(e.getValue());
        return true;
      }
      return false;
    });
    for (NodeId peer : monitored) {
      phi.computeIfAbsent(peer, id -> Gauge.builder("cairn.membership.phi", membership, m -> phiOf(m, id))
          .description("Phi-accrual suspicion level of a peer this node monitors")
          .tag("peer", id.value())
          .register(registry));
    }
  }

  private static double phiOf(Membership m, NodeId id) {
    OptionalDouble phi = m.phi(id);
    return phi.isPresent() ? phi.getAsDouble() : Double.NaN;
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      unsubscribe.run();
    }
  }
}
