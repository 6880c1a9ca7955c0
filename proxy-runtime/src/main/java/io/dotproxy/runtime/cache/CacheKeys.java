package io.dotproxy.runtime.cache;

import io.netty.buffer.ByteBuf;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The bytes of a cache key, as {@link PacketStore} compares them: the question name in canonical
 * wire form (ASCII lower-cased), then the type and class (two bytes each, big-endian) and one byte
 * of {@link #DNSSEC_OK} and {@link #CHECKING_DISABLED}. A lookup straight from a client's packet
 * reads the same logical bytes without making them: the name lower-cased as it is read, the last
 * five bytes packed in a long ({@link #tail}).
 */
final class CacheKeys {

  /** Type, class and bits after the name. */
  static final int TAIL_LENGTH = 5;

  /** The query's DO bit: DNSSEC records asked for. */
  static final int DNSSEC_OK = 1;

  /** The query's CD bit: data wanted even when validation fails. */
  static final int CHECKING_DISABLED = 2;

  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long HIGH_BITS = 0x8080808080808080L;

  private CacheKeys() {}

  /** The key of a question whose name is already in canonical (lower-case) wire form. */
  static byte[] key(byte[] canonicalLowercaseWireName, int type, int dclass, int bits) {
    int nameLength = canonicalLowercaseWireName.length;
    byte[] key = Arrays.copyOf(canonicalLowercaseWireName, nameLength + TAIL_LENGTH);
    long tail = tail(type, dclass, bits);
    for (int i = 0; i < TAIL_LENGTH; i++) {
      key[nameLength + i] = tailByte(tail, i);
    }
    return key;
  }

  static int bits(boolean dnssecOk, boolean checkingDisabled) {
    return (dnssecOk ? DNSSEC_OK : 0) | (checkingDisabled ? CHECKING_DISABLED : 0);
  }

  /** The five bytes after the name, the first in the lowest byte of the long. */
  static long tail(int type, int dclass, int bits) {
    return (type >>> 8 & 0xFFL) | (type & 0xFFL) << 8 | (dclass >>> 8 & 0xFFL) << 16
        | (dclass & 0xFFL) << 24 | (bits & 0xFFL) << 32;
  }

  /** The five bytes that end {@code key} at {@code offset}, packed as {@link #tail} packs them. */
  static long tail(byte[] key, int offset) {
    long tail = 0;
    for (int i = 0; i < TAIL_LENGTH; i++) {
      tail |= (key[offset + i] & 0xFFL) << (8 * i);
    }
    return tail;
  }

  static byte tailByte(long tail, int index) {
    return (byte) (tail >>> (8 * index));
  }

  static int lowerCase(int b) {
    return b >= 'A' && b <= 'Z' ? b | 0x20 : b;
  }

  /**
   * Eight bytes with A-Z lower-cased at once: a byte's high bit after adding 0x80 - 'A' says it is
   * at least 'A', after adding 0x80 - '[' that it is past 'Z'; bytes with their own high bit set
   * are left alone. The sums stay below 0x100 per byte, so no carry crosses into the next.
   */
  static long lowerCase(long word) {
    long low7 = word & ~HIGH_BITS;
    long atLeastA = low7 + 0x3F3F3F3F3F3F3F3FL;
    long pastZ = low7 + 0x2525252525252525L;
    long upper = atLeastA & ~pastZ & ~word & HIGH_BITS;
    return word | (upper >>> 2);
  }

  /** Eight bytes of {@code array} at {@code offset}, the first in the lowest byte. */
  static long word(byte[] array, int offset) {
    return (long) LONG_LE.get(array, offset);
  }

  /**
   * Whether the key at {@code keyOffset} in {@code entry} is the packet's name (compared without
   * case) followed by {@code tail}. Ranges outside the entry do not match.
   */
  static boolean matches(byte[] entry, int keyOffset, int keyLength, ByteBuf packet,
      int nameOffset, int nameLength, long tail) {
    if (keyLength != nameLength + TAIL_LENGTH || keyOffset < 0
        || keyOffset > entry.length - keyLength) {
      return false;
    }
    int i = 0;
    for (; i + 8 <= nameLength; i += 8) {
      if (word(entry, keyOffset + i) != lowerCase(packet.getLongLE(nameOffset + i))) {
        return false;
      }
    }
    for (; i < nameLength; i++) {
      if (entry[keyOffset + i] != (byte) lowerCase(packet.getByte(nameOffset + i))) {
        return false;
      }
    }
    return tail(entry, keyOffset + nameLength) == tail;
  }

  /** Whether the key at {@code keyOffset} in {@code entry} is {@code key}, byte for byte. */
  static boolean matches(byte[] entry, int keyOffset, int keyLength, byte[] key) {
    return keyLength == key.length && keyOffset >= 0 && keyOffset <= entry.length - keyLength
        && Arrays.equals(entry, keyOffset, keyOffset + keyLength, key, 0, keyLength);
  }
}
