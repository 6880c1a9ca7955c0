package io.dotproxy.runtime.cache;

import java.security.SecureRandom;

/**
 * SipHash-2-4 (Aumasson and Bernstein) of a cache key's name under a secret random key, so that a
 * client cannot build names whose hashes collide: with a plain polynomial hash such as
 * {@code Arrays.hashCode}, names made of blocks like "a_" and "b@" all hash alike and turn the
 * cache's map into a list. A keyed hash is what the hash-flooding attacks on hash tables taught; a
 * merely seeded non-cryptographic hash (Murmur3) has collisions that hold for every seed.
 *
 * <p>Each cache holds its own; a reconfigured cache keeps its predecessor's, since the entries it
 * carries over keep their hashes.
 */
final class KeyHasher {

  private final long k0;
  private final long k1;

  /** @param k0 the key's first 8 bytes, little-endian; @param k1 its last 8 */
  KeyHasher(long k0, long k1) {
    this.k0 = k0;
    this.k1 = k1;
  }

  /** A hasher with a fresh secret key. */
  static KeyHasher random() {
    SecureRandom random = new SecureRandom();
    return new KeyHasher(random.nextLong(), random.nextLong());
  }

  /** The 32-bit keyed hash of {@code bytes}. */
  int hash(byte[] bytes) {
    long h = sipHash(bytes);
    return (int) (h ^ (h >>> 32));
  }

  /** SipHash-2-4 of {@code bytes}, as the reference implementation computes it. */
  long sipHash(byte[] bytes) {
    long[] v = {
        k0 ^ 0x736f6d6570736575L, k1 ^ 0x646f72616e646f6dL,
        k0 ^ 0x6c7967656e657261L, k1 ^ 0x7465646279746573L};
    int length = bytes.length;
    int wholeWords = length & ~7;
    for (int offset = 0; offset <= wholeWords; offset += 8) {
      long m = offset < wholeWords
          ? littleEndian(bytes, offset, 8)
          : littleEndian(bytes, offset, length - offset) | ((long) length << 56);
      v[3] ^= m;
      sipRounds(v, 2);
      v[0] ^= m;
    }
    v[2] ^= 0xff;
    sipRounds(v, 4);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
  }

  private static void sipRounds(long[] v, int rounds) {
    for (int round = 0; round < rounds; round++) {
      v[0] += v[1];
      v[1] = Long.rotateLeft(v[1], 13) ^ v[0];
      v[0] = Long.rotateLeft(v[0], 32);
      v[2] += v[3];
      v[3] = Long.rotateLeft(v[3], 16) ^ v[2];
      v[0] += v[3];
      v[3] = Long.rotateLeft(v[3], 21) ^ v[0];
      v[2] += v[1];
      v[1] = Long.rotateLeft(v[1], 17) ^ v[2];
      v[2] = Long.rotateLeft(v[2], 32);
    }
  }

  private static long littleEndian(byte[] bytes, int offset, int count) {
    long word = 0;
    for (int i = 0; i < count; i++) {
      word |= (bytes[offset + i] & 0xFFL) << (8 * i);
    }
    return word;
  }
}
