package io.cairn.membership.swim;

import io.cairn.membership.Address;
import io.cairn.membership.Member;
import io.cairn.membership.MemberEvent;
import io.cairn.membership.MemberMetadata;
import io.cairn.membership.MemberStatus;
import io.cairn.membership.NodeId;
import io.cairn.membership.gossip.BroadcastQueue;
import io.cairn.membership.phi.PhiDetector;
import io.cairn.membership.swim.SwimMessage.Ack;
import io.cairn.membership.swim.SwimMessage.Gossip;
import io.cairn.membership.swim.SwimMessage.Nack;
import io.cairn.membership.swim.SwimMessage.Ping;
import io.cairn.membership.swim.SwimMessage.PingReq;
import io.cairn.membership.swim.SwimMessage.PushPull;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SWIM-style membership as a pure state machine. Not thread-safe: the shell confines it to one
 * context. Time comes in as monotonic nanoseconds with every input; randomness from the generator
 * it is given; messages and view changes leave through {@link #drainEffects()}.
 *
 * <p><b>Failure detection.</b> Each node monitors its {@code monitoredPeers} successors on a hash
 * ring of the live members, pings each every probe interval and feeds the acks into a
 * phi-accrual detector per peer. A ring rather than SWIM's random probing, because phi needs a
 * steady heartbeat from each peer it judges (random probing among n peers reaches one peer every
 * n intervals on average), the load per node stays constant, and every member is watched by
 * exactly {@code monitoredPeers} others, who raise independent suspicions that shorten the
 * suspicion timeout (Lifeguard). When phi crosses the threshold the node first asks
 * {@code indirectProbes} random members to probe the peer (SWIM's ping-req), so that one bad
 * link does not raise a suspicion; only when none of them reaches it either is the peer suspected.
 *
 * <p><b>Dissemination.</b> Updates are piggybacked on every message and sent each gossip
 * interval to {@code gossipFanout} random members, each about lambda * log10(n) times; a
 * periodic push-pull exchange of whole tables repairs what gossip missed, and reconnect attempts
 * to DEAD members and seeds merge groups after a partition heals.
 */
public final class SwimCore {
  private static final Logger log = LoggerFactory.getLogger(SwimCore.class);

  private final SwimSettings settings;
  private final NodeId self;
  private final RandomGenerator random;
  private MemberMetadata metadata;
  private long incarnation;
  private boolean left;

  private final Map<NodeId, State> members = new HashMap<>();
  /** ALIVE and SUSPECT members other than this node, for random choices. */
  private final List<NodeId> live = new ArrayList<>();
  /** The monitoring ring: this node and every ALIVE or SUSPECT member, ordered by hash. */
  private final TreeSet<NodeId> ring =
      new TreeSet<>(
          Comparator.comparingLong((NodeId id) -> SwimMath.ringHash(id.value()))
              .thenComparing(id -> id.value()));
  private boolean ringChanged = true;
  private final LinkedHashMap<NodeId, Monitor> monitors = new LinkedHashMap<>();
  private final Map<NodeId, Suspicion> suspicions = new HashMap<>();
  private final Map<Long, IndirectProbe> probes = new HashMap<>();
  private final Map<Long, Relay> relays = new HashMap<>();
  private final Map<NodeId, Long> toldAt = new HashMap<>();
  private final ArrayDeque<Gone> gone = new ArrayDeque<>();
  private final BroadcastQueue<NodeId, Update> broadcasts = new BroadcastQueue<>();

  private final boolean seeded;
  private boolean joined;
  private List<Address> seeds = List.of();
  private int joinAttempts;
  private long nextJoinAt;
  private long nextGossipAt;
  private long nextPushPullAt;
  private long nextReconnectAt;
  private long lastTick;
  private boolean ticked;
  private long seq;
  private int awareness;

  private List<Outbound> out = new ArrayList<>();
  private List<MemberEvent> events = new ArrayList<>();
  private boolean resolveSeeds;

  public SwimCore(
      SwimSettings settings,
      NodeId id,
      MemberMetadata metadata,
      boolean seeded,
      RandomGenerator random,
      long nowNanos) {
    this.settings = settings;
    this.self = id;
    this.metadata = metadata;
    this.random = random;
    this.seeded = seeded;
    this.joined = !seeded;
    this.ring.add(self);
    this.lastTick = nowNanos;
    this.nextJoinAt = nowNanos;
    this.nextGossipAt = nowNanos + jitter(settings.gossipInterval().toNanos());
    this.nextPushPullAt = nowNanos + settings.pushPullInterval().toNanos();
    this.nextReconnectAt = nowNanos + settings.reconnectInterval().toNanos();
    this.resolveSeeds = seeded;
  }

  // ---------------------------------------------------------------------------------------------
  // Inputs

  /**
   * The seeds as last resolved: {@code others} are seed addresses that are not this node;
   * {@code selfIsSeed} says whether this node's own address was among them. A seeded node whose
   * only seed is itself forms a group of one; otherwise it keeps trying the seeds until one
   * answers.
   */
  public void seeds(long nowNanos, List<Address> others, boolean selfIsSeed) {
    List<Address> filtered = new ArrayList<>();
    for (Address a : others) {
      if (!a.equals(metadata.clusterAddress()) && !filtered.contains(a)) {
        filtered.add(a);
      }
    }
    seeds = List.copyOf(filtered);
    if (!joined && seeds.isEmpty() && selfIsSeed) {
      joined = true;
      log.info("{} is its only seed and forms a group", self);
    }
  }

  /** Moves the protocol on to {@code nowNanos}: probes, suspicion deadlines, gossip, joins. */
  public void tick(long nowNanos) {
    noticeStall(nowNanos);
    if (left) { // only repeat the LEFT through gossip until the shell stops us
      if (nowNanos - nextGossipAt >= 0) {
        nextGossipAt = nowNanos + settings.gossipInterval().toNanos();
        gossip();
      }
      return;
    }
    if (!joined && nowNanos - nextJoinAt >= 0) {
      attemptJoin(nowNanos);
    }
    refreshMonitors(nowNanos);
    probe(nowNanos);
    expireProbes(nowNanos);
    expireSuspicions(nowNanos);
    if (nowNanos - nextGossipAt >= 0) {
      nextGossipAt = nowNanos + settings.gossipInterval().toNanos();
      gossip();
    }
    if (nowNanos - nextPushPullAt >= 0) {
      nextPushPullAt =
          nowNanos + SwimMath.pushPullIntervalNanos(settings.pushPullInterval(), clusterSize());
      pushPull(nowNanos);
    }
    if (nowNanos - nextReconnectAt >= 0) {
      nextReconnectAt = nowNanos + jitterAround(settings.reconnectInterval().toNanos());
      reconnect();
    }
    reap(nowNanos);
  }

  /** A message from a peer. Anomalies (stale, duplicate, unknown) are ignored, never thrown. */
  public void receive(long nowNanos, SwimMessage message) {
    if (message.from().equals(self)) {
      return; // our own message looped back, or another process with our id: nothing to learn
    }
    if (left) {
      return;
    }
    noticeDoubtedSender(nowNanos, message);
    switch (message.kind()) {
      case PING -> onPing(nowNanos, (Ping) message);
      case PING_REQ -> onPingReq(nowNanos, (PingReq) message);
      case ACK -> onAck(nowNanos, (Ack) message);
      case NACK -> onNack((Nack) message);
      case GOSSIP -> applyAll(nowNanos, message.updates(), true);
      case PUSH_PULL -> onPushPull(nowNanos, (PushPull) message);
    }
    boolean answered = message.kind() == SwimMessage.Kind.PING
        || (message.kind() == SwimMessage.Kind.PUSH_PULL && !((PushPull) message).reply());
    if (!answered && doubtsSelf(message.updates())) {
      answerDoubt(message.from());
    }
  }

  /** True when the updates hold this node SUSPECT, DEAD or LEFT, at any incarnation. */
  private boolean doubtsSelf(List<Update> updates) {
    for (Update u : updates) {
      if (u.member().equals(self) && u.status() != MemberStatus.ALIVE) {
        return true;
      }
    }
    return false;
  }

  /**
   * Someone still doubts this node (perhaps an old suspicion that we refuted long ago, whose
   * refutation it missed): tell it directly who we are now. A ping gets this in its ack and a
   * push-pull in its reply; other messages get a gossip back.
   */
  private void answerDoubt(NodeId doubter) {
    State s = members.get(doubter);
    if (s != null && !s.status.isGone()) {
      send(s.metadata.clusterAddress(), new Gossip(self, List.of(aliveSelf())));
    }
  }

  /**
   * A local intent: leave the group. The LEFT update goes to every live member at once and into
   * the gossip queue; after this the node answers nothing.
   */
  public void leave(long nowNanos) {
    if (left) {
      return;
    }
    left = true;
    Update bye = new Update(self, MemberStatus.LEFT, incarnation, metadata, self);
    for (NodeId id : live) {
      send(members.get(id).metadata.clusterAddress(), new Gossip(self, List.of(bye)));
    }
    broadcasts.add(self, bye);
    log.info("{} leaves the group at incarnation {}", self, incarnation);
  }

  /** A local intent: new metadata for this node, announced under a higher incarnation. */
  public void announce(long nowNanos, MemberMetadata newMetadata) {
    if (left) {
      return;
    }
    metadata = newMetadata;
    incarnation++;
    broadcasts.add(self, aliveSelf());
  }

  public SwimEffects drainEffects() {
    if (out.isEmpty() && events.isEmpty() && !resolveSeeds) {
      return SwimEffects.NONE;
    }
    SwimEffects fx = new SwimEffects(out, events, resolveSeeds);
    out = new ArrayList<>();
    events = new ArrayList<>();
    resolveSeeds = false;
    return fx;
  }

  // ---------------------------------------------------------------------------------------------
  // Queries

  public Member local() {
    return new Member(self, left ? MemberStatus.LEFT : MemberStatus.ALIVE, incarnation, metadata);
  }

  /** Every known member, this node included, sorted by id. */
  public List<Member> members() {
    List<Member> all = new ArrayList<>(members.size() + 1);
    all.add(local());
    for (Map.Entry<NodeId, State> e : members.entrySet()) {
      all.add(e.getValue().toMember(e.getKey()));
    }
    all.sort(Comparator.comparing(Member::id));
    return all;
  }

  public Optional<Member> member(NodeId id) {
    if (id.equals(self)) {
      return Optional.of(local());
    }
    State s = members.get(id);
    return s == null ? Optional.empty() : Optional.of(s.toMember(id));
  }

  /** The phi of a monitored peer at {@code nowNanos}; empty when it is not monitored. */
  public OptionalDouble phi(NodeId id, long nowNanos) {
    Monitor m = monitors.get(id);
    return m == null ? OptionalDouble.empty() : OptionalDouble.of(m.detector.phi(nowNanos));
  }

  /** The peers this node monitors now. */
  public Set<NodeId> monitored() {
    return Set.copyOf(monitors.keySet());
  }

  public boolean joined() {
    return joined;
  }

  /** Lifeguard's local health: 0 when healthy, up to awarenessMax. */
  public int awareness() {
    return awareness;
  }

  /** ALIVE and SUSPECT members, this node included. */
  public int clusterSize() {
    return live.size() + 1;
  }

  // ---------------------------------------------------------------------------------------------
  // Failure detection

  /**
   * A tick that comes much later than the probe interval means this node was paused (a GC, a
   * SIGSTOP, an overloaded host). It could not hear anyone meanwhile, so it restarts its
   * detectors and postpones its suspicion deadlines by the pause instead of blaming its peers,
   * and it raises its awareness so that its timeouts stretch for a while (Lifeguard).
   */
  private void noticeStall(long nowNanos) {
    long gap = nowNanos - lastTick;
    lastTick = nowNanos;
    long interval = settings.probeInterval().toNanos();
    if (!ticked || gap <= interval) {
      ticked = true; // the first tick may come late after a slow start: no pause to correct
      return;
    }
    for (Monitor m : monitors.values()) {
      m.detector.restart(nowNanos);
      m.nextPingAt = nowNanos;
    }
    for (Suspicion s : suspicions.values()) {
      s.deadline += gap;
    }
    for (IndirectProbe p : probes.values()) {
      p.deadline += gap;
    }
    raiseAwareness();
    log.info("{} was paused for {} ms; its detectors restart", self, gap / 1_000_000);
  }

  /** The monitored peers are this node's successors on the ring of live members. */
  private void refreshMonitors(long nowNanos) {
    if (!ringChanged) {
      return;
    }
    ringChanged = false;
    Set<NodeId> wanted = new HashSet<>();
    Iterator<NodeId> it = ring.tailSet(self, false).iterator();
    int k = Math.min(settings.monitoredPeers(), ring.size() - 1);
    while (wanted.size() < k) {
      if (!it.hasNext()) {
        it = ring.iterator();
      }
      NodeId next = it.next();
      if (!next.equals(self)) {
        wanted.add(next);
      }
    }
    monitors.keySet().removeIf(id -> !wanted.contains(id));
    long interval = settings.probeInterval().toNanos();
    for (NodeId id : wanted) {
      if (!monitors.containsKey(id)) {
        Monitor m = new Monitor(new PhiDetector(settings.phi()));
        m.detector.restart(nowNanos);
        m.nextPingAt = nowNanos + jitter(interval);
        monitors.put(id, m);
      }
    }
  }

  private void probe(long nowNanos) {
    long interval = settings.probeInterval().toNanos();
    long extraPause = (long) awareness * interval;
    for (Map.Entry<NodeId, Monitor> e : monitors.entrySet()) {
      NodeId id = e.getKey();
      Monitor m = e.getValue();
      State s = members.get(id);
      if (nowNanos - m.nextPingAt >= 0) {
        m.nextPingAt = nowNanos + interval;
        m.pingSeq = ++seq;
        m.acked = false;
        send(s.metadata.clusterAddress(), new Ping(m.pingSeq, self, address(), id, piggyback()));
      }
      if (!m.probing
          && awaitsOurVerdict(id, s)
          && m.detector.phi(nowNanos, extraPause) > m.detector.threshold()) {
        startIndirectProbe(nowNanos, id, s, m);
      }
    }
  }

  /**
   * True when this monitor has not yet judged the member: it is ALIVE, or SUSPECT on others' word
   * only. A monitor that finds it unreachable too adds an independent confirmation, which is
   * what shortens the suspicion timeout (Lifeguard); it never confirms on hearsay.
   */
  private boolean awaitsOurVerdict(NodeId id, State s) {
    if (s.status == MemberStatus.ALIVE) {
      return true;
    }
    if (s.status != MemberStatus.SUSPECT) {
      return false;
    }
    Suspicion susp = suspicions.get(id);
    return susp != null && !susp.confirmedBy.contains(self);
  }

  /** Phi crossed the threshold: ask others to reach the peer before suspecting it. */
  private void startIndirectProbe(long nowNanos, NodeId target, State s, Monitor m) {
    m.probing = true;
    long probeSeq = ++seq;
    List<NodeId> helpers = randomLive(settings.indirectProbes(), target);
    Address targetAddress = s.metadata.clusterAddress();
    for (NodeId helper : helpers) {
      send(
          members.get(helper).metadata.clusterAddress(),
          new PingReq(probeSeq, self, address(), target, targetAddress, piggyback()));
    }
    send(targetAddress, new Ping(probeSeq, self, address(), target, piggyback()));
    long timeout = settings.probeTimeout().toNanos() * (1 + awareness);
    probes.put(probeSeq, new IndirectProbe(target, s.incarnation, nowNanos + timeout, helpers.size()));
    log.debug("{} probes {} through {} (phi {})", self, target, helpers, m.detector.phi(nowNanos));
  }

  private void expireProbes(long nowNanos) {
    if (!probes.isEmpty()) {
      Iterator<Map.Entry<Long, IndirectProbe>> it = probes.entrySet().iterator();
      while (it.hasNext()) {
        IndirectProbe p = it.next().getValue();
        if (nowNanos - p.deadline < 0) {
          continue;
        }
        it.remove();
        Monitor m = monitors.get(p.target);
        if (m != null) {
          m.probing = false;
        }
        if (p.nacks < p.expectedNacks) {
          raiseAwareness(); // helpers did not even say no: our own link may be the bad one
        }
        State s = members.get(p.target);
        if (s != null && awaitsOurVerdict(p.target, s) && s.incarnation == p.incarnation) {
          log.debug("{} suspects {}: no ack directly or through {} helpers", self, p.target, p.expectedNacks);
          apply(nowNanos, new Update(p.target, MemberStatus.SUSPECT, p.incarnation, null, self), true);
          // Tell the suspect itself at once, so that it can refute without waiting for gossip.
          send(s.metadata.clusterAddress(), new Gossip(self, List.of(suspectOf(p.target, s))));
        }
      }
    }
    if (!relays.isEmpty()) {
      Iterator<Map.Entry<Long, Relay>> it = relays.entrySet().iterator();
      while (it.hasNext()) {
        Relay r = it.next().getValue();
        if (nowNanos - r.deadline >= 0) {
          it.remove();
          send(r.requester, new Nack(r.requesterSeq, self));
        }
      }
    }
  }

  private void expireSuspicions(long nowNanos) {
    if (suspicions.isEmpty()) {
      return;
    }
    List<Suspicion> due = new ArrayList<>();
    for (Suspicion s : suspicions.values()) {
      if (nowNanos - s.deadline >= 0) {
        due.add(s);
      } else if (!s.verified && nowNanos - s.since >= (s.deadline - s.since) / 2) {
        verify(s);
      }
    }
    for (Suspicion s : due) {
      suspicions.remove(s.member);
      State st = members.get(s.member);
      if (st != null && st.status == MemberStatus.SUSPECT && st.incarnation == s.incarnation) {
        log.info(
            "{} declares {} dead at incarnation {}: no refutation in {} ms (suspected by {})",
            self, s.member, s.incarnation, (nowNanos - s.since) / 1_000_000, s.confirmedBy);
        apply(nowNanos, new Update(s.member, MemberStatus.DEAD, s.incarnation, null, self), true);
      }
    }
  }

  /**
   * Half way through a suspicion, asks the suspect itself, directly and through
   * {@code indirectProbes} random members (around a link that may be down one way), with pings
   * that carry the suspicion. Gossip spreads a refutation to every node only with high
   * probability; under loss one node in thousands misses it, and would declare a live member
   * dead. The suspect answers with its current incarnation whatever gossip did.
   */
  private void verify(Suspicion s) {
    s.verified = true;
    State st = members.get(s.member);
    if (st == null || st.status != MemberStatus.SUSPECT) {
      return;
    }
    Update doubt = suspectOf(s.member, st);
    long verifySeq = ++seq;
    send(st.metadata.clusterAddress(), new Ping(verifySeq, self, address(), s.member, List.of(doubt)));
    for (NodeId helper : randomLive(settings.indirectProbes(), s.member)) {
      send(
          members.get(helper).metadata.clusterAddress(),
          new PingReq(verifySeq, self, address(), s.member, st.metadata.clusterAddress(), List.of(doubt)));
    }
  }

  private void onPing(long nowNanos, Ping ping) {
    if (!ping.target().equals(self)) {
      return; // meant for another node that had this address
    }
    boolean doubted = false;
    for (Update u : ping.updates()) {
      doubted |= u.member().equals(self) && u.status() != MemberStatus.ALIVE;
    }
    applyAll(nowNanos, ping.updates(), true);
    List<Update> reply = piggyback();
    if (doubted) { // whether we just refuted or had refuted before: say who we are now
      List<Update> withSelf = new ArrayList<>(reply.size() + 1);
      withSelf.add(aliveSelf());
      withSelf.addAll(reply);
      reply = withSelf;
    }
    send(ping.fromAddress(), new Ack(ping.seq(), self, reply));
  }

  private void onPingReq(long nowNanos, PingReq req) {
    applyAll(nowNanos, req.updates(), true);
    long relaySeq = ++seq;
    relays.put(
        relaySeq,
        new Relay(req.fromAddress(), req.seq(), nowNanos + settings.probeTimeout().toNanos()));
    // pass on what the requester says about the target, so that the target can answer a doubt
    List<Update> updates = new ArrayList<>(about(req.target(), req.updates()));
    updates.addAll(piggyback());
    send(req.targetAddress(), new Ping(relaySeq, self, address(), req.target(), updates));
  }

  private static List<Update> about(NodeId member, List<Update> updates) {
    List<Update> out = new ArrayList<>(1);
    for (Update u : updates) {
      if (u.member().equals(member)) {
        out.add(u);
      }
    }
    return out;
  }

  private void onAck(long nowNanos, Ack ack) {
    applyAll(nowNanos, ack.updates(), true);
    Relay relay = relays.remove(ack.seq());
    if (relay != null) { // relayed with what the target said about itself
      send(relay.requester, new Ack(relay.requesterSeq, self, about(ack.from(), ack.updates())));
      return;
    }
    IndirectProbe probe = probes.remove(ack.seq());
    if (probe != null) {
      Monitor m = monitors.get(probe.target);
      if (m != null) {
        m.probing = false;
        m.detector.heartbeat(nowNanos);
      }
      lowerAwareness();
      return;
    }
    Monitor m = monitors.get(ack.from());
    if (m != null && ack.seq() == m.pingSeq && !m.acked) {
      m.acked = true;
      m.detector.heartbeat(nowNanos);
      lowerAwareness();
    }
  }

  private void onNack(Nack nack) {
    IndirectProbe probe = probes.get(nack.seq());
    if (probe != null) {
      probe.nacks++;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Dissemination

  private void gossip() {
    if (broadcasts.isEmpty() || live.isEmpty()) {
      return;
    }
    for (NodeId target : randomLive(settings.gossipFanout(), null)) {
      List<Update> updates = piggyback();
      if (updates.isEmpty()) {
        break;
      }
      send(members.get(target).metadata.clusterAddress(), new Gossip(self, updates));
    }
  }

  private List<Update> piggyback() {
    return broadcasts.take(
        settings.maxUpdatesPerMessage(),
        SwimMath.retransmitLimit(settings.retransmitMultiplier(), clusterSize()));
  }

  private void pushPull(long nowNanos) {
    List<NodeId> target = randomLive(1, null);
    if (!target.isEmpty()) {
      send(members.get(target.get(0)).metadata.clusterAddress(), pushPullMessage(false, false));
    }
  }

  /**
   * Tries one DEAD member or one seed that is not a live member: a partition that healed, or a
   * group that formed apart at startup, merges again through this exchange.
   */
  private void reconnect() {
    List<Address> candidates = new ArrayList<>();
    for (Map.Entry<NodeId, State> e : members.entrySet()) {
      if (e.getValue().status == MemberStatus.DEAD) {
        candidates.add(e.getValue().metadata.clusterAddress());
      }
    }
    if (!seeds.isEmpty()) {
      Set<Address> liveAddresses = new HashSet<>();
      for (NodeId id : live) {
        liveAddresses.add(members.get(id).metadata.clusterAddress());
      }
      for (Address seed : seeds) {
        if (!liveAddresses.contains(seed)) {
          candidates.add(seed);
        }
      }
      resolveSeeds = true;
    }
    if (!candidates.isEmpty()) {
      send(candidates.get(random.nextInt(candidates.size())), pushPullMessage(false, false));
    }
  }

  private void attemptJoin(long nowNanos) {
    resolveSeeds = true;
    for (Address seed : seeds) {
      send(seed, pushPullMessage(true, false));
    }
    nextJoinAt =
        nowNanos
            + SwimMath.backoffNanos(
                settings.joinBackoffMin(), settings.joinBackoffMax(), joinAttempts++, random);
  }

  private void onPushPull(long nowNanos, PushPull pp) {
    boolean firstJoin = pp.reply() && !joined;
    // What a peer believes DEAD we only suspect: its table may be older than ours, and the
    // member gets the chance to refute (memberlist does the same).
    for (Update u : pp.updates()) {
      Update merged = u;
      if (u.status() == MemberStatus.DEAD && !u.member().equals(self)) {
        merged = new Update(u.member(), MemberStatus.SUSPECT, u.incarnation(), u.metadata(), pp.from());
      }
      apply(nowNanos, merged, !firstJoin);
    }
    if (pp.reply()) {
      if (!joined) {
        joined = true;
        joinAttempts = 0;
        log.info("{} joined the group through {} ({} members)", self, pp.from(), clusterSize());
      }
    } else {
      send(pp.fromAddress(), pushPullMessage(pp.join(), true));
    }
  }

  private PushPull pushPullMessage(boolean join, boolean reply) {
    List<Update> state = new ArrayList<>(members.size() + 1);
    state.add(left ? new Update(self, MemberStatus.LEFT, incarnation, metadata, self) : aliveSelf());
    for (Map.Entry<NodeId, State> e : members.entrySet()) {
      State s = e.getValue();
      state.add(new Update(e.getKey(), s.status, s.incarnation, s.metadata, s.from));
    }
    return new PushPull(self, address(), join, reply, state);
  }

  /**
   * A message from a member this node believes SUSPECT or DEAD: tell it at once, so that it
   * refutes with a higher incarnation as soon as it can hear, instead of when gossip happens to
   * reach it (the suspicion was probably raised while it could not hear, so the first word sent to
   * it was lost). This is also how both sides of a healed partition merge. At most once per probe
   * interval per member.
   */
  private void noticeDoubtedSender(long nowNanos, SwimMessage message) {
    State s = members.get(message.from());
    if (s == null || (s.status != MemberStatus.SUSPECT && s.status != MemberStatus.DEAD)) {
      return;
    }
    Long last = toldAt.get(message.from());
    if (last != null && nowNanos - last < settings.probeInterval().toNanos()) {
      return;
    }
    toldAt.put(message.from(), nowNanos);
    send(
        s.metadata.clusterAddress(),
        new Gossip(self, List.of(new Update(message.from(), s.status, s.incarnation, s.metadata, s.from))));
  }

  // ---------------------------------------------------------------------------------------------
  // The member table

  private void applyAll(long nowNanos, List<Update> updates, boolean rebroadcast) {
    for (Update u : updates) {
      apply(nowNanos, u, rebroadcast);
    }
  }

  /**
   * Applies one update under SWIM's precedence: a higher incarnation wins; at one incarnation
   * ALIVE < SUSPECT < DEAD, and LEFT overrides DEAD, so a graceful leave is never counted as a
   * failure. Only the member itself raises its incarnation.
   */
  private void apply(long nowNanos, Update u, boolean rebroadcast) {
    if (u.member().equals(self)) {
      aboutSelf(u);
      return;
    }
    State s = members.get(u.member());
    boolean changed;
    if (s == null) {
      if (u.metadata() == null) {
        return; // news about a member we never met, without its address: wait for its ALIVE
      }
      addMember(nowNanos, u);
      changed = true;
    } else {
      changed =
          switch (u.status()) {
            case ALIVE -> applyAlive(nowNanos, u, s);
            case SUSPECT -> applySuspect(nowNanos, u, s);
            case DEAD -> applyGone(nowNanos, u, s, MemberStatus.DEAD);
            case LEFT -> applyGone(nowNanos, u, s, MemberStatus.LEFT);
          };
    }
    if (changed && rebroadcast) {
      State now = members.get(u.member());
      broadcasts.add(
          u.member(), new Update(u.member(), now.status, now.incarnation, now.metadata, u.from()));
    }
  }

  private boolean applyAlive(long nowNanos, Update u, State s) {
    if (u.incarnation() <= s.incarnation) {
      return false;
    }
    MemberStatus before = s.status;
    boolean metadataChanged = !u.metadata().equals(s.metadata);
    setState(nowNanos, u.member(), s, MemberStatus.ALIVE, u.incarnation(), u.metadata(), u.from());
    suspicions.remove(u.member());
    MemberEvent.Kind kind =
        switch (before) {
          case SUSPECT -> MemberEvent.Kind.REFUTED;
          case DEAD, LEFT -> MemberEvent.Kind.JOINED;
          case ALIVE -> metadataChanged ? MemberEvent.Kind.UPDATED : null;
        };
    if (kind != null) {
      event(kind, u.member(), s, before);
    }
    return true;
  }

  private boolean applySuspect(long nowNanos, Update u, State s) {
    if (u.incarnation() < s.incarnation) {
      return false;
    }
    if (s.status.isGone() && u.incarnation() == s.incarnation) {
      return false;
    }
    if (s.status == MemberStatus.SUSPECT && u.incarnation() == s.incarnation) {
      Suspicion susp = suspicions.get(u.member());
      return susp != null && susp.confirm(u.from(), this); // false: already counted
    }
    // ALIVE at this or an older incarnation, or a suspicion of a newer life than one we buried
    MemberStatus before = s.status;
    setState(nowNanos, u.member(), s, MemberStatus.SUSPECT, u.incarnation(), s.metadata, u.from());
    startSuspicion(nowNanos, u);
    event(MemberEvent.Kind.SUSPECTED, u.member(), s, before);
    return true;
  }

  /** DEAD or LEFT. LEFT overrides DEAD at one incarnation: a leave is never a failure. */
  private boolean applyGone(long nowNanos, Update u, State s, MemberStatus status) {
    if (u.incarnation() < s.incarnation) {
      return false;
    }
    boolean newer = u.incarnation() > s.incarnation;
    if (!newer && (s.status == MemberStatus.LEFT || s.status == status)) {
      return false;
    }
    MemberStatus before = s.status;
    setState(nowNanos, u.member(), s, status, u.incarnation(), s.metadata, u.from());
    suspicions.remove(u.member());
    event(status == MemberStatus.LEFT ? MemberEvent.Kind.LEFT : MemberEvent.Kind.DIED, u.member(), s, before);
    return true;
  }

  /** Gossip about this node: refute anything that is not our current, alive self. */
  private void aboutSelf(Update u) {
    if (left) {
      return;
    }
    boolean current =
        u.status() == MemberStatus.ALIVE
            && u.incarnation() <= incarnation
            && (u.incarnation() < incarnation || metadata.equals(u.metadata()));
    if (current || u.incarnation() < incarnation) {
      return;
    }
    incarnation = u.incarnation() + 1;
    if (u.status() != MemberStatus.ALIVE) {
      raiseAwareness(); // being suspected means we may be the slow one
      log.info("{} refutes {} at incarnation {} with {}", self, u.status(), u.incarnation(), incarnation);
    }
    broadcasts.add(self, aliveSelf());
  }

  /** A member met for the first time; learnt through a push-pull, it may be SUSPECT or gone. */
  private void addMember(long nowNanos, Update u) {
    State s = new State(u.status(), u.incarnation(), u.metadata(), u.from(), nowNanos);
    members.put(u.member(), s);
    MemberEvent.Kind kind =
        switch (u.status()) {
          case ALIVE -> MemberEvent.Kind.JOINED;
          case SUSPECT -> MemberEvent.Kind.SUSPECTED;
          case DEAD -> MemberEvent.Kind.DIED;
          case LEFT -> MemberEvent.Kind.LEFT;
        };
    if (u.status().isGone()) {
      gone.addLast(new Gone(u.member(), nowNanos));
    } else {
      addLive(u.member());
    }
    if (u.status() == MemberStatus.SUSPECT) {
      startSuspicion(nowNanos, u);
    }
    event(kind, u.member(), s, null);
  }

  private void setState(
      long nowNanos,
      NodeId id,
      State s,
      MemberStatus status,
      long inc,
      MemberMetadata md,
      NodeId from) {
    boolean wasGone = s.status.isGone();
    s.status = status;
    s.incarnation = inc;
    s.metadata = md;
    s.from = from;
    s.since = nowNanos;
    if (status.isGone()) {
      removeLive(id);
      gone.addLast(new Gone(id, nowNanos)); // an older entry for id no longer matches `since`
    } else if (wasGone) {
      addLive(id);
    }
  }

  private void startSuspicion(long nowNanos, Update u) {
    Suspicion susp = new Suspicion(u.member(), u.incarnation(), nowNanos);
    suspicions.put(u.member(), susp);
    susp.confirmedBy.add(u.from());
    susp.deadline = nowNanos + susp.timeout(this);
  }

  /** Forgets DEAD and LEFT members after the retention time; the queue is in time order. */
  private void reap(long nowNanos) {
    long retention = settings.deadRetention().toNanos();
    while (!gone.isEmpty() && nowNanos - gone.peekFirst().since - retention >= 0) {
      Gone g = gone.pollFirst();
      State s = members.get(g.member);
      if (s != null && s.status.isGone() && s.since == g.since) {
        members.remove(g.member);
        toldAt.remove(g.member);
        broadcasts.remove(g.member);
        event(MemberEvent.Kind.REMOVED, g.member, s, s.status);
      }
    }
  }

  private void event(MemberEvent.Kind kind, NodeId id, State s, MemberStatus before) {
    events.add(new MemberEvent(kind, s.toMember(id), before));
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** Adds a member to {@link #live} (its position kept in its State) and to the ring. */
  private void addLive(NodeId id) {
    State s = members.get(id);
    if (s.liveIndex < 0) {
      s.liveIndex = live.size();
      live.add(id);
      ring.add(id);
      ringChanged = true;
    }
  }

  private void removeLive(NodeId id) {
    State s = members.get(id);
    if (s.liveIndex < 0) {
      return;
    }
    NodeId last = live.remove(live.size() - 1);
    if (!last.equals(id)) {
      live.set(s.liveIndex, last);
      members.get(last).liveIndex = s.liveIndex;
    }
    s.liveIndex = -1;
    ring.remove(id);
    ringChanged = true;
  }

  /** Up to {@code count} distinct random live members, never {@code exclude}. */
  private List<NodeId> randomLive(int count, NodeId exclude) {
    State excluded = exclude == null ? null : members.get(exclude);
    int available = live.size() - (excluded != null && excluded.liveIndex >= 0 ? 1 : 0);
    int want = Math.min(count, available);
    List<NodeId> chosen = new ArrayList<>(want);
    if (want <= 0) {
      return chosen;
    }
    if (want * 4 >= live.size()) { // small group: shuffle a copy
      List<NodeId> copy = new ArrayList<>(live);
      copy.remove(exclude);
      for (int i = 0; i < want; i++) {
        int j = i + random.nextInt(copy.size() - i);
        NodeId t = copy.get(j);
        copy.set(j, copy.get(i));
        copy.set(i, t);
        chosen.add(t);
      }
      return chosen;
    }
    while (chosen.size() < want) {
      NodeId id = live.get(random.nextInt(live.size()));
      if (!id.equals(exclude) && !chosen.contains(id)) {
        chosen.add(id);
      }
    }
    return chosen;
  }

  private void raiseAwareness() {
    awareness = Math.min(settings.awarenessMax(), awareness + 1);
  }

  private void lowerAwareness() {
    awareness = Math.max(0, awareness - 1);
  }

  private Update aliveSelf() {
    return new Update(self, MemberStatus.ALIVE, incarnation, metadata, self);
  }

  private Update suspectOf(NodeId id, State s) {
    return new Update(id, MemberStatus.SUSPECT, s.incarnation, s.metadata, self);
  }

  private Address address() {
    return metadata.clusterAddress();
  }

  private void send(Address to, SwimMessage message) {
    out.add(new Outbound(to, message));
  }

  private long jitter(long nanos) {
    return random.nextLong(Math.max(1, nanos));
  }

  private long jitterAround(long nanos) {
    return nanos / 2 + random.nextLong(Math.max(1, nanos));
  }

  private static final class State {
    MemberStatus status;
    long incarnation;
    MemberMetadata metadata;
    NodeId from;
    long since;
    /** Its position in {@link SwimCore#live}, or -1 when it is not there. */
    int liveIndex = -1;

    State(MemberStatus status, long incarnation, MemberMetadata metadata, NodeId from, long since) {
      this.status = status;
      this.incarnation = incarnation;
      this.metadata = metadata;
      this.from = from;
      this.since = since;
    }

    Member toMember(NodeId id) {
      return new Member(id, status, incarnation, metadata);
    }
  }

  private static final class Monitor {
    final PhiDetector detector;
    long nextPingAt;
    long pingSeq = -1;
    boolean acked;
    boolean probing;

    Monitor(PhiDetector detector) {
      this.detector = detector;
    }
  }

  private static final class IndirectProbe {
    final NodeId target;
    final long incarnation;
    final int expectedNacks;
    long deadline;
    int nacks;

    IndirectProbe(NodeId target, long incarnation, long deadline, int expectedNacks) {
      this.target = target;
      this.incarnation = incarnation;
      this.deadline = deadline;
      this.expectedNacks = expectedNacks;
    }
  }

  private record Relay(Address requester, long requesterSeq, long deadline) {}

  private record Gone(NodeId member, long since) {}

  /** A suspicion and the distinct members that raised it; its deadline shrinks as they add up. */
  private static final class Suspicion {
    final NodeId member;
    final long incarnation;
    final long since;
    final Set<NodeId> confirmedBy = new HashSet<>();
    long deadline;
    boolean verified;

    Suspicion(NodeId member, long incarnation, long since) {
      this.member = member;
      this.incarnation = incarnation;
      this.since = since;
    }

    long timeout(SwimCore core) {
      int n = core.clusterSize();
      long min = SwimMath.suspicionMinNanos(core.settings, n);
      long max = SwimMath.suspicionMaxNanos(core.settings, n);
      // Each member is watched by monitoredPeers others; all but the first are confirmations.
      int expected = Math.min(core.settings.monitoredPeers(), n - 1) - 1;
      return SwimMath.suspicionTimeoutNanos(min, max, confirmedBy.size() - 1, expected);
    }

    /** Counts a new independent suspicion; false when {@code from} had already been counted. */
    boolean confirm(NodeId from, SwimCore core) {
      if (!confirmedBy.add(from)) {
        return false;
      }
      deadline = since + timeout(core);
      return true;
    }
  }
}
