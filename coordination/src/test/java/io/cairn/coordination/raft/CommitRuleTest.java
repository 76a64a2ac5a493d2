package io.cairn.coordination.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.coordination.raft.RaftMessage.AppendEntries;
import io.cairn.membership.NodeId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Figure 8 of the Raft paper, scripted message by message: a leader must not commit an entry of
 * an earlier term by counting its replicas, because a later leader may still overwrite it. The
 * randomized simulation rarely builds this schedule (a new leader's no-op usually travels with the
 * old entries), so it is written out here.
 */
class CommitRuleTest {
  private static final long SECOND = Duration.ofSeconds(1).toNanos();

  private final List<NodeId> ids = List.of(NodeId.of("s1"), NodeId.of("s2"), NodeId.of("s3"), NodeId.of("s4"), NodeId.of("s5"));
  private final Map<NodeId, RaftCore> cores = new HashMap<>();
  private final Map<NodeId, HardState> hard = new HashMap<>();
  private final Map<NodeId, List<LogEntry>> disk = new HashMap<>();
  private final Map<Long, LogEntry> committed = new HashMap<>();
  private final List<RaftMessage> outbox = new ArrayList<>();
  private final SplittableRandom random = new SplittableRandom(8);
  private long now;

  private NodeId s(int i) {
    return ids.get(i - 1);
  }

  private void start(NodeId id) {
    cores.put(id, new RaftCore(id, ids, RaftSettings.FAST_TEST,
        new DurableState(hard.getOrDefault(id, HardState.INITIAL), disk.getOrDefault(id, List.of())), random.split()));
    cores.get(id).tick(now);
  }

  private void crash(NodeId id) {
    cores.remove(id);
  }

  /** The shell: writes at once, then reports, sends, and records what is committed. */
  private void flush(NodeId id) {
    RaftCore core = cores.get(id);
    Effects fx = core.drainEffects();
    fx.persist().ifPresent(h -> hard.put(id, h));
    if (!fx.append().isEmpty()) {
      List<LogEntry> log = new ArrayList<>(disk.getOrDefault(id, List.of()));
      long first = fx.append().get(0).index();
      while (log.size() >= first) {
        log.remove(log.size() - 1);
      }
      log.addAll(fx.append());
      disk.put(id, log);
      LogEntry last = fx.append().get(fx.append().size() - 1);
      core.persisted(now, last.term(), last.index());
    }
    outbox.addAll(fx.send());
    outbox.addAll(fx.sendAfterPersist());
    for (LogEntry e : fx.commit()) {
      LogEntry before = committed.putIfAbsent(e.index(), e);
      assertThat(before == null || before.equals(e))
          .as("%s commits %s where %s was committed", id, e, before).isTrue();
    }
    if (!core.drainEffects().isEmpty()) {
      throw new IllegalStateException("persisted() should owe nothing more here");
    }
  }

  /** Delivers what {@code rewrite} lets through (null: lost) until nothing is left in flight. */
  private void deliver(Function<RaftMessage, RaftMessage> rewrite) {
    while (!outbox.isEmpty()) {
      List<RaftMessage> batch = new ArrayList<>(outbox);
      outbox.clear();
      for (RaftMessage m : batch) {
        RaftMessage through = rewrite.apply(m);
        RaftCore to = cores.get(m.to());
        if (through != null && to != null) {
          to.receive(now, through);
          flush(m.to());
        }
      }
    }
  }

  private static Function<RaftMessage, RaftMessage> only(Predicate<RaftMessage> p) {
    return m -> p.test(m) ? m : null;
  }

  private static Predicate<RaftMessage> among(Set<NodeId> group) {
    return m -> group.contains(m.from()) && group.contains(m.to());
  }

  private static boolean isVote(RaftMessage m) {
    return m.kind() == RaftMessage.Kind.REQUEST_VOTE || m.kind() == RaftMessage.Kind.REQUEST_VOTE_RESPONSE;
  }

  /** Lets leases lapse, then has {@code id} time out and campaign, delivering as {@code rewrite} says. */
  private void campaign(NodeId id, Function<RaftMessage, RaftMessage> rewrite) {
    for (int attempt = 0; attempt < 5 && cores.get(id).role() != Role.LEADER; attempt++) {
      now += SECOND;
      cores.get(id).tick(now);
      flush(id);
      deliver(rewrite);
    }
    assertThat(cores.get(id).role()).as(id + " leads").isEqualTo(Role.LEADER);
  }

  @Test
  void aLeaderDoesNotCommitAnOldTermsEntryByCountingReplicas() {
    now = Long.MAX_VALUE - SECOND; // and the clock wraps on the way
    ids.forEach(this::start);
    // (a) s1 leads term 1; its no-op commits everywhere; entry 2@1 reaches only s2.
    campaign(s(1), m -> m);
    assertThat(committed).containsKey(1L);
    cores.get(s(1)).propose(now, new byte[] {1});
    flush(s(1));
    deliver(only(among(Set.of(s(1), s(2)))));
    assertThat(disk.get(s(2))).hasSize(2);

    // (b) s1 crashes; s5 wins term 2 with s3 and s4, and appends 2@2 that no one else receives.
    crash(s(1));
    campaign(s(5), only(among(Set.of(s(3), s(4), s(5))).and(CommitRuleTest::isVote)));
    assertThat(disk.get(s(5))).extracting(LogEntry::term).containsExactly(1L, 2L);

    // (c) s5 crashes; s1 restarts and wins term 3 with s2 and s3. It copies 2@1 to s3, but its own
    //     no-op (3@3) reaches no one: 2@1 is now on a majority (s1, s2, s3), yet not committed.
    crash(s(5));
    start(s(1));
    campaign(s(1), only(among(Set.of(s(1), s(2), s(3))).and(CommitRuleTest::isVote)));
    long term3 = cores.get(s(1)).term();
    long termAt2 = cores.get(s(1)).termAt(2);
    Function<RaftMessage, RaftMessage> upToIndex2 = m -> {
      if (!among(Set.of(s(1), s(2), s(3))).test(m)) {
        return null;
      }
      if (m instanceof AppendEntries ae) { // the network lets only entries up to index 2 through
        if (ae.prevLogIndex() >= 2) {
          return new AppendEntries(ae.from(), ae.to(), ae.term(), 2, termAt2, List.of(), ae.leaderCommit(), ae.round());
        }
        return new AppendEntries(ae.from(), ae.to(), ae.term(), ae.prevLogIndex(), ae.prevLogTerm(),
            ae.entries().stream().filter(e -> e.index() <= 2).toList(), ae.leaderCommit(), ae.round());
      }
      return m;
    };
    for (int beat = 0; beat < 10; beat++) { // heartbeats and probes, as the network allows
      now += RaftSettings.FAST_TEST.heartbeatInterval().toNanos();
      cores.get(s(1)).tick(now);
      flush(s(1));
      deliver(upToIndex2);
    }
    assertThat(cores.get(s(1)).role()).isEqualTo(Role.LEADER);
    for (NodeId id : List.of(s(1), s(2), s(3))) {
      assertThat(disk.get(id).get(1)).as(id + " holds 2@1").isEqualTo(disk.get(s(2)).get(1));
    }
    assertThat(cores.get(s(1)).commitIndex()).as("2@1 is not of term " + term3 + ": not committed").isEqualTo(1);

    // (d) s1 crashes; s5 restarts and, its last term (2) being newer, wins and overwrites 2@1.
    crash(s(1));
    start(s(5));
    campaign(s(5), m -> m);
    assertThat(disk.get(s(2)).get(1).term()).as("2@1 overwritten").isEqualTo(2);
    assertThat(committed.get(2L).term()).isEqualTo(2);
  }
}
