package io.cairn.coordination.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.coordination.raft.RaftEvent.RoleChanged;
import io.cairn.coordination.raft.RaftSim.Node;
import io.cairn.coordination.raft.Submission.Accepted;
import io.cairn.coordination.raft.Submission.Refused;
import io.cairn.sim.Seeds;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hand-written scenarios on a reliable network (1–5 ms delays, so messages still reorder), each
 * run over a few seeds; {@link RaftSim} checks the safety invariants throughout. Replay one with
 * {@code -Dtest=RaftScenarioSimTest -Dcairn.seed=N}.
 */
class RaftScenarioSimTest {
  static LongStream seeds() {
    return Seeds.seeds(10);
  }

  private static RaftSim reliable(int n, long seed, String test) {
    RaftSim sim = new RaftSim(n, seed).replayTest("RaftScenarioSimTest#" + test);
    sim.network.delay(Duration.ofMillis(1), Duration.ofMillis(5));
    return sim;
  }

  /** Elects a leader and commits one write on every node; returns the leader. */
  private static Node settle(RaftSim sim) {
    assertThat(sim.runUntil(() -> sim.leader().isPresent(), Duration.ofSeconds(3))).as("a leader").isTrue();
    Node leader = sim.leader().orElseThrow();
    Accepted a = (Accepted) sim.write(leader);
    assertThat(sim.runUntil(() -> sim.allApplied(a.index()), Duration.ofSeconds(2))).as("first write").isTrue();
    return leader;
  }

  private static Node otherLeader(RaftSim sim, Node not) {
    for (Node node : sim.nodes) {
      if (node != not && node.up && node.core.role() == Role.LEADER) {
        return node;
      }
    }
    return null;
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void isolatedLeaderIsReplacedStepsDownByCheckQuorumAndRefusesProposals(long seed) {
    RaftSim sim = reliable(5, seed, "isolatedLeaderIsReplacedStepsDownByCheckQuorumAndRefusesProposals");
    sim.run(() -> {
      Node old = settle(sim);
      long oldTerm = old.core.term();
      sim.network.partition(new int[] {old.index}, sim.allBut(old.index));
      Accepted doomed = (Accepted) sim.write(old); // it does not know yet: accepted, never committed

      // CheckQuorum: within two election-timeout windows the old leader hears no majority and steps down.
      Duration window = RaftSim.SETTINGS.electionTimeoutMin().multipliedBy(2).plusMillis(10);
      assertThat(sim.runUntil(() -> old.core.role() != Role.LEADER, window)).as("old leader steps down").isTrue();
      assertThat(old.events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(RoleChanged.class,
          rc -> assertThat(rc.reason()).startsWith("check-quorum")));
      Refused refused = (Refused) sim.write(old);
      assertThat(refused.reason()).isEqualTo(Submission.Reason.NOT_LEADER);
      assertThat(sim.read(old)).isInstanceOf(Refused.class);

      assertThat(sim.runUntil(() -> otherLeader(sim, old) != null, Duration.ofSeconds(3))).as("new leader").isTrue();
      Node fresh = otherLeader(sim, old);
      assertThat(fresh.core.term()).isGreaterThan(oldTerm);
      assertThat(old.core.term()).as("the isolated node's term does not move").isEqualTo(oldTerm);
      assertThat(old.core.role()).isIn(Role.FOLLOWER, Role.PRE_CANDIDATE);

      sim.network.heal();
      Accepted after = (Accepted) sim.write(fresh);
      assertThat(sim.runUntil(() -> sim.allApplied(after.index()), Duration.ofSeconds(2))).as("healed").isTrue();
      assertThat(old.core.leader()).contains(fresh.id);
      assertThat(old.core.termAt(doomed.index())).as("the doomed entry was overwritten").isNotEqualTo(doomed.term());
      assertThat(sim.leader()).containsSame(fresh);
    });
  }

  /**
   * A leader paused (a long GC, SIGSTOP) past its replacement still believes it leads when it
   * wakes. A read it accepts then must not be answered from its stale state: the heartbeat round
   * of ReadIndex meets the higher term, it steps down, and the read is abandoned.
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void aPausedOldLeaderNeverServesAStaleRead(long seed) {
    RaftSim sim = reliable(3, seed, "aPausedOldLeaderNeverServesAStaleRead");
    sim.run(() -> {
      Node old = settle(sim);
      sim.pause(old);
      assertThat(sim.runUntil(() -> otherLeader(sim, old) != null, Duration.ofSeconds(3))).isTrue();
      Node fresh = otherLeader(sim, old);
      assertThat(sim.runUntil(() -> fresh.core.termAt(fresh.core.commitIndex()) == fresh.core.term(),
          Duration.ofSeconds(1))).as("the new leader committed its no-op").isTrue();
      Accepted w = (Accepted) sim.write(fresh);
      assertThat(sim.runUntil(() -> fresh.applied >= w.index(), Duration.ofSeconds(1))).as("write acknowledged").isTrue();

      sim.resume(old);
      assertThat(old.core.role()).as("it has not noticed yet").isEqualTo(Role.LEADER);
      Submission read = sim.read(old); // RaftSim fails the run if this is answered with stale data
      assertThat(read).isInstanceOf(Accepted.class);
      sim.runFor(Duration.ofSeconds(1));
      assertThat(old.core.role()).isNotEqualTo(Role.LEADER);
      assertThat(old.reads).as("unanswered").hasSize(1);
      long id = old.reads.keySet().iterator().next();
      assertThat(old.events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(RaftEvent.ReadsAbandoned.class,
          ra -> assertThat(ra.requestIds()).contains(id)));
    });
  }

  /**
   * A graceful hand-over: the target, caught up, wins at once (well within an election timeout,
   * though every voter still hears from the old leader), and nothing committed is lost.
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void leadershipTransferHandsOverWithinAnElectionTimeout(long seed) {
    RaftSim sim = reliable(5, seed, "leadershipTransferHandsOverWithinAnElectionTimeout");
    sim.run(() -> {
      Node old = settle(sim);
      Node target = sim.nodes[(old.index + 1) % sim.n];
      long oldTerm = old.core.term();
      for (int i = 0; i < 20; i++) {
        sim.write(old); // the target must catch up on these first
      }
      assertThat(sim.transfer(old, target.id)).isInstanceOf(Accepted.class);
      assertThat(refused(sim.write(old)).reason()).isEqualTo(Submission.Reason.TRANSFERRING);
      assertThat(sim.runUntil(() -> target.core.role() == Role.LEADER, RaftSim.SETTINGS.electionTimeoutMin()))
          .as("the target leads").isTrue();
      assertThat(target.core.term()).as("one election, no pre-vote round").isEqualTo(oldTerm + 1);
      sim.runFor(Duration.ofMillis(20));
      assertThat(old.core.role()).isEqualTo(Role.FOLLOWER);
      assertThat(old.events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(RaftEvent.LeadershipTransfer.class,
          lt -> assertThat(lt.outcome()).isEqualTo(RaftEvent.LeadershipTransfer.Outcome.COMPLETED)));
      Accepted a = (Accepted) sim.write(target);
      assertThat(sim.runUntil(() -> sim.allApplied(a.index()), Duration.ofSeconds(2))).as("writes go on").isTrue();
    });
  }

  /**
   * A follower down while the others compact their logs comes back to a leader that no longer has
   * what it lacks: it is sent the snapshot, installs it, and applies what follows.
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void aFollowerBehindTheLeadersSnapshotInstallsIt(long seed) {
    RaftSim sim = reliable(3, seed, "aFollowerBehindTheLeadersSnapshotInstallsIt");
    sim.run(() -> {
      Node leader = settle(sim);
      Node lagging = sim.nodes[(leader.index + 1) % sim.n];
      sim.crash(lagging);
      long last = 0;
      for (int i = 0; i < 30; i++) {
        last = ((Accepted) sim.write(leader)).index();
      }
      long written = last;
      assertThat(sim.runUntil(() -> leader.applied >= written, Duration.ofSeconds(1))).isTrue();
      for (Node node : sim.nodes) {
        if (node.up) {
          sim.compact(node);
        }
      }
      assertThat(leader.core.snapshotIndex()).isEqualTo(written);
      sim.restart(lagging);
      Accepted after = (Accepted) sim.write(leader);
      assertThat(sim.runUntil(() -> sim.allApplied(after.index()), Duration.ofSeconds(2))).as("caught up").isTrue();
      assertThat(sim.installs).as("snapshots installed").isPositive();
      assertThat(lagging.core.snapshotIndex()).isGreaterThanOrEqualTo(written);
    });
  }

  /**
   * A spare node is added as a fourth voter, then the leader removes itself: it keeps leading until
   * its removal commits, hands over, and the other three go on without it.
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void aNodeIsAddedThenTheLeaderRemovesItself(long seed) {
    RaftSim sim = new RaftSim(3, 4, seed).replayTest("RaftScenarioSimTest#aNodeIsAddedThenTheLeaderRemovesItself");
    sim.network.delay(Duration.ofMillis(1), Duration.ofMillis(5));
    sim.run(() -> {
      Node leader = settle(sim);
      Node spare = sim.nodes[3];
      assertThat(spare.core.role()).as("not a voter: never campaigns").isEqualTo(Role.FOLLOWER);
      java.util.List<io.cairn.membership.NodeId> four = new java.util.ArrayList<>(leader.core.voters());
      four.add(spare.id);
      Accepted add = (Accepted) sim.changeVoters(leader, four);
      assertThat(sim.runUntil(() -> spare.applied >= add.index(), Duration.ofSeconds(2))).as("the new voter catches up")
          .isTrue();
      assertThat(spare.core.voters()).contains(spare.id);

      java.util.List<io.cairn.membership.NodeId> without = four.stream().filter(v -> !v.equals(leader.id)).toList();
      Accepted remove = (Accepted) sim.changeVoters(leader, without);
      assertThat(sim.runUntil(() -> leader.core.role() != Role.LEADER, Duration.ofSeconds(1))).as("steps down").isTrue();
      assertThat(sim.committedTerm(remove.index())).isEqualTo(remove.term());
      assertThat(sim.runUntil(() -> sim.leader().isPresent() && sim.leader().get() != leader,
          RaftSim.SETTINGS.electionTimeoutMin())).as("handed over, without waiting for an election timeout").isTrue();
      Node fresh = sim.leader().orElseThrow();
      Accepted w = (Accepted) sim.write(fresh);
      assertThat(sim.runUntil(() -> sim.allApplied(w.index()), Duration.ofSeconds(2))).as("three go on").isTrue();
      sim.runFor(Duration.ofSeconds(2));
      assertThat(leader.core.role()).as("the removed node stays out").isEqualTo(Role.FOLLOWER);
      assertThat(sim.leader()).containsSame(fresh);
    });
  }

  private static Refused refused(Submission s) {
    assertThat(s).isInstanceOf(Refused.class);
    return (Refused) s;
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void preVoteKeepsARejoiningNodeFromDisruptingTheGroup(long seed) {
    RaftSim sim = reliable(3, seed, "preVoteKeepsARejoiningNodeFromDisruptingTheGroup");
    sim.run(() -> {
      Node leader = settle(sim);
      long term = leader.core.term();
      Node loner = sim.nodes[(leader.index + 1) % sim.n];
      sim.network.partition(new int[] {loner.index}, sim.allBut(loner.index));
      for (int i = 0; i < 20; i++) { // the others carry on: about 15 election timeouts of isolation
        sim.write(leader);
        sim.runFor(Duration.ofMillis(150));
      }
      assertThat(loner.core.term()).as("pre-votes fail, so the term never moves").isEqualTo(term);
      assertThat(loner.events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(RoleChanged.class,
          rc -> assertThat(rc.to()).isEqualTo(Role.PRE_CANDIDATE)));

      sim.network.heal();
      Accepted a = (Accepted) sim.write(leader);
      assertThat(sim.runUntil(() -> sim.allApplied(a.index()), Duration.ofSeconds(2))).as("caught up").isTrue();
      sim.runFor(Duration.ofSeconds(2));
      assertThat(sim.leader()).containsSame(leader);
      for (Node node : sim.nodes) {
        assertThat(node.core.term()).as(node.id + "'s term").isEqualTo(term);
      }
      assertThat(loner.core.leader()).contains(leader.id);
    });
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void farBehindFollowerWithAConflictingTailCatchesUpInAFewRoundTrips(long seed) {
    RaftSim sim = reliable(3, seed, "farBehindFollowerWithAConflictingTailCatchesUpInAFewRoundTrips");
    // A fixed delay keeps each link in order, as TCP does: with reordering, a pipelined append
    // that overtakes its predecessor is refused (a gap) and the leader re-probes, which would
    // blur the count of backtracking refusals this test is about.
    sim.network.delay(Duration.ofMillis(2), Duration.ofMillis(2));
    sim.run(() -> {
      Node old = settle(sim);
      sim.network.partition(new int[] {old.index}, sim.allBut(old.index));
      for (int i = 0; i < 60; i++) {
        sim.write(old); // 60 entries that will never commit: a conflicting tail to cut
      }
      assertThat(sim.runUntil(() -> otherLeader(sim, old) != null, Duration.ofSeconds(3))).isTrue();
      Node fresh = otherLeader(sim, old);
      long last = 0;
      for (int round = 0; round < 30; round++) {
        for (int i = 0; i < 10; i++) {
          Submission s = sim.write(fresh);
          if (s instanceof Accepted a) {
            last = a.index();
          }
        }
        sim.runFor(Duration.ofMillis(20));
      }
      long committed = last;
      assertThat(sim.runUntil(() -> fresh.applied >= committed, Duration.ofSeconds(3))).isTrue();
      // A leader elected now starts probing the isolated node at the end of its long log, far
      // past the node's 60-entry tail of an older term: backtracking, not a lucky first probe.
      long freshTerm = fresh.core.term();
      sim.crash(fresh);
      sim.runFor(Duration.ofMillis(10));
      sim.restart(fresh);
      assertThat(sim.runUntil(() -> otherLeader(sim, old) != null && otherLeader(sim, old).core.term() > freshTerm,
          Duration.ofSeconds(3))).as("a later leader").isTrue();
      Node later = otherLeader(sim, old);
      Accepted one = (Accepted) sim.write(later);
      long target = one.index();
      assertThat(sim.runUntil(() -> later.applied >= target, Duration.ofSeconds(3))).isTrue();
      assertThat(old.core.lastIndex()).isLessThan(target - 200);

      long rejectionsBefore = sim.rejectionsReceived;
      sim.network.heal();
      assertThat(sim.runUntil(() -> sim.allApplied(target), Duration.ofSeconds(3))).as("caught up").isTrue();
      long rejections = sim.rejectionsReceived - rejectionsBefore;
      assertThat(rejections).as("refused appends while backtracking over a 60-entry conflicting tail")
          .isLessThanOrEqualTo(4);
      for (long i = 1; i <= target; i++) {
        assertThat(old.core.entry(i)).isEqualTo(later.core.entry(i));
      }
      assertThat(Arrays.stream(sim.nodes).allMatch(n -> n.core.leader().filter(later.id::equals).isPresent())).isTrue();
    });
  }
}
