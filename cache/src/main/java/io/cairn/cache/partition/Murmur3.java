package io.cairn.cache.partition;

/**
 * MurmurHash3, x86 32-bit variant (Austin Appleby, public domain; the reference is {@code
 * MurmurHash3_x86_32} in smhasher's {@code MurmurHash3.cpp}). Written out here rather than taken
 * from a library so that the partition of a key can never change with a dependency's version.
 */
final class Murmur3 {
  private static final int C1 = 0xcc9e2d51;
  private static final int C2 = 0x1b873593;

  private Murmur3() {}

  /** The hash of {@code length} bytes of {@code data} from {@code offset}, with {@code seed}. */
  static int x86_32(byte[] data, int offset, int length, int seed) {
    int h = seed;
    int end = offset + (length & ~3);
    for (int i = offset; i < end; i += 4) {
      int k = (data[i] & 0xff) | (data[i + 1] & 0xff) << 8 | (data[i + 2] & 0xff) << 16 | data[i + 3] << 24;
      h ^= mixK(k);
      h = Integer.rotateLeft(h, 13);
      h = h * 5 + 0xe6546b64;
    }
    int k = 0;
    switch (length & 3) {
      case 3:
        k ^= (data[end + 2] & 0xff) << 16;
        // fall through
      case 2:
        k ^= (data[end + 1] & 0xff) << 8;
        // fall through
      case 1:
        k ^= data[end] & 0xff;
        h ^= mixK(k);
        break;
      default:
        break;
    }
    h ^= length;
    return fmix(h);
  }

  private static int mixK(int k) {
    k *= C1;
    k = Integer.rotateLeft(k, 15);
    return k * C2;
  }

  private static int fmix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    return h ^ (h >>> 16);
  }
}
