package io.cairn.coordination.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.coordination.raft.RaftMessage.AppendEntries;
import io.cairn.coordination.raft.RaftMessage.AppendEntriesResponse;
import io.cairn.coordination.raft.RaftMessage.InstallSnapshot;
import io.cairn.coordination.raft.RaftMessage.InstallSnapshotResponse;
import io.cairn.coordination.raft.RaftMessage.RequestVote;
import io.cairn.coordination.raft.RaftMessage.RequestVoteResponse;
import io.cairn.coordination.raft.RaftMessage.TimeoutNow;
import io.cairn.coordination.raft.RaftEvent.LeadershipTransfer;
import io.cairn.coordination.raft.RaftEvent.LeadershipTransfer.Outcome;
import io.cairn.coordination.raft.Submission.Accepted;
import io.cairn.coordination.raft.Submission.Refused;
import io.cairn.membership.NodeId;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** One core driven by hand: what it owes the shell, and when. */
class RaftCoreTest {
  private static final NodeId N1 = NodeId.of("n1");
  private static final NodeId N2 = NodeId.of("n2");
  private static final NodeId N3 = NodeId.of("n3");
  private static final RaftSettings S = RaftSettings.FAST_TEST;
  private static final long MAX_TIMEOUT = S.electionTimeoutMax().toNanos();

  private static RaftCore core(List<NodeId> voters) {
    return new RaftCore(N1, voters, S, DurableState.EMPTY, new SplittableRandom(7));
  }

  /** A lone voter that has been elected; its clock starts just before Long.MAX_VALUE and wraps. */
  private static long elect(RaftCore c, long t) {
    c.tick(t);
    t += MAX_TIMEOUT;
    c.tick(t);
    assertThat(c.role()).isEqualTo(Role.LEADER);
    return t;
  }

  @Test
  void aLoneLeaderCommitsOnlyWhatItHasPersisted() {
    RaftCore c = core(List.of(N1));
    long t = elect(c, Long.MAX_VALUE - Duration.ofMillis(100).toNanos()); // wraps past MAX_VALUE
    Effects fx = c.drainEffects();
    assertThat(fx.persist()).contains(new HardState(1, Optional.of(N1), 0));
    assertThat(fx.append()).containsExactly(LogEntry.noOp(1, 1));
    assertThat(fx.commit()).isEmpty();

    Submission s = c.propose(t, new byte[] {42});
    assertThat(s).isEqualTo(new Accepted(2, 1));
    assertThat(c.drainEffects().commit()).as("nothing is durable yet").isEmpty();

    c.persisted(t, 1, 1);
    assertThat(c.drainEffects().commit()).containsExactly(LogEntry.noOp(1, 1));
    c.persisted(t, 1, 2);
    Effects after = c.drainEffects();
    assertThat(after.commit()).containsExactly(LogEntry.command(2, 1, new byte[] {42}));
    assertThat(after.persist()).contains(new HardState(1, Optional.of(N1), 2));
  }

  @Test
  void aPersistedReportForAnOverwrittenEntryIsIgnored() {
    RaftCore c = core(List.of(N1, N2, N3));
    c.receive(0, new AppendEntries(N2, N1, 1, 0, 0, List.of(LogEntry.noOp(1, 1), LogEntry.noOp(2, 1)), 0, 0));
    c.receive(1, new AppendEntries(N3, N1, 2, 1, 1, List.of(LogEntry.noOp(2, 2)), 0, 0));
    c.persisted(2, 1, 2);
    assertThat(c.persistedIndex()).isZero();
    c.persisted(2, 2, 2);
    assertThat(c.persistedIndex()).isEqualTo(2);
  }

  @Test
  void aFollowerRefusesProposalsAndReadsNamingItsLeader() {
    RaftCore c = core(List.of(N1, N2, N3));
    c.receive(0, new AppendEntries(N2, N1, 1, 0, 0, List.of(), 0, 0));
    assertThat(c.propose(1, new byte[] {1})).isEqualTo(new Refused(Submission.Reason.NOT_LEADER, Optional.of(N2)));
    assertThat(c.readIndex(1, 9)).isEqualTo(new Refused(Submission.Reason.NOT_LEADER, Optional.of(N2)));
  }

  @Test
  void aFollowerAcknowledgesAppendsOnlyAfterPersisting() {
    RaftCore c = core(List.of(N1, N2, N3));
    c.receive(0, new AppendEntries(N2, N1, 1, 0, 0, List.of(LogEntry.noOp(1, 1)), 0, 3));
    Effects fx = c.drainEffects();
    assertThat(fx.send()).isEmpty();
    assertThat(fx.append()).containsExactly(LogEntry.noOp(1, 1));
    assertThat(fx.sendAfterPersist())
        .containsExactly(new AppendEntriesResponse(N1, N2, 1, true, 1, 0, 0, 0, 3));
  }

  @Test
  void aRefusalCarriesTheConflictingTermAndItsFirstIndex() {
    RaftCore c = core(List.of(N1, N2, N3));
    c.receive(0, new AppendEntries(N2, N1, 2, 0, 0,
        List.of(LogEntry.noOp(1, 1), LogEntry.noOp(2, 2), LogEntry.noOp(3, 2), LogEntry.noOp(4, 2)), 1, 0));
    c.drainEffects();
    c.receive(1, new AppendEntries(N3, N1, 3, 4, 3, List.of(), 1, 0));
    assertThat(c.drainEffects().sendAfterPersist())
        .containsExactly(new AppendEntriesResponse(N1, N3, 3, false, 0, 4, 2, 2, 0));
    c.receive(2, new AppendEntries(N3, N1, 3, 9, 3, List.of(), 1, 0));
    assertThat(c.drainEffects().sendAfterPersist())
        .containsExactly(new AppendEntriesResponse(N1, N3, 3, false, 0, 9, 0, 5, 0));
  }

  @Test
  void preVoteAsksWithoutMovingTheTerm() {
    RaftCore c = core(List.of(N1, N2, N3));
    c.tick(0);
    c.tick(MAX_TIMEOUT);
    assertThat(c.role()).isEqualTo(Role.PRE_CANDIDATE);
    assertThat(c.term()).isZero();
    Effects fx = c.drainEffects();
    assertThat(fx.persist()).isEmpty();
    assertThat(fx.send()).containsExactlyInAnyOrder(
        new RequestVote(N1, N2, 1, 0, 0, true, false), new RequestVote(N1, N3, 1, 0, 0, true, false));
  }

  @Test
  void aFollowerWithALiveLeaderIgnoresVoteRequests() {
    RaftCore c = core(List.of(N1, N2, N3));
    c.receive(0, new AppendEntries(N2, N1, 1, 0, 0, List.of(), 0, 0));
    c.drainEffects();
    c.receive(1, new RequestVote(N3, N1, 2, 5, 1, true, false));
    c.receive(1, new RequestVote(N3, N1, 2, 5, 1, false, false));
    assertThat(c.term()).isEqualTo(1);
    Effects fx = c.drainEffects();
    assertThat(fx.send()).isEmpty();
    assertThat(fx.sendAfterPersist()).isEmpty();
  }

  /** Makes n1 the leader of term 1 of {n1, n2, n3} with n2's votes; returns the time. */
  private static long electWithN2(RaftCore c) {
    c.tick(0);
    c.tick(MAX_TIMEOUT);
    c.receive(MAX_TIMEOUT, new RequestVoteResponse(N2, N1, 1, true, true));
    c.receive(MAX_TIMEOUT, new RequestVoteResponse(N2, N1, 1, true, false));
    assertThat(c.role()).isEqualTo(Role.LEADER);
    c.drainEffects();
    return MAX_TIMEOUT;
  }

  /** A leader with entries 1..2 of term 1 committed (held by itself and n2) and applied. */
  private static long leaderWithTwoCommitted(RaftCore c) {
    long t = electWithN2(c);
    c.propose(t, new byte[] {1});
    c.persisted(t, 1, 2);
    c.receive(t, new AppendEntriesResponse(N2, N1, 1, true, 2, 0, 0, 0, 0));
    assertThat(c.commitIndex()).isEqualTo(2);
    assertThat(c.drainEffects().commit()).hasSize(2);
    return t;
  }

  private static Snapshot snapshot(long index, long term) {
    return new Snapshot(index, term, List.of(N1, N2, N3), new byte[] {(byte) index});
  }

  @Test
  void aLeaderCompactsAndSendsItsSnapshotToAFollowerThatNeedsCompactedEntries() {
    RaftCore c = core(List.of(N1, N2, N3));
    long t = leaderWithTwoCommitted(c);
    Snapshot snap = snapshot(2, 1);
    c.compact(t, snap);
    assertThat(c.snapshotIndex()).isEqualTo(2);
    assertThat(c.termAt(2)).isEqualTo(1);
    assertThat(c.snapshot()).contains(snap);

    // n3 answers the leader's first probe (from index 1, now compacted): it gets the snapshot, once.
    c.receive(t, new AppendEntriesResponse(N3, N1, 1, true, 0, 0, 0, 0, 0));
    assertThat(c.drainEffects().send()).containsExactly(new InstallSnapshot(N1, N3, 1, snap, 0));
    c.propose(t, new byte[] {3});
    assertThat(c.drainEffects().send()).as("nothing but the snapshot until it is answered")
        .noneMatch(m -> m.to().equals(N3));

    // Unanswered for a few heartbeats: sent again (heartbeats go on meanwhile).
    for (int i = 1; i <= RaftCore.SNAPSHOT_RESEND_HEARTBEATS; i++) {
      c.tick(t + i * S.heartbeatInterval().toNanos());
    }
    assertThat(c.drainEffects().send()).contains(new InstallSnapshot(N1, N3, 1, snap, 0));

    // Installed: replication resumes right after the snapshot.
    c.receive(t, new InstallSnapshotResponse(N3, N1, 1, 2, 2, 0));
    assertThat(c.drainEffects().send()).contains(
        new AppendEntries(N1, N3, 1, 2, 1, List.of(LogEntry.command(3, 1, new byte[] {3})), 2, 0));
  }

  @Test
  void aFollowerInstallsASnapshotAndAnswersOnlyOnceItIsDurable() {
    RaftCore c = core(List.of(N1, N2, N3));
    c.receive(0, new AppendEntries(N2, N1, 1, 0, 0, List.of(LogEntry.noOp(1, 1)), 0, 0));
    c.drainEffects();
    Snapshot snap = snapshot(5, 1);
    c.receive(1, new InstallSnapshot(N2, N1, 1, snap, 7));
    Effects fx = c.drainEffects();
    assertThat(fx.install()).contains(snap);
    assertThat(fx.persist()).contains(new HardState(1, Optional.empty(), 5));
    assertThat(fx.commit()).as("the snapshot replaces entries 1..5; nothing to apply on top").isEmpty();
    assertThat(fx.send()).isEmpty();
    assertThat(fx.sendAfterPersist()).containsExactly(new InstallSnapshotResponse(N1, N2, 1, 5, 5, 7));
    assertThat(c.snapshotIndex()).isEqualTo(5);
    assertThat(c.lastIndex()).isEqualTo(5);
    assertThat(c.appliedIndex()).isEqualTo(5);

    // Appends continue after it; commits continue from snapshot.index + 1.
    c.receive(2, new AppendEntries(N2, N1, 1, 5, 1, List.of(LogEntry.noOp(6, 1)), 6, 8));
    assertThat(c.drainEffects().commit()).containsExactly(LogEntry.noOp(6, 1));

    // A snapshot the commit index already covers changes nothing and is answered at once.
    c.receive(3, new InstallSnapshot(N2, N1, 1, snap, 9));
    Effects again = c.drainEffects();
    assertThat(again.install()).isEmpty();
    assertThat(again.sendAfterPersist()).containsExactly(new InstallSnapshotResponse(N1, N2, 1, 5, 6, 9));
  }

  @Test
  void anInstalledSnapshotKeepsTheLogSuffixThatExtendsIt() {
    RaftCore c = core(List.of(N1, N2, N3));
    c.receive(0, new AppendEntries(N2, N1, 1, 0, 0,
        List.of(LogEntry.noOp(1, 1), LogEntry.noOp(2, 1), LogEntry.noOp(3, 1)), 0, 0));
    c.drainEffects();
    c.receive(1, new InstallSnapshot(N2, N1, 1, snapshot(2, 1), 0));
    assertThat(c.drainEffects().install()).isPresent();
    assertThat(c.lastIndex()).isEqualTo(3);
    assertThat(c.entry(3)).isEqualTo(LogEntry.noOp(3, 1));

    // An append from before the snapshot (delayed) is trimmed to what follows it.
    c.receive(2, new AppendEntries(N2, N1, 1, 0, 0,
        List.of(LogEntry.noOp(1, 1), LogEntry.noOp(2, 1), LogEntry.noOp(3, 1), LogEntry.noOp(4, 1)), 3, 0));
    Effects fx = c.drainEffects();
    assertThat(fx.append()).containsExactly(LogEntry.noOp(4, 1));
    assertThat(fx.commit()).containsExactly(LogEntry.noOp(3, 1));
    assertThat(fx.sendAfterPersist()).containsExactly(new AppendEntriesResponse(N1, N2, 1, true, 4, 2, 0, 0, 0));
  }

  @Test
  void aRestartFromASnapshotAppliesOnlyWhatFollowsIt() {
    Snapshot snap = snapshot(4, 1);
    RaftCore c = new RaftCore(N1, List.of(N1, N2, N3), S,
        new DurableState(new HardState(2, Optional.empty(), 5), Optional.of(snap),
            List.of(LogEntry.noOp(5, 2), LogEntry.noOp(6, 2))), new SplittableRandom(1));
    assertThat(c.snapshotIndex()).isEqualTo(4);
    assertThat(c.appliedIndex()).isEqualTo(4);
    assertThat(c.lastIndex()).isEqualTo(6);
    assertThat(c.drainEffects().commit()).containsExactly(LogEntry.noOp(5, 2));
  }

  @Test
  void compactingPastTheAppliedIndexIsRefused() {
    RaftCore c = core(List.of(N1, N2, N3));
    long t = leaderWithTwoCommitted(c);
    c.propose(t, new byte[] {3});
    assertThatThrownBy(() -> c.compact(t, snapshot(3, 1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> c.compact(t, snapshot(2, 2))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aTransferCatchesTheTargetUpThenSendsTimeoutNowAndRefusesProposalsMeanwhile() {
    RaftCore c = core(List.of(N1, N2, N3));
    long t = leaderWithTwoCommitted(c);
    assertThat(c.transferLeadership(t, N1)).isEqualTo(new Refused(Submission.Reason.INVALID_CHANGE, Optional.of(N1)));
    assertThat(c.transferLeadership(t, NodeId.of("n9")).accepted()).isFalse();

    assertThat(c.transferLeadership(t, N3)).isEqualTo(new Accepted(2, 1));
    assertThat(c.transferTarget()).contains(N3);
    assertThat(c.drainEffects().events()).containsExactly(new LeadershipTransfer(N1, 1, N3, Outcome.STARTED, "asked"));
    assertThat(c.propose(t, new byte[] {9})).isEqualTo(new Refused(Submission.Reason.TRANSFERRING, Optional.of(N3)));
    assertThat(c.transferLeadership(t, N2)).isEqualTo(new Refused(Submission.Reason.TRANSFERRING, Optional.of(N3)));

    // n3 answers the first probe: it is sent the log; once it holds all of it, TimeoutNow.
    c.receive(t, new AppendEntriesResponse(N3, N1, 1, true, 0, 0, 0, 0, 0));
    Effects catchUp = c.drainEffects();
    assertThat(catchUp.send()).containsExactly(new AppendEntries(N1, N3, 1, 0, 0,
        List.of(LogEntry.noOp(1, 1), LogEntry.command(2, 1, new byte[] {1})), 2, 0));
    c.receive(t, new AppendEntriesResponse(N3, N1, 1, true, 2, 0, 0, 0, 0));
    assertThat(c.drainEffects().send()).containsExactly(new TimeoutNow(N1, N3, 1));

    // n3's transfer vote request reaches the leader: it steps down (transfer complete) and votes.
    c.receive(t, new RequestVote(N3, N1, 2, 2, 1, false, true));
    assertThat(c.role()).isEqualTo(Role.FOLLOWER);
    assertThat(c.transferTarget()).isEmpty();
    Effects fx = c.drainEffects();
    assertThat(fx.events()).contains(new LeadershipTransfer(N1, 2, N3, Outcome.COMPLETED, "vote request from n3 at a higher term"));
    assertThat(fx.sendAfterPersist()).containsExactly(new RequestVoteResponse(N1, N3, 2, true, false));
  }

  @Test
  void aTransferNotDoneWithinAnElectionTimeoutIsAbandoned() {
    RaftCore c = core(List.of(N1, N2, N3));
    long t = leaderWithTwoCommitted(c);
    c.transferLeadership(t, N3);
    c.drainEffects();
    long step = S.heartbeatInterval().toNanos();
    for (long at = t + step; at - (t + S.electionTimeoutMin().toNanos()) < step; at += step) {
      c.receive(at, new AppendEntriesResponse(N2, N1, 1, true, 2, 0, 0, 0, 0)); // n2 keeps the quorum
      c.tick(at);
    }
    assertThat(c.role()).isEqualTo(Role.LEADER);
    assertThat(c.transferTarget()).isEmpty();
    assertThat(c.drainEffects().events()).contains(
        new LeadershipTransfer(N1, 1, N3, Outcome.ABORTED, "not done within an election timeout"));
    assertThat(c.propose(t, new byte[] {9}).accepted()).isTrue();
  }

  @Test
  void timeoutNowMakesAFollowerCampaignAtOnceAskingVotersToIgnoreTheirLease() {
    RaftCore c = core(List.of(N1, N2, N3));
    c.receive(0, new AppendEntries(N2, N1, 1, 0, 0, List.of(LogEntry.noOp(1, 1)), 0, 0));
    c.drainEffects();
    c.receive(1, new TimeoutNow(N2, N1, 1));
    assertThat(c.role()).isEqualTo(Role.CANDIDATE);
    assertThat(c.term()).isEqualTo(2);
    assertThat(c.drainEffects().sendAfterPersist()).containsExactlyInAnyOrder(
        new RequestVote(N1, N2, 2, 1, 1, false, true), new RequestVote(N1, N3, 2, 1, 1, false, true));
  }

  @Test
  void aFollowerWithALiveLeaderStillGrantsATransferVoteIfTheCandidateIsUpToDate() {
    RaftCore c = core(List.of(N1, N2, N3));
    c.receive(0, new AppendEntries(N2, N1, 1, 0, 0, List.of(LogEntry.noOp(1, 1)), 0, 0));
    c.drainEffects();
    c.receive(1, new RequestVote(N3, N1, 2, 0, 0, false, true)); // behind us: refused, but the term moves
    assertThat(c.drainEffects().sendAfterPersist()).containsExactly(new RequestVoteResponse(N1, N3, 2, false, false));
    c.receive(2, new RequestVote(N3, N1, 3, 1, 1, false, true));
    assertThat(c.drainEffects().sendAfterPersist()).containsExactly(new RequestVoteResponse(N1, N3, 3, true, false));
  }

  private static final NodeId N4 = NodeId.of("n4");

  @Test
  void aVoterChangeIsOneServerAtATimeAfterTheLeaderCommittedInItsTerm() {
    RaftCore c = core(List.of(N1, N2, N3));
    long t = electWithN2(c);
    assertThat(c.changeVoters(t, List.of(N1, N2, N3, N4)))
        .as("its no-op is not committed yet").isEqualTo(new Refused(Submission.Reason.LEADER_NOT_READY, Optional.of(N1)));
    c.persisted(t, 1, 1);
    c.receive(t, new AppendEntriesResponse(N2, N1, 1, true, 1, 0, 0, 0, 0));
    c.drainEffects();
    assertThat(c.changeVoters(t, List.of(N1, N2, N4)).accepted()).as("two servers at once").isFalse();
    assertThat(c.changeVoters(t, List.of(N1, N2, N3))).isEqualTo(new Refused(Submission.Reason.INVALID_CHANGE, Optional.of(N1)));

    assertThat(c.changeVoters(t, List.of(N1, N2, N3, N4))).isEqualTo(new Accepted(2, 1));
    assertThat(c.voters()).as("in force once appended").containsExactly(N1, N2, N3, N4);
    assertThat(c.configIndex()).isEqualTo(2);
    Effects fx = c.drainEffects();
    assertThat(fx.append()).containsExactly(LogEntry.config(2, 1, List.of(N1, N2, N3, N4)));
    assertThat(fx.send()).as("the new voter is probed").anyMatch(m -> m.to().equals(N4));
    assertThat(c.changeVoters(t, List.of(N1, N2, N4, N3).subList(0, 3)))
        .isEqualTo(new Refused(Submission.Reason.CHANGE_PENDING, Optional.of(N1)));

    // Now a majority is 3 of 4: n1 and n2 are not enough.
    c.persisted(t, 1, 2);
    c.receive(t, new AppendEntriesResponse(N2, N1, 1, true, 2, 1, 0, 0, 0));
    assertThat(c.commitIndex()).isEqualTo(1);
    c.receive(t, new AppendEntriesResponse(N4, N1, 1, true, 2, 1, 0, 0, 0));
    assertThat(c.commitIndex()).isEqualTo(2);
    assertThat(c.changeVoters(t, List.of(N1, N2, N4)).accepted()).as("the next change, once committed").isTrue();
  }

  @Test
  void aLeaderThatRemovesItselfLeadsUntilTheChangeCommitsThenHandsOverAndStepsDown() {
    RaftCore c = core(List.of(N1, N2, N3));
    long t = leaderWithTwoCommitted(c);
    c.receive(t, new AppendEntriesResponse(N3, N1, 1, true, 2, 0, 0, 0, 0));
    c.drainEffects();
    assertThat(c.changeVoters(t, List.of(N2, N3))).isEqualTo(new Accepted(3, 1));
    c.persisted(t, 1, 3);
    c.receive(t, new AppendEntriesResponse(N2, N1, 1, true, 3, 2, 0, 0, 0));
    assertThat(c.role()).as("its own copy no longer counts: 1 of 2").isEqualTo(Role.LEADER);
    assertThat(c.commitIndex()).isEqualTo(2);
    c.drainEffects();
    c.receive(t, new AppendEntriesResponse(N3, N1, 1, true, 3, 2, 0, 0, 0));
    assertThat(c.commitIndex()).isEqualTo(3);
    assertThat(c.role()).isEqualTo(Role.FOLLOWER);
    Effects fx = c.drainEffects();
    assertThat(fx.send()).containsOnlyOnce(new TimeoutNow(N1, N3, 1));
    assertThat(fx.commit()).containsExactly(LogEntry.config(3, 1, List.of(N2, N3)));

    // No longer a voter: it never campaigns.
    for (long at = t; at < t + 10 * MAX_TIMEOUT; at += MAX_TIMEOUT / 4) {
      c.tick(at);
    }
    assertThat(c.role()).isEqualTo(Role.FOLLOWER);
    assertThat(c.drainEffects().send()).isEmpty();
  }

  @Test
  void aConfigTakesEffectWhenAppendedAndIsUndoneWhenCutAway() {
    RaftCore c = core(List.of(N1, N2, N3));
    c.receive(0, new AppendEntries(N2, N1, 1, 0, 0,
        List.of(LogEntry.noOp(1, 1), LogEntry.config(2, 1, List.of(N1, N2, N3, N4))), 1, 0));
    assertThat(c.voters()).containsExactly(N1, N2, N3, N4);
    assertThat(c.votersAt(1)).containsExactly(N1, N2, N3);
    c.receive(1, new AppendEntries(N3, N1, 2, 1, 1, List.of(LogEntry.noOp(2, 2)), 1, 0));
    assertThat(c.voters()).containsExactly(N1, N2, N3);
    assertThat(c.configIndex()).isZero();
  }

  @Test
  void aServerNotInTheVoterSetNeverCampaignsButFollows() {
    RaftCore c = new RaftCore(N4, List.of(N1, N2, N3), S, DurableState.EMPTY, new SplittableRandom(3));
    for (long at = 0; at < 10 * MAX_TIMEOUT; at += MAX_TIMEOUT / 4) {
      c.tick(at);
    }
    assertThat(c.role()).isEqualTo(Role.FOLLOWER);
    assertThat(c.drainEffects().send()).isEmpty();
    c.receive(0, new AppendEntries(N1, N4, 1, 0, 0,
        List.of(LogEntry.noOp(1, 1), LogEntry.config(2, 1, List.of(N1, N2, N3, N4))), 2, 0));
    assertThat(c.voters()).contains(N4);
    assertThat(c.drainEffects().commit()).hasSize(2);
  }

  @Test
  void aSnapshotCarriesTheVotersAtItsIndex() {
    RaftCore c = core(List.of(N1, N2, N3));
    long t = leaderWithTwoCommitted(c);
    assertThatThrownBy(() -> c.compact(t, new Snapshot(2, 1, List.of(N1, N2), new byte[0])))
        .isInstanceOf(IllegalArgumentException.class);
    RaftCore restarted = new RaftCore(N1, List.of(N1, N2, N3), S,
        new DurableState(new HardState(1, Optional.empty(), 2), Optional.of(new Snapshot(2, 1, List.of(N1, N2), new byte[0])),
            List.of()), new SplittableRandom(1));
    assertThat(restarted.voters()).containsExactly(N1, N2);
    assertThat(restarted.configIndex()).isEqualTo(2);
  }

  @Test
  void settingsAreValidatedNamingTheKey() {
    assertThatThrownBy(() -> new RaftSettings(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(100), 1, 1, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("cp.raft.heartbeat-interval");
    assertThatThrownBy(() -> new RaftSettings(Duration.ofMillis(200), Duration.ofMillis(200), Duration.ofMillis(10), 1, 1, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("cp.raft.election-timeout-min");
    assertThatThrownBy(() -> new RaftSettings(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(10), 0, 1, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("cp.raft.max-inflight");
  }
}
