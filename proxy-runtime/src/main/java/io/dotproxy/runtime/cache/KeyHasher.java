package io.dotproxy.runtime.cache;

import io.netty.buffer.ByteBuf;
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
    return keyHash(bytes, 0, bytes.length);
  }

  /** SipHash-2-4 of a range of bytes as they are: a key stored in a {@link PacketStore} entry. */
  long keyHash(byte[] bytes, int offset, int length) {
    return sipHash(bytes, null, offset, length, false, 0, 0);
  }

  /**
   * SipHash-2-4 of the key {@link CacheKeys#key} would make of the name in {@code packet}, read
   * lower-cased, and {@code tail} ({@link CacheKeys#tail}), without making it.
   */
  long keyHash(ByteBuf packet, int nameOffset, int nameLength, long tail) {
    return sipHash(null, packet, nameOffset, nameLength, true, tail, CacheKeys.TAIL_LENGTH);
  }

  /** As {@link #keyHash(ByteBuf, int, int, long)}, for a name in an array. */
  long keyHash(byte[] name, int nameOffset, int nameLength, long tail) {
    return sipHash(name, null, nameOffset, nameLength, true, tail, CacheKeys.TAIL_LENGTH);
  }

  /**
   * SipHash-2-4 of {@code nameLength} bytes of {@code array} or else {@code buffer} from
   * {@code offset}, A-Z lower-cased when {@code foldCase}, followed by the first
   * {@code tailLength} bytes of {@code tail}. The state lives in locals: a hash per lookup must not
   * allocate. The message blocks and the finalization share one round loop.
   */
  private long sipHash(byte[] array, ByteBuf buffer, int offset, int nameLength, boolean foldCase,
      long tail, int tailLength) {
    long v0 = k0 ^ 0x736f6d6570736575L;
    long v1 = k1 ^ 0x646f72616e646f6dL;
    long v2 = k0 ^ 0x6c7967656e657261L;
    long v3 = k1 ^ 0x7465646279746573L;
    int length = nameLength + tailLength;
    int blocks = (length >>> 3) + 1; // the last holds the remaining bytes and the length
    for (int block = 0; block <= blocks; block++) {
      long m = 0;
      int rounds;
      if (block < blocks) {
        int start = block << 3;
        if (start + 8 <= nameLength) {
          m = array != null ? CacheKeys.word(array, offset + start) : buffer.getLongLE(offset + start);
          m = foldCase ? CacheKeys.lowerCase(m) : m;
        } else {
          for (int i = 0, end = Math.min(8, length - start); i < end; i++) {
            int at = start + i;
            int b;
            if (at < nameLength) {
              b = (array != null ? array[offset + at] : buffer.getByte(offset + at)) & 0xFF;
              b = foldCase ? CacheKeys.lowerCase(b) : b;
            } else {
              b = CacheKeys.tailByte(tail, at - nameLength) & 0xFF;
            }
            m |= (long) b << (8 * i);
          }
          m |= block == blocks - 1 ? (long) length << 56 : 0;
        }
        v3 ^= m;
        rounds = 2;
      } else {
        v2 ^= 0xff;
        rounds = 4;
      }
      for (int round = 0; round < rounds; round++) {
        v0 += v1;
        v1 = Long.rotateLeft(v1, 13) ^ v0;
        v0 = Long.rotateLeft(v0, 32);
        v2 += v3;
        v3 = Long.rotateLeft(v3, 16) ^ v2;
        v0 += v3;
        v3 = Long.rotateLeft(v3, 21) ^ v0;
        v2 += v1;
        v1 = Long.rotateLeft(v1, 17) ^ v2;
        v2 = Long.rotateLeft(v2, 32);
      }
      v0 ^= m;
    }
    return v0 ^ v1 ^ v2 ^ v3;
  }
}
