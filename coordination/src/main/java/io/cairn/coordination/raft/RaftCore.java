package io.cairn.coordination.raft;

import io.cairn.coordination.raft.RaftMessage.AppendEntries;
import io.cairn.coordination.raft.RaftMessage.AppendEntriesResponse;
import io.cairn.coordination.raft.RaftMessage.InstallSnapshot;
import io.cairn.coordination.raft.RaftMessage.InstallSnapshotResponse;
import io.cairn.coordination.raft.RaftMessage.RequestVote;
import io.cairn.coordination.raft.RaftMessage.RequestVoteResponse;
import io.cairn.coordination.raft.RaftMessage.TimeoutNow;
import io.cairn.coordination.raft.RaftEvent.LeadershipTransfer;
import io.cairn.coordination.raft.Submission.Accepted;
import io.cairn.coordination.raft.Submission.Reason;
import io.cairn.coordination.raft.Submission.Refused;
import io.cairn.membership.NodeId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Raft as a pure state machine: leader election with randomized timeouts, PreVote and CheckQuorum;
 * log replication with pipelining and fast conflict backtracking; commit by counting replicas of
 * entries of the current term; ReadIndex reads; leadership transfer; single-server voter changes;
 * log compaction behind snapshots the shell takes, and InstallSnapshot for followers that need what
 * was compacted. Inputs carry the time ({@code nowNanos}, from a monotonic source, compared only by
 * subtraction); outputs are drained as {@link Effects}.
 *
 * <p>Durability is the shell's: every hard-state change and appended entry comes out in
 * {@link Effects}, votes and acknowledgements wait in {@code sendAfterPersist}, and the leader
 * counts its own copy of an entry only once {@link #persisted} reports it.
 *
 * <p>Not thread-safe: the shell confines it to one Vert.x context.
 */
public final class RaftCore {
  private record PendingRead(long requestId, long index, long round) {}

  /**
   * Heartbeat intervals a follower may take to store and acknowledge a snapshot before it is sent
   * again: a snapshot is big, so it is neither pipelined nor resent with every heartbeat.
   */
  static final int SNAPSHOT_RESEND_HEARTBEATS = 4;

  private final NodeId self;
  // The voter set in force: that of the last CONFIG entry in the log, else of the snapshot, else
  // the bootstrap set. It changes as CONFIG entries are appended and truncated, not as they commit.
  private List<NodeId> voters;
  private List<NodeId> peers;
  private int quorum;
  /** The index that set {@link #voters}: a CONFIG entry's, the snapshot's, or 0 for the bootstrap set. */
  private long configIndex;
  /** The voters at the log's snapshot index (the bootstrap set without a snapshot). */
  private List<NodeId> baseVoters;
  private final RaftSettings settings;
  private final RandomGenerator random;
  private final long electionMinNanos;
  private final long electionSpreadNanos;
  private final long heartbeatNanos;
  private final RaftLog log;
  /** The snapshot the log was last compacted behind (or restored from); sent to lagging followers. */
  private Snapshot snapshot;

  // Durable (through Effects.persist).
  private long term;
  private NodeId votedFor;
  private long commitIndex;

  // Volatile.
  private Role role = Role.FOLLOWER;
  private NodeId leader;
  private long persistedIndex;
  private long appliedIndex;
  private boolean started;
  private long electionDeadline;
  private long heartbeatDeadline;
  private long checkQuorumDeadline;
  private long lastLeaderContact;
  private final Map<NodeId, Boolean> votes = new HashMap<>();
  private final Map<NodeId, Progress> progress = new LinkedHashMap<>();
  private long round;
  private final ArrayDeque<PendingRead> pendingReads = new ArrayDeque<>();
  /** A leader handing over: to whom, and until when it tries. */
  private NodeId transferTarget;
  private long transferDeadline;
  private final ArrayDeque<ReadState> confirmedReads = new ArrayDeque<>();

  // Owed to the shell.
  private Snapshot pendingInstall;
  private HardState reportedHardState;
  private final List<LogEntry> unpersisted = new ArrayList<>();
  private final List<RaftMessage> send = new ArrayList<>();
  private final List<RaftMessage> sendAfterPersist = new ArrayList<>();
  private final List<RaftEvent> events = new ArrayList<>();

  /**
   * A node of the group bootstrapped with {@code voters}, restarted from {@code restored}
   * ({@link DurableState#EMPTY} the first time). The voter set in force is that of the last CONFIG
   * entry in the restored log, else of its snapshot, else {@code voters}; a node not in it (one
   * about to be added) does not campaign and learns the set from the leader. With a restored
   * snapshot, the log starts after it and the commit and applied indices at its index (the shell restores its state
   * machine from it). Its first election deadline is set by the first input.
   */
  public RaftCore(NodeId self, List<NodeId> voters, RaftSettings settings, DurableState restored,
      RandomGenerator random) {
    this.self = Objects.requireNonNull(self, "self");
    List<NodeId> bootstrap = List.copyOf(voters);
    if (bootstrap.isEmpty() || bootstrap.stream().distinct().count() != bootstrap.size()) {
      throw new IllegalArgumentException("voters must be distinct and not empty: " + voters);
    }
    this.settings = Objects.requireNonNull(settings, "settings");
    this.random = Objects.requireNonNull(random, "random");
    this.electionMinNanos = settings.electionTimeoutMin().toNanos();
    this.electionSpreadNanos = settings.electionTimeoutMax().toNanos() - electionMinNanos;
    this.heartbeatNanos = settings.heartbeatInterval().toNanos();
    this.snapshot = restored.snapshot().orElse(null);
    this.log = snapshot == null ? new RaftLog(restored.log())
        : new RaftLog(snapshot.index(), snapshot.term(), restored.log());
    HardState hs = restored.hardState();
    if (hs.commitIndex() > log.lastIndex()) {
      throw new IllegalStateException(self + ": restored commit index " + hs.commitIndex()
          + " is past the restored log's last index " + log.lastIndex());
    }
    this.term = hs.term();
    this.votedFor = hs.votedFor().orElse(null);
    this.commitIndex = Math.max(hs.commitIndex(), log.snapshotIndex());
    this.appliedIndex = log.snapshotIndex();
    this.persistedIndex = log.lastIndex();
    this.reportedHardState = hs;
    this.baseVoters = snapshot == null ? bootstrap : snapshot.voters();
    recomputeConfig();
  }

  // ---------------------------------------------------------------------------------- inputs

  /** Acts on the deadlines that {@code nowNanos} has passed: elections, heartbeats, CheckQuorum. */
  public void tick(long nowNanos) {
    if (start(nowNanos)) {
      return;
    }
    if (role == Role.LEADER) {
      if (nowNanos - heartbeatDeadline >= 0) {
        heartbeatDeadline = nowNanos + heartbeatNanos;
        heartbeat();
      }
      if (nowNanos - checkQuorumDeadline >= 0) {
        checkQuorumDeadline = nowNanos + electionMinNanos;
        checkQuorum(nowNanos);
      }
      if (role == Role.LEADER && transferTarget != null && nowNanos - transferDeadline >= 0) {
        endTransfer(LeadershipTransfer.Outcome.ABORTED, "not done within an election timeout");
      }
      stepDownIfRemoved(nowNanos);
    } else if (nowNanos - electionDeadline >= 0) {
      if (voters.contains(self)) {
        campaign(nowNanos);
      } else {
        resetElectionDeadline(nowNanos); // not a voter (yet, or any more): never campaigns
      }
    }
  }

  /** A message from a peer. Stale, duplicated and misaddressed messages are ignored. */
  public void receive(long nowNanos, RaftMessage m) {
    start(nowNanos);
    if (!m.to().equals(self) || m.from().equals(self)) {
      return;
    }
    if (m.term() > term) {
      if (m instanceof RequestVote rv) {
        if (inLease(nowNanos) && !(rv.transfer() && !rv.preVote())) {
          return; // a live leader is known (and did not hand over): neither vote nor move to the asker's term
        }
        if (!rv.preVote()) {
          becomeFollower(nowNanos, m.term(), null, "vote request from " + m.from() + " at a higher term");
        }
      } else if (m instanceof RequestVoteResponse r && r.preVote() && r.granted()) {
        // the term we would campaign in: nothing to move to yet
      } else {
        NodeId newLeader = m instanceof AppendEntries || m instanceof InstallSnapshot || m instanceof TimeoutNow
            ? m.from() : null;
        becomeFollower(nowNanos, m.term(), newLeader, "higher term from " + m.from());
      }
    } else if (m.term() < term) {
      if (m instanceof AppendEntries ae) {
        // A stale leader (e.g. rejoining after a partition): tell it our term so it steps down.
        sendAfterPersist.add(new AppendEntriesResponse(self, m.from(), term, false, 0,
            ae.prevLogIndex(), 0, 0, ae.round()));
      } else if (m instanceof InstallSnapshot is) {
        sendAfterPersist.add(new InstallSnapshotResponse(self, m.from(), term, 0, 0, is.round()));
      } else if (m instanceof RequestVote rv && rv.preVote()) {
        send.add(new RequestVoteResponse(self, m.from(), term, false, true));
      }
      return;
    }
    switch (m.kind()) {
      case REQUEST_VOTE -> onRequestVote(nowNanos, (RequestVote) m);
      case REQUEST_VOTE_RESPONSE -> onVoteResponse(nowNanos, (RequestVoteResponse) m);
      case APPEND_ENTRIES -> onAppendEntries(nowNanos, (AppendEntries) m);
      case APPEND_ENTRIES_RESPONSE -> onAppendResponse(nowNanos, (AppendEntriesResponse) m);
      case INSTALL_SNAPSHOT -> onInstallSnapshot(nowNanos, (InstallSnapshot) m);
      case INSTALL_SNAPSHOT_RESPONSE -> onSnapshotResponse((InstallSnapshotResponse) m);
      case TIMEOUT_NOW -> onTimeoutNow(nowNanos, (TimeoutNow) m);
    }
    stepDownIfRemoved(nowNanos);
  }

  /**
   * Appends {@code command} if this node leads. Accepted is not committed: the entry commits when
   * it is handed out in {@link Effects#commit()} with the returned index and term.
   */
  public Submission propose(long nowNanos, byte[] command) {
    start(nowNanos);
    if (role != Role.LEADER) {
      return new Refused(Reason.NOT_LEADER, Optional.ofNullable(leader));
    }
    if (transferTarget != null) {
      return new Refused(Reason.TRANSFERRING, Optional.of(transferTarget));
    }
    LogEntry e = LogEntry.command(log.lastIndex() + 1, term, command.clone());
    appendLocal(e);
    for (Progress pr : progress.values()) {
      sendEntries(pr);
    }
    return new Accepted(e.index(), term);
  }

  /**
   * A linearizable read without a log write (ReadIndex): the read index is the current commit
   * index; once a majority has answered a heartbeat round sent after this call (so this node still
   * led when it was asked), and every entry up to the read index has been handed out to apply,
   * {@link Effects#reads()} carries {@code requestId}. Refused by a non-leader, and by a new leader
   * until an entry of its own term has committed (only then does it know the commit index).
   */
  public Submission readIndex(long nowNanos, long requestId) {
    start(nowNanos);
    if (role != Role.LEADER) {
      return new Refused(Reason.NOT_LEADER, Optional.ofNullable(leader));
    }
    if (log.termAt(commitIndex) != term) {
      return new Refused(Reason.LEADER_NOT_READY, Optional.of(self));
    }
    round++;
    pendingReads.addLast(new PendingRead(requestId, commitIndex, round));
    for (NodeId p : peers) {
      sendHeartbeat(p, progress.get(p));
    }
    confirmReads(); // a lone voter confirms at once
    return new Accepted(commitIndex, term);
  }

  /**
   * Proposes {@code newVoters} as the voter set: one server added or removed (Raft's single-server
   * change, dissertation §4.1, so that every majority of the old set overlaps every majority of the
   * new one). The CONFIG entry takes effect on each node as soon as it is in its log, not once
   * committed; a node whose entry is cut away returns to the set before. Accepted only by a leader
   * that has committed an entry of its own term (else a change by a deposed leader could still be
   * committed next to this one) and whose previous change has committed. A leader that removes
   * itself goes on leading, without counting itself, until the change commits; then it hands over
   * to a caught-up voter (TimeoutNow) and steps down. An added server is sent the log (or the
   * snapshot) like any follower.
   *
   * @return accepted with the CONFIG entry's index and term (it is in force once committed);
   *     refused if this node does not lead, is transferring leadership, is not ready, has a change
   *     pending, or the set does not differ from the current one by exactly one server
   */
  public Submission changeVoters(long nowNanos, List<NodeId> newVoters) {
    start(nowNanos);
    if (role != Role.LEADER) {
      return new Refused(Reason.NOT_LEADER, Optional.ofNullable(leader));
    }
    if (transferTarget != null) {
      return new Refused(Reason.TRANSFERRING, Optional.of(transferTarget));
    }
    if (log.termAt(commitIndex) != term) {
      return new Refused(Reason.LEADER_NOT_READY, Optional.of(self));
    }
    if (configIndex > commitIndex) {
      return new Refused(Reason.CHANGE_PENDING, Optional.of(self));
    }
    long added = newVoters.stream().filter(v -> !voters.contains(v)).count();
    long removed = voters.stream().filter(v -> !newVoters.contains(v)).count();
    if (newVoters.isEmpty() || newVoters.stream().distinct().count() != newVoters.size() || added + removed != 1) {
      return new Refused(Reason.INVALID_CHANGE, Optional.of(self));
    }
    LogEntry e = LogEntry.config(log.lastIndex() + 1, term, newVoters);
    appendLocal(e);
    for (Progress pr : progress.values()) {
      sendEntries(pr);
    }
    maybeCommit(); // a removal may leave a majority that already holds everything
    return new Accepted(e.index(), term);
  }

  /**
   * Hands leadership to {@code target}, a voter other than this leader (for a graceful shutdown, or
   * to move load). The leader stops taking proposals (refused with {@link Reason#TRANSFERRING}) so
   * that the target can catch up, sends it whatever it lacks, and once it holds the whole log sends
   * it {@link TimeoutNow}: the target campaigns at once, and the voters answer it even while they
   * still hear from this leader. ReadIndex reads go on being served meanwhile: they append nothing,
   * and a read is still confirmed only by a majority answering in this leader's term. If no newer
   * term has begun within an election timeout the transfer is abandoned and proposals are taken
   * again. {@link RaftEvent.LeadershipTransfer} reports the start and the end.
   *
   * @return accepted with the leader's last index and term; refused if this node does not lead, the
   *     target is not another voter, or a transfer to another target is under way
   */
  public Submission transferLeadership(long nowNanos, NodeId target) {
    start(nowNanos);
    if (role != Role.LEADER) {
      return new Refused(Reason.NOT_LEADER, Optional.ofNullable(leader));
    }
    if (target.equals(self) || !voters.contains(target)) {
      return new Refused(Reason.INVALID_CHANGE, Optional.of(self));
    }
    if (transferTarget != null) {
      return target.equals(transferTarget) ? new Accepted(log.lastIndex(), term)
          : new Refused(Reason.TRANSFERRING, Optional.of(transferTarget));
    }
    transferTarget = target;
    transferDeadline = nowNanos + electionMinNanos;
    events.add(new LeadershipTransfer(self, term, target, LeadershipTransfer.Outcome.STARTED, "asked"));
    Progress pr = progress.get(target);
    if (!maybeSendTimeoutNow(pr)) {
      sendEntries(pr);
    }
    return new Accepted(log.lastIndex(), term);
  }

  /**
   * The shell reports that the log up to the entry ({@code index}, {@code term}), and everything
   * asked before it, is durable. A report for an entry since overwritten is ignored.
   */
  public void persisted(long nowNanos, long term, long index) {
    start(nowNanos);
    if (index > persistedIndex && log.hasTermAt(index) && log.termAt(index) == term) {
      persistedIndex = index;
      if (role == Role.LEADER) {
        maybeCommit();
        stepDownIfRemoved(nowNanos);
      }
    }
  }

  /**
   * The shell has durably stored {@code snapshot}, taken of its state machine after applying every
   * entry up to {@code snapshot.index()} (at most {@link #appliedIndex()}), and has dropped (or may
   * drop) its log up to there: the core drops its in-memory entries up to that index too and keeps
   * the snapshot to send to followers that need them. A snapshot not newer than the current one is
   * ignored.
   *
   * @throws IllegalArgumentException if the snapshot is past the applied index, or its term or
   *     voters are not this log's at its index
   */
  public void compact(long nowNanos, Snapshot snapshot) {
    start(nowNanos);
    if (snapshot.index() <= log.snapshotIndex()) {
      return;
    }
    if (snapshot.index() > appliedIndex || log.termAt(snapshot.index()) != snapshot.term()) {
      throw new IllegalArgumentException(self + ": cannot compact behind " + snapshot + ": applied "
          + appliedIndex + ", term there " + (snapshot.index() <= log.lastIndex() ? log.termAt(snapshot.index()) : -1));
    }
    if (!Set.copyOf(snapshot.voters()).equals(Set.copyOf(votersAt(snapshot.index())))) {
      throw new IllegalArgumentException(self + ": " + snapshot + " has voters " + snapshot.voters()
          + " but the log has " + votersAt(snapshot.index()) + " at its index");
    }
    log.compact(snapshot.index(), snapshot.term());
    this.snapshot = snapshot;
    this.baseVoters = snapshot.voters();
  }

  /** Everything owed to the shell since the last call; see {@link Effects} for the order. */
  public Effects drainEffects() {
    HardState hs = new HardState(term, Optional.ofNullable(votedFor), commitIndex);
    Optional<HardState> persist = Optional.empty();
    if (!hs.equals(reportedHardState)) {
      persist = Optional.of(hs);
      reportedHardState = hs;
    }
    Optional<Snapshot> install = Optional.ofNullable(pendingInstall);
    if (pendingInstall != null) {
      appliedIndex = Math.max(appliedIndex, pendingInstall.index()); // the shell restores it first
      pendingInstall = null;
    }
    List<LogEntry> commit = List.of();
    if (commitIndex > appliedIndex) {
      commit = log.range(appliedIndex + 1, commitIndex);
      appliedIndex = commitIndex;
    }
    List<ReadState> reads = new ArrayList<>();
    while (!confirmedReads.isEmpty() && confirmedReads.peekFirst().index() <= appliedIndex) {
      reads.add(confirmedReads.pollFirst());
    }
    if (install.isEmpty() && persist.isEmpty() && unpersisted.isEmpty() && send.isEmpty() && sendAfterPersist.isEmpty()
        && commit.isEmpty() && reads.isEmpty() && events.isEmpty()) {
      return Effects.NONE;
    }
    Effects fx = new Effects(install, persist, unpersisted, send, sendAfterPersist, commit, reads, events);
    unpersisted.clear();
    send.clear();
    sendAfterPersist.clear();
    events.clear();
    return fx;
  }

  // ------------------------------------------------------------------------------- election

  private boolean start(long nowNanos) {
    if (started) {
      return false;
    }
    started = true;
    resetElectionDeadline(nowNanos);
    return true;
  }

  private void resetElectionDeadline(long nowNanos) {
    electionDeadline = nowNanos + electionMinNanos + random.nextLong(electionSpreadNanos);
  }

  /** Whether this node believes a leader is alive, and so refuses to help unseat it. */
  private boolean inLease(long nowNanos) {
    if (role == Role.LEADER) {
      return true;
    }
    return leader != null && nowNanos - lastLeaderContact < electionMinNanos;
  }

  /** PreVote first: a node that could not win does not move its term and disrupts no one. */
  private void campaign(long nowNanos) {
    if (quorum == 1) {
      becomeCandidate(nowNanos);
      return;
    }
    Role from = role;
    role = Role.PRE_CANDIDATE;
    leader = null;
    votes.clear();
    votes.put(self, true);
    resetElectionDeadline(nowNanos);
    event(from, "election timeout");
    for (NodeId p : peers) {
      send.add(new RequestVote(self, p, term + 1, log.lastIndex(), log.lastTerm(), true, false));
    }
  }

  private void becomeCandidate(long nowNanos) {
    becomeCandidate(nowNanos, false, "won the pre-vote");
  }

  /** A candidate of a leadership transfer ({@code transfer}) asks voters to ignore their lease. */
  private void becomeCandidate(long nowNanos, boolean transfer, String reason) {
    Role from = role;
    term++;
    votedFor = self;
    role = Role.CANDIDATE;
    leader = null;
    votes.clear();
    votes.put(self, true);
    resetElectionDeadline(nowNanos);
    event(from, reason);
    if (quorum == 1) {
      becomeLeader(nowNanos);
      return;
    }
    for (NodeId p : peers) {
      // Only once our own vote is durable: a restart must not let us vote twice in this term.
      sendAfterPersist.add(new RequestVote(self, p, term, log.lastIndex(), log.lastTerm(), false, transfer));
    }
  }

  private void becomeLeader(long nowNanos) {
    Role from = role;
    role = Role.LEADER;
    leader = self;
    progress.clear();
    for (NodeId p : peers) {
      progress.put(p, new Progress(p, log.lastIndex() + 1));
    }
    round = 0;
    heartbeatDeadline = nowNanos + heartbeatNanos;
    checkQuorumDeadline = nowNanos + electionMinNanos;
    event(from, "won the election");
    appendLocal(LogEntry.noOp(log.lastIndex() + 1, term));
    for (Progress pr : progress.values()) {
      sendAppend(pr, true);
    }
  }

  private void becomeFollower(long nowNanos, long newTerm, NodeId newLeader, String reason) {
    Role from = role;
    long oldTerm = term;
    NodeId oldLeader = leader;
    if (newTerm > term) {
      term = newTerm;
      votedFor = null;
    }
    if (from == Role.LEADER) {
      if (transferTarget != null) {
        endTransfer(term > oldTerm ? LeadershipTransfer.Outcome.COMPLETED : LeadershipTransfer.Outcome.ABORTED,
            reason);
      }
      progress.clear();
      abandonReads();
    }
    role = Role.FOLLOWER;
    leader = newLeader;
    if (newLeader != null) {
      lastLeaderContact = nowNanos;
    }
    resetElectionDeadline(nowNanos);
    if (from != role || oldTerm != term || !Objects.equals(oldLeader, leader)) {
      event(from, reason);
    }
  }

  private void checkQuorum(long nowNanos) {
    int active = voters.contains(self) ? 1 : 0;
    for (Progress pr : progress.values()) {
      if (pr.recentActive) {
        active++;
      }
      pr.recentActive = false;
    }
    if (active < quorum) {
      becomeFollower(nowNanos, term, null, "check-quorum: heard from " + active + " of " + voters.size()
          + " voters in an election timeout");
    }
  }

  /** The leader hands over: campaign now, without a pre-vote (the leader vouches that we can win). */
  private void onTimeoutNow(long nowNanos, TimeoutNow tn) {
    if (role == Role.LEADER || !voters.contains(self)) {
      return;
    }
    becomeCandidate(nowNanos, true, "leadership handed over by " + tn.from());
  }

  /** Sends TimeoutNow if {@code pr} is the transfer's target and holds the leader's whole log. */
  private boolean maybeSendTimeoutNow(Progress pr) {
    if (transferTarget == null || pr == null || !pr.peer.equals(transferTarget) || pr.match != log.lastIndex()) {
      return false;
    }
    send.add(new TimeoutNow(self, transferTarget, term));
    return true;
  }

  private void endTransfer(LeadershipTransfer.Outcome outcome, String reason) {
    events.add(new LeadershipTransfer(self, term, transferTarget, outcome, reason));
    transferTarget = null;
  }

  private void onRequestVote(long nowNanos, RequestVote rv) {
    boolean upToDate = rv.lastLogTerm() > log.lastTerm()
        || (rv.lastLogTerm() == log.lastTerm() && rv.lastLogIndex() >= log.lastIndex());
    if (rv.preVote()) {
      boolean grant = rv.term() > term && upToDate && !inLease(nowNanos);
      send.add(new RequestVoteResponse(self, rv.from(), grant ? rv.term() : term, grant, true));
      return;
    }
    boolean free = (votedFor == null && leader == null) || rv.from().equals(votedFor);
    boolean grant = free && upToDate;
    if (grant) {
      votedFor = rv.from();
      resetElectionDeadline(nowNanos);
    }
    sendAfterPersist.add(new RequestVoteResponse(self, rv.from(), term, grant, false));
  }

  private void onVoteResponse(long nowNanos, RequestVoteResponse r) {
    if (r.preVote()) {
      if (role != Role.PRE_CANDIDATE || (r.granted() && r.term() != term + 1)) {
        return;
      }
    } else if (role != Role.CANDIDATE || r.term() != term) {
      return;
    }
    votes.putIfAbsent(r.from(), r.granted());
    long granted = voters.stream().filter(v -> Boolean.TRUE.equals(votes.get(v))).count();
    long refused = voters.stream().filter(v -> Boolean.FALSE.equals(votes.get(v))).count();
    if (granted >= quorum) {
      if (r.preVote()) {
        becomeCandidate(nowNanos);
      } else {
        becomeLeader(nowNanos);
      }
    } else if (refused >= quorum) {
      becomeFollower(nowNanos, term, null, "lost the " + (r.preVote() ? "pre-vote" : "election"));
    }
  }

  // ---------------------------------------------------------------------------- replication

  private void appendLocal(LogEntry e) {
    log.append(e);
    unpersisted.add(e);
    if (e.type() == LogEntry.Type.CONFIG) {
      setConfig(e.voters(), e.index());
    }
  }

  private void onAppendEntries(long nowNanos, AppendEntries ae) {
    if (role != Role.FOLLOWER || !ae.from().equals(leader)) {
      becomeFollower(nowNanos, term, ae.from(), "append from the leader of term " + term);
    }
    lastLeaderContact = nowNanos;
    resetElectionDeadline(nowNanos);
    long prev = ae.prevLogIndex();
    long prevTerm = ae.prevLogTerm();
    List<LogEntry> entries = ae.entries();
    if (prev < log.snapshotIndex()) {
      // Behind our snapshot: that prefix is committed, so it matches; skip what it covers.
      int skip = (int) Math.min(entries.size(), log.snapshotIndex() - prev);
      if (skip > 0 && entries.get(skip - 1).index() == log.snapshotIndex()
          && entries.get(skip - 1).term() != log.snapshotTerm()) {
        throw new IllegalStateException(self + ": leader " + ae.from() + " sends " + entries.get(skip - 1)
            + " where our snapshot has term " + log.snapshotTerm());
      }
      entries = entries.subList(skip, entries.size());
      prev = log.snapshotIndex();
      prevTerm = log.snapshotTerm();
    } else if (prev > log.lastIndex()) {
      sendAfterPersist.add(new AppendEntriesResponse(self, ae.from(), term, false, 0, prev, 0,
          log.lastIndex() + 1, ae.round()));
      return;
    }
    if (log.termAt(prev) != prevTerm) {
      if (prev <= commitIndex) {
        throw new IllegalStateException(self + ": leader " + ae.from() + " of term " + term
            + " disagrees at committed index " + prev + " (ours " + log.termAt(prev) + ", its "
            + ae.prevLogTerm() + ", commit " + commitIndex + ")");
      }
      long conflictTerm = log.termAt(prev);
      sendAfterPersist.add(new AppendEntriesResponse(self, ae.from(), term, false, 0, prev,
          conflictTerm, log.firstIndexOfTermAt(prev), ae.round()));
      return;
    }
    long expected = prev + 1;
    for (LogEntry e : entries) {
      if (e.index() != expected++) {
        throw new IllegalStateException(self + ": entries not contiguous after " + prev + " in " + ae);
      }
      if (e.index() <= log.lastIndex()) {
        if (log.termAt(e.index()) == e.term()) {
          continue;
        }
        if (e.index() <= commitIndex) {
          throw new IllegalStateException(self + ": would overwrite committed entry " + log.get(e.index())
              + " with " + e + " (commit " + commitIndex + ")");
        }
        truncateFrom(e.index());
      }
      appendLocal(e);
    }
    long lastNew = prev + entries.size();
    long newCommit = Math.min(ae.leaderCommit(), lastNew);
    if (newCommit > commitIndex) {
      commitIndex = newCommit;
    }
    sendAfterPersist.add(new AppendEntriesResponse(self, ae.from(), term, true, lastNew, prev, 0, 0,
        ae.round()));
  }

  private void truncateFrom(long index) {
    log.truncateFrom(index);
    if (configIndex >= index) {
      recomputeConfig(); // the change was cut away: back to the set before it
    }
    persistedIndex = Math.min(persistedIndex, index - 1);
    unpersisted.removeIf(e -> e.index() >= index);
  }

  /**
   * A leader heard from a follower: it is active (CheckQuorum), and its answer to heartbeat round
   * {@code round} may confirm reads. Null when this node does not lead or the sender is no follower.
   */
  private Progress heardFrom(NodeId from, long round) {
    Progress pr = role == Role.LEADER ? progress.get(from) : null;
    if (pr == null) {
      return null;
    }
    pr.recentActive = true;
    if (round > pr.ackedRound) {
      pr.ackedRound = round;
      confirmReads();
    }
    return pr;
  }

  private void onAppendResponse(long nowNanos, AppendEntriesResponse r) {
    Progress pr = heardFrom(r.from(), r.round());
    if (pr == null) {
      return;
    }
    if (pr.state == Progress.State.SNAPSHOT) {
      if (r.success() && r.matchIndex() > pr.match) {
        pr.match = r.matchIndex();
        maybeCommit();
        leaveSnapshotIfDone(pr);
      }
      return;
    }
    if (r.success()) {
      if (r.matchIndex() > log.lastIndex()) {
        throw new IllegalStateException(self + ": " + r.from() + " claims to match " + r.matchIndex()
            + " past our last index " + log.lastIndex());
      }
      if (r.matchIndex() > pr.match) {
        pr.match = r.matchIndex();
        pr.progressed = true;
        maybeCommit();
      }
      maybeSendTimeoutNow(pr);
      pr.freeInflightUpTo(r.matchIndex());
      if (pr.state == Progress.State.PROBE) {
        if (r.matchIndex() >= pr.next - 1) {
          pr.becomeReplicate();
        } else {
          pr.paused = false;
        }
      }
      pr.next = Math.max(pr.next, pr.match + 1);
    } else {
      boolean stale = pr.state == Progress.State.REPLICATE
          ? r.rejectedIndex() <= pr.match
          : r.rejectedIndex() != pr.next - 1;
      if (stale || r.rejectedIndex() == 0) {
        return;
      }
      long next = r.conflictIndex();
      if (r.conflictTerm() > 0) {
        long ours = log.lastIndexOfTerm(r.conflictTerm(), r.rejectedIndex());
        if (ours > 0) {
          next = ours + 1;
        }
      }
      next = Math.min(Math.max(next, pr.match + 1), r.rejectedIndex());
      pr.becomeProbe(next);
    }
    sendEntries(pr);
  }

  /**
   * A follower holds what the leader's snapshot covers (it installed it, or had it already): back
   * to probing from its match index.
   */
  private void leaveSnapshotIfDone(Progress pr) {
    if (pr.match >= pr.pendingSnapshot) {
      pr.becomeProbe(pr.match + 1);
      sendEntries(pr);
    }
  }

  private void onSnapshotResponse(InstallSnapshotResponse r) {
    Progress pr = heardFrom(r.from(), r.round());
    if (pr == null) {
      return;
    }
    if (r.matchIndex() > log.lastIndex()) {
      throw new IllegalStateException(self + ": " + r.from() + " claims to match " + r.matchIndex()
          + " past our last index " + log.lastIndex());
    }
    if (r.matchIndex() > pr.match) {
      pr.match = r.matchIndex();
      pr.progressed = true;
      maybeCommit();
    }
    if (pr.state == Progress.State.SNAPSHOT) {
      leaveSnapshotIfDone(pr);
    } else {
      pr.next = Math.max(pr.next, pr.match + 1);
    }
    maybeSendTimeoutNow(pr);
  }

  /**
   * A follower's InstallSnapshot. One already covered by the commit index changes nothing and is
   * answered at once; otherwise the log is replaced (its suffix kept if it extends the snapshot),
   * the commit index moves to the snapshot's, and the shell installs it ({@link Effects#install()})
   * before answering.
   */
  private void onInstallSnapshot(long nowNanos, InstallSnapshot is) {
    if (role != Role.FOLLOWER || !is.from().equals(leader)) {
      becomeFollower(nowNanos, term, is.from(), "snapshot from the leader of term " + term);
    }
    lastLeaderContact = nowNanos;
    resetElectionDeadline(nowNanos);
    Snapshot s = is.snapshot();
    if (s.index() > commitIndex) {
      boolean kept = log.restore(s.index(), s.term());
      baseVoters = s.voters();
      recomputeConfig();
      unpersisted.removeIf(e -> !kept || e.index() <= s.index());
      persistedIndex = kept ? Math.max(persistedIndex, s.index()) : s.index();
      commitIndex = s.index();
      snapshot = s;
      pendingInstall = s;
    }
    sendAfterPersist.add(new InstallSnapshotResponse(self, is.from(), term, s.index(), commitIndex, is.round()));
  }

  /** Sends the snapshot to {@code pr}, which needs entries it has compacted away. */
  private void sendSnapshot(Progress pr) {
    if (snapshot == null || snapshot.index() != log.snapshotIndex()) {
      throw new IllegalStateException(self + ": no snapshot at " + log.snapshotIndex() + " to send: " + snapshot);
    }
    pr.becomeSnapshot(snapshot.index());
    send.add(new InstallSnapshot(self, pr.peer, term, snapshot, round));
  }

  /** Sends as many AppendEntries with entries as the follower's state and window allow. */
  private void sendEntries(Progress pr) {
    while (sendAppend(pr, false)) {
      if (pr.state == Progress.State.PROBE) {
        return;
      }
    }
  }

  /** One AppendEntries from {@code pr.next}; returns whether it was sent. */
  private boolean sendAppend(Progress pr, boolean allowEmpty) {
    if (pr.state == Progress.State.SNAPSHOT
        || (pr.state == Progress.State.PROBE ? pr.paused : pr.inflight.size() >= settings.maxInflight())) {
      return false;
    }
    if (pr.next <= log.snapshotIndex()) {
      sendSnapshot(pr);
      return false;
    }
    List<LogEntry> entries = log.slice(pr.next, settings.maxEntriesPerMessage(), settings.maxBytesPerMessage());
    if (entries.isEmpty() && !allowEmpty) {
      return false;
    }
    long prev = pr.next - 1;
    send.add(new AppendEntries(self, pr.peer, term, prev, log.termAt(prev), entries, commitIndex, round));
    if (pr.state == Progress.State.PROBE) {
      pr.paused = true;
    } else if (!entries.isEmpty()) {
      long last = entries.get(entries.size() - 1).index();
      pr.next = last + 1;
      pr.inflight.addLast(last);
    }
    return true;
  }

  /**
   * An empty AppendEntries at the follower's match index, which always matches (or at the
   * snapshot's index if the match is behind it, which a follower that lacks it refuses: it still
   * acknowledges the round).
   */
  private void sendHeartbeat(NodeId peer, Progress pr) {
    long at = Math.max(pr.match, log.snapshotIndex());
    send.add(new AppendEntries(self, peer, term, at, log.termAt(at), List.of(), commitIndex, round));
  }

  private void heartbeat() {
    for (Map.Entry<NodeId, Progress> e : progress.entrySet()) {
      Progress pr = e.getValue();
      if (pr.state == Progress.State.REPLICATE && !pr.progressed && !pr.inflight.isEmpty()) {
        pr.becomeProbe(pr.match + 1); // nothing acknowledged for a whole interval: appends were lost
      }
      pr.progressed = false;
      if (pr.state == Progress.State.SNAPSHOT) {
        sendHeartbeat(e.getKey(), pr);
        if (++pr.snapshotHeartbeats >= SNAPSHOT_RESEND_HEARTBEATS) {
          sendSnapshot(pr); // unanswered: lost, or the follower restarted before storing it
        }
      } else if (pr.state == Progress.State.PROBE) {
        pr.paused = false;
        sendAppend(pr, true);
      } else {
        sendHeartbeat(e.getKey(), pr);
        sendEntries(pr);
      }
    }
  }

  /**
   * Commits the highest index of the current term held durably by a majority of the voters in
   * force (this leader counts only while it is one of them).
   */
  private void maybeCommit() {
    long[] match = new long[voters.size()];
    int i = 0;
    for (NodeId v : voters) {
      match[i++] = v.equals(self) ? persistedIndex : progress.get(v).match;
    }
    Arrays.sort(match);
    long n = match[match.length - quorum];
    if (n > commitIndex && log.termAt(n) == term) {
      commitIndex = n;
      for (Progress pr : progress.values()) {
        sendAppend(pr, true); // tell followers the new commit index now, not at the next heartbeat
      }
    }
  }

  // ------------------------------------------------------------------------------- ReadIndex

  private void confirmReads() {
    while (!pendingReads.isEmpty()) {
      PendingRead r = pendingReads.peekFirst();
      int acks = voters.contains(self) ? 1 : 0;
      for (Progress pr : progress.values()) {
        if (pr.ackedRound >= r.round()) {
          acks++;
        }
      }
      if (acks < quorum) {
        return;
      }
      pendingReads.pollFirst();
      confirmedReads.addLast(new ReadState(r.requestId(), r.index()));
    }
  }

  private void abandonReads() {
    List<Long> ids = new ArrayList<>();
    pendingReads.forEach(r -> ids.add(r.requestId()));
    confirmedReads.forEach(r -> ids.add(r.requestId()));
    pendingReads.clear();
    confirmedReads.clear();
    if (!ids.isEmpty()) {
      events.add(new RaftEvent.ReadsAbandoned(self, term, ids));
    }
  }

  // ----------------------------------------------------------------------------- voter set

  /** The voters in force at {@code index} (from the snapshot's index on). */
  public List<NodeId> votersAt(long index) {
    if (index < log.snapshotIndex() || index > log.lastIndex()) {
      throw new IllegalArgumentException("no voter set known at " + index + " in " + log.snapshotIndex() + ".."
          + log.lastIndex());
    }
    for (long i = index; i > log.snapshotIndex(); i--) {
      LogEntry e = log.get(i);
      if (e.type() == LogEntry.Type.CONFIG) {
        return e.voters();
      }
    }
    return baseVoters;
  }

  /** The set from the last CONFIG entry in the log, else the base set (after a restart or a cut). */
  private void recomputeConfig() {
    for (long i = log.lastIndex(); i > log.snapshotIndex(); i--) {
      LogEntry e = log.get(i);
      if (e.type() == LogEntry.Type.CONFIG) {
        setConfig(e.voters(), i);
        return;
      }
    }
    setConfig(baseVoters, log.snapshotIndex());
  }

  /** Puts a voter set in force; a leader starts or stops replicating to the servers it adds or removes. */
  private void setConfig(List<NodeId> newVoters, long index) {
    voters = List.copyOf(newVoters);
    peers = voters.stream().filter(v -> !v.equals(self)).toList();
    quorum = voters.size() / 2 + 1;
    configIndex = index;
    if (role == Role.LEADER) {
      progress.keySet().retainAll(peers);
      for (NodeId p : peers) {
        if (!progress.containsKey(p)) {
          // Probe from the CONFIG entry itself, so the new voter is sent something at once.
          Progress pr = new Progress(p, Math.max(1, log.lastIndex()));
          pr.recentActive = true; // give it a CheckQuorum window to answer
          progress.put(p, pr);
        }
      }
    }
  }

  /**
   * A leader that is not in the voter set goes on leading only until that set is committed (it is
   * what makes the removal known to a majority); then it hands over to a voter holding the whole
   * log, if any, and steps down.
   */
  private void stepDownIfRemoved(long nowNanos) {
    if (role != Role.LEADER || voters.contains(self) || commitIndex < configIndex) {
      return;
    }
    Progress best = null;
    for (Progress pr : progress.values()) {
      if (pr.match == log.lastIndex() && (best == null || pr.recentActive)) {
        best = pr;
      }
    }
    if (best != null) {
      send.add(new TimeoutNow(self, best.peer, term));
    }
    becomeFollower(nowNanos, term, null, "removed from the voters by entry " + configIndex);
  }

  private void event(Role from, String reason) {
    events.add(new RaftEvent.RoleChanged(self, term, from, role, Optional.ofNullable(leader), reason));
  }

  // -------------------------------------------------------------------------------- status

  public NodeId self() {
    return self;
  }

  /** The voter set in force (it may include a change not yet committed). */
  public List<NodeId> voters() {
    return voters;
  }

  /** The index of the CONFIG entry (or snapshot) that set {@link #voters()}; 0 for the bootstrap set. */
  public long configIndex() {
    return configIndex;
  }

  public Role role() {
    return role;
  }

  public long term() {
    return term;
  }

  public Optional<NodeId> leader() {
    return Optional.ofNullable(leader);
  }

  /** The voter this leader is handing leadership to, if it is. */
  public Optional<NodeId> transferTarget() {
    return Optional.ofNullable(transferTarget);
  }

  public long commitIndex() {
    return commitIndex;
  }

  /** The last index handed out to apply. */
  public long appliedIndex() {
    return appliedIndex;
  }

  public long lastIndex() {
    return log.lastIndex();
  }

  /** The index the log is compacted up to (that of the last snapshot taken or installed), 0 if none. */
  public long snapshotIndex() {
    return log.snapshotIndex();
  }

  /** The snapshot the log is compacted behind, if any. */
  public Optional<Snapshot> snapshot() {
    return Optional.ofNullable(snapshot);
  }

  /** On a leader, each follower's replication progress; empty on any other node. */
  public List<FollowerProgress> followers() {
    if (role != Role.LEADER) {
      return List.of();
    }
    return progress.values().stream()
        .map(p -> new FollowerProgress(p.peer, p.match, p.next, p.state.name())).toList();
  }

  /** The last index reported durable through {@link #persisted}. */
  public long persistedIndex() {
    return persistedIndex;
  }

  /** The term of the entry at {@code index} (0 for index 0), for indices from {@link #snapshotIndex()} on. */
  public long termAt(long index) {
    return log.termAt(index);
  }

  /** The entry at {@code index}, which is after {@link #snapshotIndex()}. */
  public LogEntry entry(long index) {
    return log.get(index);
  }

  @Override
  public String toString() {
    return self + "[" + role + " t" + term + " leader=" + leader + " last=" + log.lastIndex() + "@"
        + log.lastTerm() + " commit=" + commitIndex + " persisted=" + persistedIndex + " snapshot="
        + log.snapshotIndex() + "]";
  }
}
