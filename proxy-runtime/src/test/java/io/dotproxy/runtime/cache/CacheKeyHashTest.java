package io.dotproxy.runtime.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/**
 * Names built to collide must not collide in the cache: the bytes "a_" and "b@" have the same
 * {@code Arrays.hashCode} (31 * 97 + 95 = 31 * 98 + 64), and lower-casing changes neither, so every
 * name made of such blocks collides with every other under an unseeded polynomial hash, and a
 * client sending them could turn the cache's map into a list.
 */
class CacheKeyHashTest extends CacheFixture {

  private static final int BLOCKS = 8; // 256 names

  @Test
  void namesThatCollideUnderAPlainPolynomialHashDoNotCollideInTheCache() {
    AnswerCache cache = cache();
    List<String> names = collidingNames();
    Set<Integer> plainHashes = new HashSet<>();
    Set<Integer> keyHashes = new HashSet<>();
    for (String name : names) {
      plainHashes.add(java.util.Arrays.hashCode(Dns.name(name).toWireCanonical()));
      keyHashes.add(cache.keyOf(Dns.query(name, Type.A)).hashCode());
    }
    assertThat(plainHashes).as("the names are built to collide").hasSize(1);
    assertThat(keyHashes).as("distinct hashes of %d colliding names", names.size())
        .hasSizeGreaterThan(names.size() - 4);
  }

  @Test
  void eachCacheHasItsOwnSecretAndAReconfiguredCacheKeepsItsEntries() throws Exception {
    AnswerCache one = cache();
    AnswerCache other = cache();
    Set<Integer> differing = new HashSet<>();
    for (String name : collidingNames().subList(0, 16)) {
      int hash = one.keyOf(Dns.query(name, Type.A)).hashCode();
      assertThat(one.keyOf(Dns.query(name.toUpperCase(), Type.A)).hashCode()).isEqualTo(hash);
      if (other.keyOf(Dns.query(name, Type.A)).hashCode() != hash) {
        differing.add(hash);
      }
    }
    assertThat(differing).as("names hashed differently by two caches").hasSizeGreaterThan(12);

    ask(one, Dns.query("kept.test.", Type.A));
    AnswerCache reloaded = one.reconfigured(settings(500));
    ask(reloaded, Dns.query("kept.test.", Type.A));
    assertThat(next.calls()).as("the entry carried over is found under the same secret").isEqualTo(1);
  }

  /** The reference test vector of SipHash-2-4: key 00..0f, message 00..0e. */
  @Test
  void theHashIsSipHash24() {
    KeyHasher reference = new KeyHasher(0x0706050403020100L, 0x0f0e0d0c0b0a0908L);
    byte[] message = new byte[15];
    for (int i = 0; i < message.length; i++) {
      message[i] = (byte) i;
    }
    assertThat(reference.sipHash(message)).isEqualTo(0xa129ca6149be45e5L);
    assertThat(reference.sipHash(new byte[0])).isEqualTo(0x726fdb47dd0e0e31L);
  }

  /**
   * The hash of a question read from a packet or an array of any case, without making its key,
   * is the hash of the key {@link CacheKeys#key} makes of the lower-cased name: for every name
   * length around the 8-byte words, at any offset.
   */
  @Test
  void aKeyHashedAsItIsReadEqualsTheHashOfTheKeyMadeFirst() {
    KeyHasher hasher = KeyHasher.random();
    Random random = new Random(5);
    for (int length = 0; length < 70; length++) {
      byte[] name = new byte[length];
      for (int i = 0; i < length; i++) {
        name[i] = (byte) "aZz-_09.yA@[`{\u00c0\u00ff".charAt(random.nextInt(16)); // around A-Z's edges
      }
      byte[] lower = name.clone();
      for (int i = 0; i < length; i++) {
        lower[i] = (byte) CacheKeys.lowerCase(lower[i] & 0xFF);
      }
      int type = random.nextInt(1 << 16);
      int dclass = random.nextInt(1 << 16);
      int bits = random.nextInt(4);
      byte[] key = CacheKeys.key(lower, type, dclass, bits);
      long tail = CacheKeys.tail(type, dclass, bits);
      long expected = hasher.sipHash(key);
      int offset = random.nextInt(9);
      byte[] padded = new byte[offset + length + 3];
      System.arraycopy(name, 0, padded, offset, length);
      assertThat(hasher.keyHash(Unpooled.wrappedBuffer(padded), offset, length, tail))
          .as("length %d", length).isEqualTo(expected);
      assertThat(hasher.keyHash(padded, offset, length, tail)).isEqualTo(expected);
      assertThat(hasher.keyHash(padded, offset, length, tail ^ 1L << 32)).as("another DO bit")
          .isNotEqualTo(expected);
      byte[] keyInEntry = new byte[offset + key.length + 2];
      System.arraycopy(key, 0, keyInEntry, offset, key.length);
      assertThat(hasher.keyHash(keyInEntry, offset, key.length)).isEqualTo(expected);
    }
  }

  @Test
  void eightBytesAreLowerCasedAsEachAloneWouldBe() {
    for (int b = 0; b < 256; b++) {
      long word = 0;
      long expected = 0;
      for (int i = 0; i < 8; i++) {
        int value = (b + i * 37) & 0xFF;
        word |= (long) value << (8 * i);
        int lower = value >= 'A' && value <= 'Z' ? value + ('a' - 'A') : value;
        expected |= (long) lower << (8 * i);
      }
      assertThat(CacheKeys.lowerCase(word)).as("from byte %d", b).isEqualTo(expected);
    }
  }

  /** Every label of {@value #BLOCKS} blocks "a_" or "b@" (written escaped), under test. */
  private static List<String> collidingNames() {
    List<String> names = new ArrayList<>();
    for (int bits = 0; bits < 1 << BLOCKS; bits++) {
      StringBuilder label = new StringBuilder();
      for (int block = 0; block < BLOCKS; block++) {
        label.append((bits >> block & 1) == 0 ? "a_" : "b\\064");
      }
      names.add(label + ".test.");
    }
    return names;
  }
}
