/**
 * How keys are spread over the cluster: partitions, the partition table, and the planner that
 * computes it. Pure: no Vert.x, no clock, no randomness, no I/O.
 *
 * <h2>Partitions</h2>
 *
 * A cluster has a fixed number of partitions, {@code P} (default 271, valid 1 to 65,535), chosen
 * when it forms and never changed: every key of every cache lives in exactly one of them,
 *
 * <pre>
 * partition(key) = floorMod(MurmurHash3_x86_32(utf8(key), seed 0), P)
 * </pre>
 *
 * with the hash taken as a signed 32-bit integer ({@link io.cairn.cache.partition.Partitioner}
 * gives the details). The same key goes to the same partition on every node and in every version,
 * so a client may compute it too. More partitions than nodes let the data move in small pieces
 * when nodes come and go; ownership is balanced to within one partition per node.
 *
 * <h2>The partition table</h2>
 *
 * {@link io.cairn.cache.partition.PartitionTable} says, for one <em>epoch</em>, which node owns
 * each partition and which nodes back it up, in order; a cache with {@code b} backups uses the
 * first {@code b}. The owner serves reads and writes; backups hold copies and one of them takes
 * over when the owner leaves. Owner and backups are always distinct nodes, and in distinct zones
 * as far as the zones allow. The table has one canonical binary encoding because it is committed
 * through the coordination group's Raft log.
 *
 * <h2>Epochs</h2>
 *
 * Each committed table has an epoch one higher than the table before it. A node routes by the
 * newest table it knows; a request that carries an older epoch than the owner's is told so and
 * retried once the newer table is known. Re-planning without a change in membership gives back the
 * same table at the same epoch.
 *
 * <h2>The planner</h2>
 *
 * {@link io.cairn.cache.partition.PartitionPlanner} computes the next table from the previous one
 * and the current members (with their zones): it balances owners and replicas, keeps every
 * assignment it can (so a join or leave moves about {@code 1/n} of the partitions), promotes a
 * leaving owner's backups, and spreads replicas across zones. It is deterministic, so the same
 * inputs give the same table on any node. Its Javadoc states each guarantee exactly.
 */
package io.cairn.cache.partition;
