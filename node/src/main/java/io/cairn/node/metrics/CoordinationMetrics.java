package io.cairn.node.metrics;

import io.cairn.coordination.ReplicatedPrimitives;
import io.cairn.coordination.raft.RaftEvent;
import io.cairn.coordination.raft.Role;
import io.cairn.coordination.shell.RaftListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The coordination group's meters on this node, fed by its Raft shell: the term, whether this node
 * leads, its log positions and size; elections started and won; commit latency (a leader's
 * proposal until it is applied); write-ahead log fsyncs (latency of each group write, and the
 * entries it made durable); snapshots taken and installed. A node that is no voter keeps them at zero.
 */
public final class CoordinationMetrics implements RaftListener, AutoCloseable {
  private final MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();
  private final Counter electionsStarted;
  private final Counter electionsWon;
  private final Timer commitLatency;
  private final Timer fsyncs;
  private final DistributionSummary fsyncEntries;
  private final Counter snapshotsTaken;
  private final Counter snapshotsInstalled;
  private volatile long term;
  private volatile boolean leader;
  private volatile long commitIndex;
  private volatile long appliedIndex;
  private volatile long logEntries;

  public CoordinationMetrics(MeterRegistry registry) {
    this.registry = registry;
    gauge("cairn.raft.term", "The Raft term this node is in", m -> m.term);
    gauge("cairn.raft.leader", "1 while this node leads the coordination group", m -> m.leader ? 1 : 0);
    gauge("cairn.raft.commit.index", "The highest log index this node knows committed", m -> m.commitIndex);
    gauge("cairn.raft.applied.index", "The highest log index this node has applied", m -> m.appliedIndex);
    gauge("cairn.raft.log.entries", "Entries in this node's log after its snapshot", m -> m.logEntries);
    electionsStarted = keep(Counter.builder("cairn.raft.elections.started")
        .description("Elections this node started as a candidate (after winning a pre-vote)").register(registry));
    electionsWon = keep(Counter.builder("cairn.raft.elections.won")
        .description("Elections this node won").register(registry));
    commitLatency = keep(Timer.builder("cairn.raft.commit.latency")
        .description("From a leader's proposal to the entry applied on the leader")
        .publishPercentiles(0.5, 0.99).register(registry));
    fsyncs = keep(Timer.builder("cairn.raft.wal.fsync")
        .description("One group write of the Raft log: written and forced to disk (one fsync)")
        .publishPercentiles(0.5, 0.99).register(registry));
    fsyncEntries = keep(DistributionSummary.builder("cairn.raft.wal.fsync.entries")
        .description("Log entries made durable by one fsync (group commit)").register(registry));
    snapshotsTaken = keep(Counter.builder("cairn.raft.snapshots").tag("kind", "taken")
        .description("Snapshots of the coordination state").register(registry));
    snapshotsInstalled = keep(Counter.builder("cairn.raft.snapshots").tag("kind", "installed")
        .description("Snapshots of the coordination state").register(registry));
  }

  /**
   * Meters of the coordination primitives, from this node's copy of the state (a non-voter's are
   * zero): what it holds, sampled every second, and what it has applied since it started.
   */
  public void primitives(ReplicatedPrimitives p) {
    primitiveGauge("cairn.sessions.live", "Live sessions", p, s -> s.stats().sessions());
    primitiveGauge("cairn.locks.held", "Locks held", p, s -> s.stats().locksHeld());
    primitiveGauge("cairn.locks.waiters", "Sessions waiting for a lock", p, s -> s.stats().lockWaiters());
    primitiveGauge("cairn.elections.led", "Elections with a leader", p, s -> s.stats().electionsLed());
    primitiveGauge("cairn.elections.candidates.waiting", "Candidates waiting behind a leader", p,
        s -> s.stats().candidatesWaiting());
    primitiveGauge("cairn.semaphores.permits.held", "Semaphore permits held", p, s -> s.stats().permitsHeld());
    primitiveGauge("cairn.semaphores.waiters", "Sessions waiting for semaphore permits", p,
        s -> s.stats().permitWaiters());
    keep(FunctionCounter.builder("cairn.sessions.opened", p, s -> s.applied().sessionsCreated())
        .description("Sessions opened, as applied by this node (since it started: a restart replays its log)").register(registry));
    keep(FunctionCounter.builder("cairn.sessions.expired", p, s -> s.applied().sessionsExpired())
        .description("Sessions that expired (their TTL ran out), as applied by this node").register(registry));
    keep(FunctionCounter.builder("cairn.locks.grants", p, s -> s.applied().lockGrants())
        .description("Locks granted (reentrant acquires not counted), as applied by this node").register(registry));
    keep(FunctionCounter.builder("cairn.elections.changes", p, s -> s.applied().electionChanges())
        .description("Changes of an election's leader or value, as applied by this node").register(registry));
  }

  private void primitiveGauge(String name, String description, ReplicatedPrimitives p,
      java.util.function.ToDoubleFunction<ReplicatedPrimitives> f) {
    keep(Gauge.builder(name, p, f).description(description).register(registry));
  }

  private void gauge(String name, String description, java.util.function.ToDoubleFunction<CoordinationMetrics> f) {
    keep(Gauge.builder(name, this, f).description(description).register(registry));
  }

  private <M extends Meter> M keep(M meter) {
    meters.add(meter);
    return meter;
  }

  @Override
  public void fsynced(int entries, long nanos) {
    fsyncs.record(nanos, TimeUnit.NANOSECONDS);
    fsyncEntries.record(entries);
  }

  @Override
  public void committed(long nanos) {
    commitLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void snapshot(boolean installed, int bytes) {
    (installed ? snapshotsInstalled : snapshotsTaken).increment();
  }

  @Override
  public void event(RaftEvent event) {
    if (event instanceof RaftEvent.RoleChanged rc && rc.from() != rc.to()) {
      if (rc.to() == Role.CANDIDATE) {
        electionsStarted.increment();
      } else if (rc.to() == Role.LEADER) {
        electionsWon.increment();
      }
    }
  }

  @Override
  public void state(long term, boolean leader, long commitIndex, long appliedIndex, long firstIndex,
      long lastIndex) {
    this.term = term;
    this.leader = leader;
    this.commitIndex = commitIndex;
    this.appliedIndex = appliedIndex;
    this.logEntries = Math.max(0, lastIndex - firstIndex + 1);
  }

  @Override
  public void close() {
    meters.forEach(registry::remove);
  }
}
