package io.cairn.cache.replication;

import io.cairn.cache.cluster.ClusterCommand;
import io.cairn.cache.cluster.ClusterCommand.Synced;
import io.cairn.cache.cluster.ClusterCommand.Transfer;
import io.cairn.cache.cluster.ClusterResult;
import io.cairn.cache.cluster.ClusterView;
import io.cairn.cache.cluster.Holders;
import io.cairn.cache.cluster.Member;
import io.cairn.cache.partition.PartitionTable;
import io.cairn.cache.replication.ReplicaEffect.Answer;
import io.cairn.cache.replication.ReplicaEffect.DropPartition;
import io.cairn.cache.replication.ReplicaEffect.Event;
import io.cairn.cache.replication.ReplicaEffect.Propose;
import io.cairn.cache.replication.ReplicaEffect.ReadChunk;
import io.cairn.cache.replication.ReplicaEffect.Send;
import io.cairn.cache.replication.ReplicaEffect.WriteDone;
import io.cairn.cache.replication.ReplicaMessage.Rejected;
import io.cairn.cache.replication.ReplicaMessage.Reply;
import io.cairn.cache.replication.ReplicaMessage.Replicate;
import io.cairn.cache.replication.ReplicaMessage.SyncBegin;
import io.cairn.cache.replication.ReplicaMessage.SyncChunk;
import io.cairn.cache.replication.ReplicaMessage.SyncEnd;
import io.cairn.membership.NodeId;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One node's part in the replication of the partitions: whether it may serve a partition now,
 * which holders each write must reach before it is acknowledged, how a pending replica is filled
 * (a sync), when an owner hands a partition over, and what another owner may send it. Pure and
 * single-threaded: its shell feeds it the cluster map's views, its lease's keepalives, the replies
 * of other nodes and the time, and carries out the {@link ReplicaEffect}s it drains.
 *
 * <h2>Serving</h2>
 *
 * This node serves partition {@code p} (reads and writes) only while: the newest view it knows
 * makes it {@code p}'s owner; that view names the session of its lease (so a view from before a
 * restart or an expiry is never served by); less than {@link ReplicaSettings#servingNanos()} has
 * passed since it sent the last keepalive of that session that the group acknowledged; and it is
 * not handing {@code p} over. The group moves a partition away from a live owner only by the
 * owner's own hand-over (during which the owner serves nothing of it, until it has learned the
 * outcome), and from an owner whose session ended, which it only ends a whole TTL after applying
 * its last keepalive. So two nodes never serve one partition at once, as long as clocks advance at
 * rates within 20% of each other and a node does not pause between its check and its answer.
 *
 * <h2>Writes</h2>
 *
 * A write is admitted ({@link #beginWrite}), done locally by the shell (precondition, store), then
 * sent to every backup of the partition in this node's view ({@link #replicate}); it is
 * acknowledged ({@link WriteDone}) once each of them applied it, or left its backups (a newer
 * view), and only while this node still serves the partition. Writes are also sent to pending
 * replicas whose sync has begun, without waiting for them, but a sync is only reported complete
 * once the pending replica applied every write sent to it. Unanswered requests are sent again
 * every {@code retryNanos}; receivers apply by version, so a repeat changes nothing.
 *
 * <h2>Syncs</h2>
 *
 * The owner fills each pending replica of its partitions: {@link SyncBegin} (the replica empties
 * its copy), chunks of the partition one at a time, {@link SyncEnd}; then, once the replica has
 * every write sent to it, it proposes {@link Synced}. When the target table makes that replica the
 * owner, it first stops serving the partition and waits for its writes in flight, and the
 * proposal hands the partition over; likewise it hands a partition to a backup that the target
 * makes its owner ({@link Transfer}). A proposal whose outcome is unknown is proposed again; the
 * partition stays stopped until a view at least as new as a definite answer shows who owns it.
 *
 * <h2>Receiving</h2>
 *
 * A request naming a newer epoch than this node's view waits for that view (up to {@code
 * deferNanos}). Then a write is applied only when the sender owns the partition in this node's view
 * and this node is its backup, or its pending replica in a sync from that owner; sync messages
 * only from the owner to its pending replica, for the current sync.
 */
public final class ReplicaCore {
  /** Whether a request may be served here. */
  public enum Admission {
    /** This node serves the partition now. */
    SERVE,
    /** Another node owns it (or nobody, for now): route elsewhere, once the view says where. */
    NOT_OWNER,
    /** This node owns it but its lease is not valid: it may be cut off from the coordination group. */
    NO_LEASE,
    /** Not yet, but soon: the cluster is forming, or the partition is being handed over. */
    RETRY
  }

  /** What a receiver does with a request: apply it and acknowledge, acknowledge only, or refuse. */
  public enum Action { APPLY, ACK, REJECT }

  /** A decision on an inbound request; {@code epoch} is this node's view's, for a refusal. */
  public record Verdict(Action action, long epoch) {
    /** The reply to send once the action is done. */
    public Reply reply() {
      return action == Action.REJECT ? new Rejected(epoch) : Reply.OK;
    }
  }

  private final NodeId self;
  private final ReplicaSettings settings;
  private final List<ReplicaEffect> effects = new ArrayList<>();

  private ClusterView view = ClusterView.EMPTY;
  private BitSet held;
  private int[] inFlight = new int[0];

  private boolean leaseKnown;
  private long leaseSession;
  private long leaseSentAt;
  private boolean servedBefore;

  /** A proposal's answer showed the map at this revision: no sync starts from an older view. */
  private long minRevision;
  private long nextWriteId = 1;
  private long nextSync = 1;
  private final Map<Long, Write> writes = new HashMap<>();
  private final Map<Integer, Map<NodeId, Sync>> syncs = new TreeMap<>();
  private final Map<Integer, Receiving> receiving = new HashMap<>();
  private final Map<Integer, HandOver> handOvers = new TreeMap<>();
  private final Map<Long, Deferred> deferred = new LinkedHashMap<>();

  public ReplicaCore(NodeId self, ReplicaSettings settings) {
    this.self = self;
    this.settings = settings;
  }

  // ============================================================================ state

  private static final class Write {
    final long id;
    final int partition;
    boolean replicating;
    final Set<NodeId> waiting = new HashSet<>();
    final Map<NodeId, Long> sentAt = new HashMap<>();

    Write(long id, int partition) {
      this.id = id;
      this.partition = partition;
    }
  }

  private enum Stage { BEGIN, STREAM, END, DRAIN, REPORT }

  /** An owner's sync of one pending replica. */
  private static final class Sync {
    final int partition;
    final NodeId target;
    final long targetSession;
    final long id;
    Stage stage = Stage.BEGIN;
    int seq;
    boolean reading;
    boolean last;
    /** A chunk that could not be read is read again from {@code rereadAt}. */
    boolean reread;
    long rereadAt;
    /** The message of the current stage, and when it was last sent (0: not out). */
    ReplicaMessage out;
    long outAt;
    /**
     * Its request failed (no answer within the transport's timeout, or a refusal): it is sent
     * again {@code retryNanos} later. One that is still on its way is not: a receiver that takes
     * a while to apply a chunk would get it twice, and the chunk would cross the network twice.
     */
    boolean outFailed;
    /** Writes sent to the target and not yet acknowledged by it, with when they were last sent. */
    final Map<Long, Long> unacked = new HashMap<>();
    /** A non-hand-over report was proposed: new writes wait for the target like for a backup. */
    boolean promoting;
    /** The report hands the partition over: it is proposed as a {@link HandOver}. */
    boolean handOver;
    ClusterCommand proposal;
    boolean proposalOut;
    boolean proposalRetry;
    long proposalRetryAt;

    Sync(int partition, NodeId target, long targetSession, long id) {
      this.partition = partition;
      this.target = target;
      this.targetSession = targetSession;
      this.id = id;
    }
  }

  /** A pending replica's side of a sync. */
  private record Receiving(NodeId from, long syncId, boolean ended) {}

  /** A partition this owner has stopped serving to hand it over. */
  private static final class HandOver {
    final ClusterCommand command;
    final Sync sync; // for Synced with handOver; null for Transfer
    boolean out;
    /** An earlier proposal's outcome is unknown: propose again from {@code retryAt}. */
    boolean retrying;
    long retryAt;
    /** A definite answer came at this revision: unfreeze once the view is that new (0: none yet). */
    long settledAt;

    HandOver(ClusterCommand command, Sync sync) {
      this.command = command;
      this.sync = sync;
    }
  }

  private record Deferred(NodeId from, ReplicaMessage message, long since) {}

  // ============================================================================ inputs

  /** A newer view of the cluster map (an older or equal one is ignored). */
  public void viewChanged(long now, ClusterView next) {
    if (next.revision() <= view.revision()) {
      return;
    }
    boolean wasServing = view.formed() && leaseValid(now);
    view = next;
    if (!view.formed()) {
      return;
    }
    if (inFlight.length != view.partitionCount()) {
      inFlight = new int[view.partitionCount()];
    }
    dropWhatIsNotHeld();
    for (Write w : List.copyOf(writes.values())) {
      settleWrite(now, w);
    }
    reviewSyncs(now);
    reviewReceiving();
    reviewHandOvers(now);
    redecideDeferred(now, false);
    leaseEvents(now, wasServing);
  }

  /**
   * The group acknowledged a keepalive (or the creation) of {@code session}, sent at {@code
   * sentAt}: this node's lease now runs from then.
   */
  public void leaseRenewed(long now, long session, long sentAt) {
    boolean was = view.formed() && leaseValid(now);
    if (!leaseKnown || session != leaseSession || sentAt - leaseSentAt > 0) {
      leaseKnown = true;
      leaseSession = session;
      leaseSentAt = sentAt;
    }
    leaseEvents(now, was);
    for (Write w : List.copyOf(writes.values())) {
      settleWrite(now, w);
    }
    reviewHandOvers(now);
  }

  /** The group says {@code session} is over: this node serves nothing until a new session joins. */
  public void leaseEnded(long now, long session) {
    if (leaseKnown && session == leaseSession) {
      boolean was = view.formed() && leaseValid(now);
      leaseKnown = false;
      leaseEvents(now, was);
    }
  }

  /** Time passes: requests are sent again, waits expire. */
  public void tick(long now) {
    if (!view.formed()) {
      return;
    }
    reviewSyncs(now);
    for (Write w : writes.values()) {
      if (w.replicating) {
        for (NodeId n : w.waiting) {
          resendIfDue(now, n, w);
        }
      }
    }
    for (Map<NodeId, Sync> bySync : List.copyOf(syncs.values())) {
      for (Sync s : List.copyOf(bySync.values())) {
        if (bySync.get(s.target) != s) {
          continue; // given up meanwhile
        }
        if (s.out != null && s.outFailed && now - s.outAt >= settings.retryNanos()) {
          send(now, s, s.out);
        }
        if (s.stage == Stage.STREAM && s.out == null && !s.reading && s.reread && now - s.rereadAt >= 0) {
          s.reread = false;
          readNext(s);
        }
        for (Map.Entry<Long, Long> u : s.unacked.entrySet()) {
          if (now - u.getValue() >= settings.retryNanos()) {
            u.setValue(now);
            effects.add(new Send(s.target, new Replicate(s.partition, view.assignments().epoch(), u.getKey(), s.id)));
          }
        }
        if (s.stage == Stage.DRAIN) {
          advanceSync(now, s);
        }
        if (s.stage == Stage.REPORT && !s.handOver && s.proposal != null && !s.proposalOut
            && (!s.proposalRetry || now - s.proposalRetryAt >= 0)) {
          proposeSync(now, s);
        }
      }
    }
    for (HandOver h : handOvers.values()) {
      if (due(now, h) && ready(h) && leaseValid(now)) {
        h.out = true;
        effects.add(new Propose(h.command));
      }
    }
    redecideDeferred(now, true);
  }

  // ============================================================================ serving

  /** Whether a request for {@code partition} may be served here now. */
  public Admission admit(long now, int partition) {
    if (!view.formed() || view.partitionCount() != inFlight.length) {
      return Admission.RETRY;
    }
    if (!self.equals(view.assignments().owner(partition))) {
      return Admission.NOT_OWNER;
    }
    if (!leaseValid(now)) {
      return Admission.NO_LEASE;
    }
    return handOvers.containsKey(partition) ? Admission.RETRY : Admission.SERVE;
  }

  /** The view this node routes by. */
  public ClusterView view() {
    return view;
  }

  /**
   * Whether this node's lease is valid now: its view names the lease's session, and less than
   * {@link ReplicaSettings#servingNanos()} passed since the last acknowledged keepalive was sent.
   */
  public boolean leaseValid(long now) {
    Member me = view.members().get(self);
    return leaseKnown && me != null && me.session() == leaseSession
        && now - leaseSentAt < settings.servingNanos();
  }

  /** When the lease, as it stands, stops being valid (meaningful only while {@link #leaseValid}). */
  public long leaseValidUntil() {
    return leaseSentAt + settings.servingNanos();
  }

  /** The partitions this node is handing over (it serves none of them meanwhile). */
  public Set<Integer> handingOver() {
    return Set.copyOf(handOvers.keySet());
  }

  /**
   * What this node is doing about {@code partition}, for diagnostics: its view's holders, its
   * syncs (stage, chunk, unacknowledged writes, proposal), hand-over and writes in flight.
   */
  public String describe(long now, int partition) {
    StringBuilder b = new StringBuilder().append(self).append(" at revision ").append(view.revision())
        .append(" epoch ").append(view.formed() ? view.assignments().epoch() : 0);
    if (!view.formed() || partition < 0 || partition >= view.partitionCount()) {
      return b.append(": no such partition in its view").toString();
    }
    b.append(", lease ").append(leaseValid(now) ? "valid" : "not valid").append(", minRevision ")
        .append(minRevision).append(": ").append(view.assignments().holders(partition));
    if (view.target() != null) {
      b.append(", target owner ").append(view.target().owner(partition));
    }
    b.append(", in flight ").append(inFlight.length > partition ? inFlight[partition] : 0);
    for (Sync s : syncs.getOrDefault(partition, Map.of()).values()) {
      b.append(", sync ").append(s.id).append(' ');
      describe(b, s);
    }
    HandOver h = handOvers.get(partition);
    if (h != null) {
      b.append(", hand-over ").append(h.command).append(h.out ? " out" : "").append(h.retrying ? " retrying" : "")
          .append(" settled at ").append(h.settledAt);
    }
    Receiving r = receiving.get(partition);
    if (r != null) {
      b.append(", receiving ").append(r);
    }
    return b.toString();
  }

  /** The session this node's lease belongs to, or 0 before it has one. */
  public long leaseSession() {
    return leaseKnown ? leaseSession : 0;
  }

  // ============================================================================ writes

  /**
   * Starts a write of {@code partition}, which must be admitted ({@link Admission#SERVE}); returns
   * its id, or 0 when it is not admitted.
   */
  public long beginWrite(long now, int partition) {
    if (admit(now, partition) != Admission.SERVE) {
      return 0;
    }
    long id = nextWriteId++;
    writes.put(id, new Write(id, partition));
    inFlight[partition]++;
    return id;
  }

  /** The write was done locally: send it to the holders that must have it. */
  public void replicate(long now, long writeId) {
    Write w = writes.get(writeId);
    if (w == null || w.replicating) {
      return;
    }
    w.replicating = true;
    int p = w.partition;
    if (self.equals(view.assignments().owner(p))) {
      w.waiting.addAll(mustHave(p));
      for (NodeId n : w.waiting) {
        w.sentAt.put(n, now);
        effects.add(new Send(n, replicateTo(n, w)));
      }
      for (Sync s : syncs.getOrDefault(p, Map.of()).values()) {
        if (s.stage != Stage.BEGIN && !w.waiting.contains(s.target)) {
          s.unacked.put(w.id, now);
          effects.add(new Send(s.target, new Replicate(p, view.assignments().epoch(), w.id, s.id)));
        }
      }
    }
    settleWrite(now, w);
  }

  /** The write failed or was refused locally (a precondition, the store): nothing was sent. */
  public void abandon(long now, long writeId) {
    Write w = writes.remove(writeId);
    if (w != null) {
      inFlight[w.partition]--;
      reviewHandOvers(now);
    }
  }

  /** The holders of {@code p} whose acknowledgement a write needs: its backups, and replicas being promoted. */
  private Set<NodeId> mustHave(int p) {
    Set<NodeId> must = new HashSet<>(view.assignments().holders(p).backups());
    for (Sync s : syncs.getOrDefault(p, Map.of()).values()) {
      if (s.promoting) {
        must.add(s.target);
      }
    }
    return must;
  }

  private void settleWrite(long now, Write w) {
    int p = w.partition;
    if (!self.equals(view.assignments().owner(p))) {
      finishWrite(now, w, false);
      return;
    }
    if (!w.replicating) {
      return;
    }
    w.waiting.retainAll(mustHave(p));
    if (w.waiting.isEmpty() && leaseValid(now)) {
      finishWrite(now, w, true); // without a valid lease it waits: for a renewal, or to lose the partition
    }
  }

  private void finishWrite(long now, Write w, boolean acknowledged) {
    if (writes.remove(w.id) == null) {
      return;
    }
    inFlight[w.partition]--;
    for (Sync s : syncs.getOrDefault(w.partition, Map.of()).values()) {
      if (!acknowledged) {
        s.unacked.remove(w.id); // never acknowledged: a replica need not have it
      }
    }
    effects.add(new WriteDone(w.id, acknowledged));
    reviewHandOvers(now);
  }

  /** Write {@code w} for holder {@code n}: in its sync while it is being promoted, else as to a backup. */
  private Replicate replicateTo(NodeId n, Write w) {
    Sync s = syncs.getOrDefault(w.partition, Map.of()).get(n);
    return new Replicate(w.partition, view.assignments().epoch(), w.id, s == null ? 0 : s.id);
  }

  private void resendIfDue(long now, NodeId n, Write w) {
    Long at = w.sentAt.get(n);
    if (at == null || now - at >= settings.retryNanos()) {
      w.sentAt.put(n, now);
      effects.add(new Send(n, replicateTo(n, w)));
    }
  }

  // ============================================================================ replies

  /** The reply of {@code from} to {@code message}, which this node sent. */
  public void answered(long now, NodeId from, ReplicaMessage message, Reply reply) {
    if (!view.formed()) {
      return;
    }
    boolean ok = reply instanceof ReplicaMessage.Ok;
    if (message instanceof Replicate r) {
      if (!ok) {
        return; // sent again on a later tick; a newer view may make it moot
      }
      Write w = writes.get(r.writeId());
      if (w != null && w.waiting.remove(from)) {
        settleWrite(now, w);
      }
      Sync s = syncs.getOrDefault(r.partition(), Map.of()).get(from);
      if (s != null && s.unacked.remove(r.writeId()) != null) {
        advanceSync(now, s);
      }
      return;
    }
    Sync s = syncs.getOrDefault(message.partition(), Map.of()).get(from);
    if (s == null || s.out == null || !s.out.equals(message)) {
      return; // an answer to something this node no longer waits for
    }
    if (!ok) {
      s.outFailed = true; // sent again after retryNanos
      s.outAt = now;
      return;
    }
    s.out = null;
    switch (s.stage) {
      case BEGIN -> {
        s.stage = Stage.STREAM;
        // writes sent while the replica was not yet emptied: it must have them too (the chunks,
        // read from now on, may miss those that are not installed yet)
        for (Write w : writes.values()) {
          if (w.partition == s.partition && w.replicating && !w.waiting.contains(s.target)) {
            s.unacked.put(w.id, now);
            effects.add(new Send(s.target, new Replicate(s.partition, view.assignments().epoch(), w.id, s.id)));
          }
        }
        readNext(s);
      }
      case STREAM -> {
        if (s.last) {
          s.stage = Stage.END;
          send(now, s, new SyncEnd(s.partition, s.id));
        } else {
          s.seq++;
          readNext(s);
        }
      }
      case END -> {
        s.stage = Stage.DRAIN;
        advanceSync(now, s);
      }
      default -> { }
    }
  }

  /** Chunk {@code seq} of sync {@code syncId} was read (its entries are the shell's); {@code last} if no more follow. */
  public void chunkRead(long now, long syncId, int seq, boolean last) {
    Sync s = syncById(syncId);
    if (s == null || s.stage != Stage.STREAM || s.seq != seq || !s.reading) {
      return;
    }
    s.reading = false;
    s.last = last;
    send(now, s, new SyncChunk(s.partition, s.id, seq));
  }

  /** Chunk {@code seq} could not be read: it is asked for again on a later tick. */
  public void chunkFailed(long now, long syncId, int seq) {
    Sync s = syncById(syncId);
    if (s != null && s.stage == Stage.STREAM && s.seq == seq && s.reading) {
      s.reading = false;
      s.reread = true;
      s.rereadAt = now + settings.retryNanos();
    }
  }

  /** The result of a proposal this node made; null when its outcome is unknown. */
  public void proposed(long now, ClusterCommand command, ClusterResult result) {
    if (result != null) {
      minRevision = Math.max(minRevision, revisionOf(result));
    }
    for (Map.Entry<Integer, HandOver> e : handOvers.entrySet()) {
      HandOver h = e.getValue();
      if (h.command.equals(command) && h.out) {
        h.out = false;
        if (result == null) {
          h.retrying = true; // proposed again: its outcome must be known
          h.retryAt = now + settings.retryNanos();
        } else {
          h.settledAt = revisionOf(result);
        }
        reviewHandOvers(now);
        return;
      }
    }
    for (Map<NodeId, Sync> bySync : syncs.values()) {
      for (Sync s : bySync.values()) {
        if (command.equals(s.proposal) && s.proposalOut) {
          s.proposalOut = false;
          if (result == null) {
            s.proposalRetry = true;
            s.proposalRetryAt = now + settings.retryNanos();
          } else if (result instanceof ClusterResult.Refused) {
            abandonSync(s, "refused: " + ((ClusterResult.Refused) result).reason());
          }
          // done: the view will show the replica as a backup, which ends the sync
          return;
        }
      }
    }
  }

  private static long revisionOf(ClusterResult r) {
    if (r instanceof ClusterResult.Done d) {
      return Math.max(1, d.revision());
    }
    if (r instanceof ClusterResult.Refused f) {
      return Math.max(1, f.revision());
    }
    return 1;
  }

  // ============================================================================ receiving

  /**
   * A request {@code requestId} from {@code from}: what to do with it now, or null when it must
   * wait for a newer view (its decision then comes as an {@link Answer}).
   */
  public Verdict receive(long now, long requestId, NodeId from, ReplicaMessage message) {
    Verdict v = decide(from, message);
    if (v == null) {
      deferred.put(requestId, new Deferred(from, message, now));
    }
    return v;
  }

  private Verdict decide(NodeId from, ReplicaMessage m) {
    long epoch = view.formed() ? view.assignments().epoch() : 0;
    long needs = m instanceof Replicate r ? r.epoch() : m instanceof SyncBegin b ? b.epoch() : 0;
    if (!view.formed() || epoch < needs) {
      return null;
    }
    int p = m.partition();
    if (p < 0 || p >= view.partitionCount()) {
      return new Verdict(Action.REJECT, epoch);
    }
    Holders h = view.assignments().holders(p);
    boolean fromOwner = from.equals(h.owner());
    Receiving r = receiving.get(p);
    Verdict reject = new Verdict(Action.REJECT, epoch);
    if (m instanceof Replicate w) {
      boolean backup = h.backups().contains(self);
      boolean filling = h.pending().contains(self) && r != null && r.from().equals(from) && r.syncId() == w.syncId();
      return fromOwner && (backup || filling) ? new Verdict(Action.APPLY, epoch) : reject;
    }
    if (!fromOwner || !h.pending().contains(self)) {
      return reject;
    }
    if (m instanceof SyncBegin b) {
      if (r != null && r.syncId() == b.syncId()) {
        return new Verdict(Action.ACK, epoch); // a repeat: the replica was emptied already
      }
      if (r != null && r.from().equals(from) && Long.compareUnsigned(b.syncId(), r.syncId()) < 0) {
        return reject; // an owner's syncs only go forward: this one was given up (a late copy)
      }
      receiving.put(p, new Receiving(from, b.syncId(), false));
      return new Verdict(Action.APPLY, epoch);
    }
    long syncId = m instanceof SyncChunk c ? c.syncId() : ((SyncEnd) m).syncId();
    if (r == null || r.syncId() != syncId || !r.from().equals(from)) {
      return reject;
    }
    if (r.ended()) {
      return new Verdict(Action.ACK, epoch); // a repeat after the end: never applied again
    }
    if (m instanceof SyncEnd) {
      receiving.put(p, new Receiving(from, syncId, true));
    }
    return new Verdict(Action.APPLY, epoch);
  }

  private void redecideDeferred(long now, boolean expire) {
    for (Iterator<Map.Entry<Long, Deferred>> it = deferred.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, Deferred> e = it.next();
      Deferred d = e.getValue();
      Verdict v = decide(d.from(), d.message());
      if (v == null && expire && now - d.since() >= settings.deferNanos()) {
        v = new Verdict(Action.REJECT, view.formed() ? view.assignments().epoch() : 0);
      }
      if (v != null) {
        it.remove();
        effects.add(new Answer(e.getKey(), v));
      }
    }
  }

  private void reviewReceiving() {
    receiving.keySet().removeIf(p -> {
      Holders h = view.assignments().holders(p);
      return !h.pending().contains(self) || !receiving.get(p).from().equals(h.owner());
    });
  }

  private void dropWhatIsNotHeld() {
    BitSet now = new BitSet(view.partitionCount());
    for (int p = 0; p < view.partitionCount(); p++) {
      if (view.assignments().holders(p).holds(self)) {
        now.set(p);
      }
    }
    for (int p = 0; p < view.partitionCount(); p++) {
      boolean before = held == null || held.get(p);
      if (before && !now.get(p)) {
        effects.add(new DropPartition(p));
      }
    }
    held = now;
  }

  // ============================================================================ syncs

  private void reviewSyncs(long now) {
    // end the syncs that no longer apply
    for (Map<NodeId, Sync> bySync : List.copyOf(syncs.values())) {
      for (Sync s : List.copyOf(bySync.values())) {
        Holders h = view.assignments().holders(s.partition);
        Member target = view.members().get(s.target);
        if (h.backups().contains(s.target) && self.equals(h.owner()) || s.target.equals(h.owner())) {
          bySync.remove(s.target);
          effects.add(new Event(Event.Kind.SYNC_COMPLETED, s.partition, s.target, "sync " + s.id));
        } else if (!self.equals(h.owner()) || !h.pending().contains(s.target) || target == null
            || target.session() != s.targetSession) {
          abandonSync(s, "the view changed");
        }
      }
    }
    syncs.values().removeIf(Map::isEmpty);
    // start the ones owed, only as the owner with a valid lease and a view not older than what
    // this node knows was committed (a stale view could name as pending a replica since promoted)
    if (!leaseValid(now) || view.revision() < minRevision) {
      return;
    }
    for (int p = 0; p < view.partitionCount(); p++) {
      Holders h = view.assignments().holders(p);
      if (!self.equals(h.owner())) {
        continue;
      }
      for (NodeId n : h.pending()) {
        if (!syncs.getOrDefault(p, Map.of()).containsKey(n)) {
          // unique per owner incarnation: its session (a log index), then a counter
          Sync s = new Sync(p, n, view.members().get(n).session(), (leaseSessionOrZero() << 24) | (nextSync++ & 0xffffff));
          syncs.computeIfAbsent(p, k -> new TreeMap<>()).put(n, s);
          effects.add(new Event(Event.Kind.SYNC_STARTED, p, n, "sync " + s.id));
          send(now, s, new SyncBegin(p, view.assignments().epoch(), s.id));
        }
      }
    }
  }

  private long leaseSessionOrZero() {
    return leaseKnown ? leaseSession : 0;
  }

  private void abandonSync(Sync s, String why) {
    Map<NodeId, Sync> bySync = syncs.get(s.partition);
    if (bySync != null && bySync.remove(s.target) != null) {
      effects.add(new Event(Event.Kind.SYNC_ABANDONED, s.partition, s.target, "sync " + s.id + ": " + why));
      if (bySync.isEmpty()) {
        syncs.remove(s.partition);
      }
    }
    HandOver h = handOvers.get(s.partition);
    if (h != null && h.sync == s && !h.out && h.settledAt == 0) {
      handOvers.remove(s.partition); // not proposed yet: nothing to wait for
    }
  }

  private void readNext(Sync s) {
    s.reading = true;
    effects.add(new ReadChunk(s.partition, s.id, s.seq));
  }

  private void send(long now, Sync s, ReplicaMessage m) {
    s.out = m;
    s.outAt = now;
    s.outFailed = false;
    effects.add(new Send(s.target, m));
  }

  private Sync syncById(long id) {
    for (Map<NodeId, Sync> bySync : syncs.values()) {
      for (Sync s : bySync.values()) {
        if (s.id == id) {
          return s;
        }
      }
    }
    return null;
  }

  /** In DRAIN: once the target has every write sent to it, report it (handing over if the target says so). */
  private void advanceSync(long now, Sync s) {
    if (s.stage != Stage.DRAIN || !s.unacked.isEmpty()) {
      return;
    }
    PartitionTable target = view.target();
    boolean handOver = target != null && s.target.equals(target.owner(s.partition));
    if (handOver && syncs.getOrDefault(s.partition, Map.of()).size() > 1) {
      return; // the other replicas being filled would have to start over with the new owner: first them
    }
    if (handOver && handOvers.containsKey(s.partition)) {
      return; // another hand-over of the partition (a transfer to a backup) first: its outcome decides
    }
    Synced report = new Synced(s.partition, self, leaseSession, s.target, s.targetSession, handOver);
    s.stage = Stage.REPORT;
    s.proposal = report;
    s.handOver = handOver;
    if (handOver) {
      if (!handOvers.containsKey(s.partition)) {
        handOvers.put(s.partition, new HandOver(report, s));
        reviewHandOvers(now);
      }
    } else {
      s.promoting = true;
      proposeSync(now, s);
    }
  }

  private void proposeSync(long now, Sync s) {
    if (!s.unacked.isEmpty()) {
      return;
    }
    s.proposalOut = true;
    effects.add(new Propose(s.proposal));
  }

  // ============================================================================ hand-overs

  /**
   * Starts the hand-overs the target asks for (to a backup: {@link Transfer}); proposes those whose
   * partition has no write in flight; ends those whose outcome the view shows.
   */
  private void reviewHandOvers(long now) {
    if (!view.formed()) {
      return;
    }
    for (int p : List.copyOf(handOvers.keySet())) {
      HandOver h = handOvers.get(p);
      boolean owner = self.equals(view.assignments().owner(p));
      if (h != null && (!owner || h.settledAt != 0 && view.revision() >= h.settledAt)) {
        handOvers.remove(p);
        if (!owner) {
          effects.add(new Event(Event.Kind.HANDED_OVER, p, view.assignments().owner(p),
              "at epoch " + view.assignments().epoch()));
        } else if (h.sync != null) {
          abandonSync(h.sync, "the hand-over was refused");
        }
      }
    }
    PartitionTable target = view.target();
    if (target != null && leaseValid(now)) {
      for (int p = 0; p < view.partitionCount(); p++) {
        Holders h = view.assignments().holders(p);
        NodeId want = target.owner(p);
        if (self.equals(h.owner()) && !want.equals(self) && h.backups().contains(want) && !handOvers.containsKey(p)) {
          handOvers.put(p, new HandOver(new Transfer(p, self, leaseSession, want), null));
        }
      }
    }
    for (Map.Entry<Integer, HandOver> e : handOvers.entrySet()) {
      HandOver h = e.getValue();
      if (due(now, h) && ready(h) && leaseValid(now)) {
        h.out = true;
        effects.add(new Propose(h.command));
      }
    }
  }

  /** Whether {@code h} waits to be proposed (for the first time, or again after an unknown outcome). */
  private static boolean due(long now, HandOver h) {
    return !h.out && h.settledAt == 0 && (!h.retrying || now - h.retryAt >= 0);
  }

  /** A hand-over may be proposed once no write of its partition is in flight and the replica has them all. */
  private boolean ready(HandOver h) {
    int p = h.command instanceof Transfer t ? t.partition() : ((Synced) h.command).partition();
    return inFlight[p] == 0 && (h.sync == null || h.sync.unacked.isEmpty());
  }

  // ============================================================================ helpers

  private void leaseEvents(long now, boolean wasServing) {
    boolean serving = view.formed() && leaseValid(now);
    if (wasServing && !serving) {
      effects.add(new Event(Event.Kind.LEASE_LOST, -1, self, "session " + leaseSessionOrZero()));
    } else if (!wasServing && serving && servedBefore) {
      effects.add(new Event(Event.Kind.LEASE_REGAINED, -1, self, "session " + leaseSessionOrZero()));
    }
    servedBefore |= serving;
  }

  /** Everything owed since the last drain, in order. */
  public List<ReplicaEffect> drainEffects() {
    if (effects.isEmpty()) {
      return List.of();
    }
    List<ReplicaEffect> out = List.copyOf(effects);
    effects.clear();
    return out;
  }

  /** The syncs and hand-overs under way, for a diagnostic line. */
  public String describe() {
    StringBuilder out = new StringBuilder("writes " + writes.size() + ", syncs [");
    for (Map<NodeId, Sync> bySync : syncs.values()) {
      for (Sync s : bySync.values()) {
        out.append("p").append(s.partition).append(' ');
        describe(out, s);
        out.append("; ");
      }
    }
    out.append("], hand-overs ").append(handOvers.keySet()).append(", deferred ").append(deferred.size());
    return out.toString();
  }

  private static void describe(StringBuilder b, Sync s) {
    b.append("to ").append(s.target).append(' ').append(s.stage).append(" seq ").append(s.seq)
        .append(s.reading ? " reading" : "").append(" unacked ").append(s.unacked.keySet())
        .append(s.out == null ? "" : " out " + s.out).append(s.promoting ? " promoting" : "")
        .append(s.handOver ? " handing over" : "").append(s.proposalOut ? " proposal out" : "")
        .append(s.proposalRetry ? " proposal retry" : "");
  }

  /** Whether write {@code writeId} may still be sent: in flight, or owed to a pending replica. */
  public boolean needs(long writeId) {
    if (writes.containsKey(writeId)) {
      return true;
    }
    for (Map<NodeId, Sync> bySync : syncs.values()) {
      for (Sync s : bySync.values()) {
        if (s.unacked.containsKey(writeId)) {
          return true;
        }
      }
    }
    return false;
  }

  /** The ids of the syncs under way as owner. */
  public Set<Long> syncIds() {
    Set<Long> ids = new HashSet<>();
    for (Map<NodeId, Sync> bySync : syncs.values()) {
      for (Sync s : bySync.values()) {
        ids.add(s.id);
      }
    }
    return ids;
  }

  /** Writes in flight (for tests and metrics). */
  public int writesInFlight() {
    return writes.size();
  }

  /** Syncs under way as owner (for metrics). */
  public int syncsUnderWay() {
    int n = 0;
    for (Map<NodeId, Sync> bySync : syncs.values()) {
      n += bySync.size();
    }
    return n;
  }
}
