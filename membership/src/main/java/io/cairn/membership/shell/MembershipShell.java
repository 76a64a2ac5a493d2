package io.cairn.membership.shell;

import io.cairn.membership.Address;
import io.cairn.membership.Member;
import io.cairn.membership.MemberEvent;
import io.cairn.membership.MemberMetadata;
import io.cairn.membership.Membership;
import io.cairn.membership.NodeId;
import io.cairn.membership.swim.Outbound;
import io.cairn.membership.swim.SwimCore;
import io.cairn.membership.swim.SwimEffects;
import io.cairn.membership.swim.SwimMessage;
import io.cairn.membership.transport.Channel;
import io.cairn.membership.transport.CodecException;
import io.cairn.membership.transport.Inbound;
import io.cairn.membership.transport.SwimCodec;
import io.cairn.membership.transport.Transport;
import io.cairn.membership.transport.VertxTransport;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link SwimCore} on one Vert.x context: it ticks it, feeds it the messages the
 * transport delivers, sends what it asks to send, resolves seeds on a worker thread, and
 * publishes its view to any thread through immutable snapshots.
 */
public final class MembershipShell extends VerticleBase implements Membership {
  private static final Logger log = LoggerFactory.getLogger(MembershipShell.class);

  private final MembershipSettings settings;
  private final MeterRegistry registry;
  private final CopyOnWriteArrayList<Consumer<MemberEvent>> listeners = new CopyOnWriteArrayList<>();
  private Transport transport;
  private SwimCore core;
  private long timer = -1;
  private boolean resolving;
  private String lastResolveProblem;

  private volatile List<Member> members = List.of();
  private volatile Map<NodeId, Member> byId = Map.of();
  private volatile Member local;
  private volatile boolean joined;
  private volatile Map<NodeId, Double> phis = Map.of();

  public MembershipShell(MembershipSettings settings, MeterRegistry registry) {
    this.settings = settings;
    this.registry = registry;
  }

  /** Deploys a shell on {@code vertx}; it completes once the transport listens. */
  public static Future<MembershipShell> deploy(
      Vertx vertx, MembershipSettings settings, MeterRegistry registry) {
    MembershipShell shell = new MembershipShell(settings, registry);
    return vertx.deployVerticle(shell).map(id -> shell);
  }

  @Override
  public Future<?> start() {
    transport =
        new VertxTransport(
            vertx, settings.id(), settings.transport(), registry, settings.faults(), new SplittableRandom());
    transport.onMessage(Channel.MEMBERSHIP, this::onInbound);
    return transport
        .start()
        .map(
            v -> {
              Address address = transport.localAddress();
              MemberMetadata metadata =
                  new MemberMetadata(
                      address, settings.apiAddress(), settings.zone(), settings.roles(), settings.version());
              core =
                  new SwimCore(
                      settings.swim(), settings.id(), metadata, settings.seeded(), new SplittableRandom(), now());
              publishView();
              timer = vertx.setPeriodic(settings.tickInterval().toMillis(), id -> tick());
              log.info(
                  "{} listens for peers on {}{}",
                  settings.id(),
                  address,
                  settings.seeded() ? ", joining through " + seedsText() : ", forming a group of one");
              flush();
              return null;
            });
  }

  @Override
  public Future<?> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return transport == null ? Future.succeededFuture() : transport.close();
  }

  /** The transport, for the layers above that talk to peers (Raft, replication). */
  public Transport transport() {
    return transport;
  }

  // ---------------------------------------------------------------------------------------------
  // Membership

  @Override
  public Member local() {
    return local;
  }

  @Override
  public List<Member> members() {
    return members;
  }

  @Override
  public Optional<Member> member(NodeId id) {
    return Optional.ofNullable(byId.get(id));
  }

  @Override
  public OptionalDouble phi(NodeId id) {
    Double phi = phis.get(id);
    return phi == null ? OptionalDouble.empty() : OptionalDouble.of(phi);
  }

  @Override
  public boolean joined() {
    return joined;
  }

  @Override
  public Runnable subscribe(Consumer<MemberEvent> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /**
   * Announces the leave to every live member and completes two gossip intervals later, when the
   * announcement has been written out and the gossip round has repeated it.
   */
  @Override
  public Future<Void> leave() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(
        v -> {
          core.leave(now());
          flush();
          vertx.setTimer(2 * settings.swim().gossipInterval().toMillis(), t -> done.complete());
        });
    return done.future();
  }

  // ---------------------------------------------------------------------------------------------

  private void tick() {
    core.tick(now());
    flush();
    Map<NodeId, Double> next = new HashMap<>();
    long now = now();
    for (NodeId id : core.monitored()) {
      core.phi(id, now).ifPresent(phi -> next.put(id, phi));
    }
    phis = Map.copyOf(next);
  }

  private void onInbound(Inbound in) {
    SwimMessage message;
    try {
      message = SwimCodec.decode(in.payload());
    } catch (CodecException e) {
      log.debug("{} drops a malformed membership message from {}: {}", settings.id(), in.from(), e.getMessage());
      return;
    }
    if (!message.from().equals(in.from())) {
      log.debug("{} drops a message from {} that claims to be from {}", settings.id(), in.from(), message.from());
      return;
    }
    core.receive(now(), message);
    flush();
  }

  private void flush() {
    SwimEffects fx = core.drainEffects();
    if (fx.isEmpty()) {
      if (core.joined() != joined || !core.local().equals(local)) {
        publishView();
      }
      return;
    }
    for (Outbound o : fx.send()) {
      try {
        transport.send(o.to(), Channel.MEMBERSHIP, SwimCodec.encode(o.message()));
      } catch (IllegalArgumentException e) {
        log.warn("{} cannot send {} to {}: {}", settings.id(), o.message().kind(), o.to(), e.getMessage());
      }
    }
    if (!fx.events().isEmpty() || core.joined() != joined || !core.local().equals(local)) {
      publishView();
    }
    for (MemberEvent e : fx.events()) {
      logEvent(e);
      for (Consumer<MemberEvent> listener : listeners) {
        try {
          listener.accept(e);
        } catch (RuntimeException ex) {
          log.warn("a membership listener failed on {}", e.kind(), ex);
        }
      }
    }
    if (fx.resolveSeeds()) {
      resolveSeeds();
    }
  }

  private void publishView() {
    List<Member> all = core.members();
    Map<NodeId, Member> index = new HashMap<>();
    for (Member m : all) {
      index.put(m.id(), m);
    }
    boolean wasJoined = joined;
    members = List.copyOf(all);
    byId = Map.copyOf(index);
    local = core.local();
    joined = core.joined();
    if (joined && !wasJoined) {
      log.info("{} is in a group of {}", settings.id(), core.clusterSize());
    }
  }

  private void resolveSeeds() {
    if (resolving || !settings.seeded()) {
      return;
    }
    resolving = true;
    Address self = core.local().address();
    int defaultPort = settings.transport().port() == 0 ? self.port() : settings.transport().port();
    vertx
        .executeBlocking(
            () -> SeedResolver.resolve(settings.seeds(), settings.dns(), defaultPort, self, settings.transport().host()),
            false)
        .onComplete(
            ar -> {
              resolving = false;
              if (ar.failed()) {
                reportResolveProblem("seed resolution failed: " + ar.cause());
                return;
              }
              SeedResolver.Resolved r = ar.result();
              reportResolveProblem(r.failures().isEmpty() ? null : String.join("; ", r.failures()));
              core.seeds(now(), r.others(), r.selfIsSeed());
              flush();
            });
  }

  /** Logs a resolution problem when it first appears or changes, not on every retry. */
  private void reportResolveProblem(String problem) {
    if (problem != null && !problem.equals(lastResolveProblem)) {
      log.warn("{} cannot resolve its seeds: {}", settings.id(), problem);
    }
    lastResolveProblem = problem;
  }

  private void logEvent(MemberEvent e) {
    Member m = e.member();
    switch (e.kind()) {
      case JOINED, DIED, LEFT, REMOVED ->
          log.info("{} sees {} {} (incarnation {}, was {})", settings.id(), m.id(), e.kind().name().toLowerCase(java.util.Locale.ROOT), m.incarnation(), e.previous());
      default ->
          log.debug("{} sees {} {} (incarnation {})", settings.id(), m.id(), e.kind().name().toLowerCase(java.util.Locale.ROOT), m.incarnation());
    }
  }

  private String seedsText() {
    String s = String.join(",", settings.seeds());
    return settings.dns() == null ? s : (s.isEmpty() ? "" : s + " and ") + "DNS " + settings.dns();
  }

  private static long now() {
    return System.nanoTime();
  }
}
