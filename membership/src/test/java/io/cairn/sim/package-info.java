/**
 * Deterministic simulation fixtures, shipped in membership's test-jar for the Raft and cache
 * simulations too: {@link io.cairn.sim.SimClock} (virtual nanos that may start near
 * {@code Long.MAX_VALUE} and wrap), {@link io.cairn.sim.SimScheduler} (the event queue, ordered by
 * time then sequence), {@link io.cairn.sim.SimNetwork} (seeded loss, delay, duplication,
 * reordering, partitions, one-way blocks, crashed endpoints), {@link io.cairn.sim.SimTrace} (the
 * last events, printed with the seed on failure) and {@link io.cairn.sim.Seeds} (the seeds a test
 * runs: {@code -Dcairn.seed=N} replays one, {@code -Dcairn.sim.seeds=K} runs K).
 *
 * <p>One {@code SplittableRandom(seed)} per run, split in a fixed order for the harness, the
 * network and each node, makes the whole run a function of its seed. No wall clock, no threads.
 */
package io.cairn.sim;
