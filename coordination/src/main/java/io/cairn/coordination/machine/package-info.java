/**
 * State machines that Raft replicates: each voter applies the same committed commands in the same
 * order ({@link io.cairn.coordination.machine.StateMachine}) and so reaches the same state and
 * gives the same results. {@link io.cairn.coordination.machine.Registers} holds versioned
 * registers and counters; {@link io.cairn.coordination.machine.Primitives} holds sessions, fenced
 * locks and leader elections on a logical clock that the leader's ticks move.
 *
 * <p>Pure like the Raft core (checked by {@code PureCoreArchitectureTest}): no Vert.x, threads or
 * clocks. Time, where a machine needs it, arrives inside commands stamped by the leader. A
 * malformed command is an ordinary input with an error result, never an exception, because every
 * replica must agree on it; applying out of log order is a broken shell and throws.
 */
package io.cairn.coordination.machine;
