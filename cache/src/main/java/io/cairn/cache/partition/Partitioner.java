package io.cairn.cache.partition;

import java.nio.charset.StandardCharsets;

/**
 * Maps a key to one of a fixed number of partitions, the same way on every node and in every
 * version of Cairn. The formula, exactly:
 *
 * <pre>
 * h         = MurmurHash3_x86_32(utf8(key), seed 0)      as a signed 32-bit two's-complement int
 * partition = floorMod(h, P)                              = ((h mod P) + P) mod P, in 0..P-1
 * </pre>
 *
 * <p>where {@code utf8(key)} is the key's standard UTF-8 encoding (no byte-order mark, no
 * terminator), {@code MurmurHash3_x86_32} is Austin Appleby's reference function (smhasher's
 * {@code MurmurHash3.cpp}), and {@code P} is the cluster's partition count. A client in another
 * language computes the same partition with any conforming MurmurHash3 x86 32-bit; if its library
 * returns the hash unsigned, {@code floorMod} of the signed value is what must be taken (for
 * example {@code h = u - 2^32} when {@code u >= 2^31}). The partition depends on the key alone, not
 * on the cache: every cache's key "42" is in the same partition.
 *
 * <p>Why MurmurHash3 x86_32: it is fully specified by a public reference implementation with
 * published test vectors, it mixes every input bit into every output bit (so {@code floorMod} by a
 * prime such as 271 spreads similar keys like "user-1", "user-2" evenly), it is fast on short keys,
 * and Hazelcast uses the same function for the same job (with another seed, over its serialized
 * form of the key). FNV-1a would do too, but it has no final avalanche step: the low bits of its
 * hash depend only on the low bits of the input bytes.
 *
 * <p>The partition count is fixed when a cluster forms: changing it moves almost every key, so a
 * node configured with another count must refuse to join. Valid counts are {@value
 * #MIN_PARTITION_COUNT} to {@value #MAX_PARTITION_COUNT} (a partition id fits in an unsigned 16-bit
 * field); the default, {@value #DEFAULT_PARTITION_COUNT}, is a prime, which keeps {@code floorMod}
 * even for hashes with patterns in their low bits, and gives about 1% of the data per partition on
 * small clusters (ownership balance is within one partition per node: within 0.4% of the data).
 * Immutable and thread-safe.
 */
public final class Partitioner {
  /** The partition count a cluster gets unless configured otherwise. */
  public static final int DEFAULT_PARTITION_COUNT = 271;
  /** The fewest partitions a cluster may have. */
  public static final int MIN_PARTITION_COUNT = 1;
  /** The most partitions a cluster may have. */
  public static final int MAX_PARTITION_COUNT = 65_535;
  /** The MurmurHash3 seed: always 0, part of the formula above. */
  static final int SEED = 0;

  private final int partitionCount;

  /** @throws IllegalArgumentException if {@code partitionCount} is outside 1..65,535 */
  public Partitioner(int partitionCount) {
    this.partitionCount = checkPartitionCount(partitionCount);
  }

  /** A partitioner with {@value #DEFAULT_PARTITION_COUNT} partitions. */
  public static Partitioner withDefaultCount() {
    return new Partitioner(DEFAULT_PARTITION_COUNT);
  }

  /** Returns {@code count} if it is a valid partition count, and throws otherwise. */
  public static int checkPartitionCount(int count) {
    if (count < MIN_PARTITION_COUNT || count > MAX_PARTITION_COUNT) {
      throw new IllegalArgumentException("a partition count is " + MIN_PARTITION_COUNT + " to "
          + MAX_PARTITION_COUNT + ", not " + count);
    }
    return count;
  }

  public int partitionCount() {
    return partitionCount;
  }

  /**
   * The partition of {@code key}.
   *
   * @throws IllegalArgumentException if the key holds an unpaired surrogate: it has no UTF-8 form,
   *     and Java's lenient encoding (a '?') would put it where another client would not
   */
  public int partitionOf(String key) {
    checkWellFormed(key);
    return partitionOf(key.getBytes(StandardCharsets.UTF_8));
  }

  /** The partition of a key given as its UTF-8 bytes. */
  public int partitionOf(byte[] keyUtf8) {
    return Math.floorMod(hash(keyUtf8), partitionCount);
  }

  /** The hash in the formula: MurmurHash3 x86_32 of the bytes with seed 0. */
  public static int hash(byte[] keyUtf8) {
    return Murmur3.x86_32(keyUtf8, 0, keyUtf8.length, SEED);
  }

  private static void checkWellFormed(String key) {
    for (int i = 0, n = key.length(); i < n; i++) {
      char c = key.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(key.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException("a key with an unpaired surrogate at index " + i + " has no UTF-8 form");
      }
    }
  }

  @Override
  public String toString() {
    return "Partitioner[" + partitionCount + " partitions, murmur3_x86_32 seed 0, floorMod]";
  }
}
