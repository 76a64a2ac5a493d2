/**
 * Durable storage for the Raft log, hard state and latest snapshot: the {@link io.cairn.coordination.raft.log.LogStore}
 * SPI, an {@link io.cairn.coordination.raft.log.InMemoryLogStore} for tests and simulations, and
 * {@link io.cairn.coordination.raft.log.WalLogStore}, a segmented write-ahead log of CRC32C-checksummed
 * records and atomically written snapshot files, with {@link
 * io.cairn.coordination.raft.log.GroupCommitter group commit} of writes and snapshot installs.
 *
 * <p>Unlike {@code io.cairn.coordination.raft}, this package blocks: it reads and writes files and
 * waits for fsync. It runs on the {@code cairn-wal} worker executor, never on an event loop.
 */
package io.cairn.coordination.raft.log;
