/**
 * The Raft core: a pure, single-threaded state machine ({@link io.cairn.coordination.raft.RaftCore})
 * that takes time, messages, proposals and durability reports as inputs and owes its shell
 * {@link io.cairn.coordination.raft.Effects}. No Vert.x, sockets, threads or clocks (checked by
 * {@code PureCoreArchitectureTest}).
 *
 * <p>Decisions a shell must honour:
 * <ul>
 *   <li>Writes are ordered: a batch is durable only after every earlier batch, and
 *       {@code sendAfterPersist}, {@code commit} and {@code reads} of a batch wait for it, even
 *       when the batch itself writes nothing (an acknowledgement may cover entries written by an
 *       earlier batch).
 *   <li>A batch's {@code append} replaces the log from its first index on.
 *   <li>After writing, the shell calls {@code persisted(term, index)} with the batch's last entry;
 *       the leader counts its own copy towards commit only then.
 *   <li>Every node runs PreVote and CheckQuorum; a follower that heard from its leader within
 *       {@code electionTimeoutMin} ignores vote requests (the lease that makes PreVote effective).
 *   <li>ReadIndex: a new leader refuses reads until an entry of its term has committed; a read is
 *       confirmed by a majority answering a heartbeat round sent after it was asked for.
 *   <li>Snapshots: the shell snapshots its state machine at an applied index, makes it durable,
 *       then calls {@code compact}; a follower's shell durably installs {@code Effects.install}
 *       (keeping the log suffix that extends it) and restores its state machine from it before
 *       applying any later commit.
 *   <li>Leadership transfer: the leader refuses proposals while it hands over (reads go on), for
 *       at most an election timeout; the target campaigns without a pre-vote and voters answer it
 *       despite their lease.
 *   <li>Voter changes: one server at a time, each CONFIG entry in force as soon as it is in a
 *       node's log (undone if cut away); a node outside the set never campaigns; a leader that
 *       removed itself steps down once the change commits. A shell that snapshots records the
 *       voters in force at the snapshot's index ({@code RaftCore.votersAt}).
 * </ul>
 */
package io.cairn.coordination.raft;
