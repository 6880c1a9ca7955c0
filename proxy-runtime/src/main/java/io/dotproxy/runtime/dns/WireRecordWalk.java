package io.dotproxy.runtime.dns;

/**
 * Walks the resource records of a DNS message's wire form without decoding them: the one walk the
 * cache (to age TTLs in place) and the upstream connections (to read EDNS options) share.
 */
public final class WireRecordWalk {

  public static final int HEADER_LENGTH = 12;
  private static final int FIXED_RR_FIELDS = 10; // type, class, TTL, rdata length

  /** Told of each record in order; returns false to stop the walk there. */
  @FunctionalInterface
  public interface Visitor {
    /**
     * @param section 1 answer, 2 authority, 3 additional (dnsjava's Section numbers)
     * @param ttlOffset offset of the record's 32-bit TTL
     */
    boolean record(int section, int type, int ttlOffset, int rdataOffset, int rdataLength);
  }

  private WireRecordWalk() {}

  /** The number of answer, authority and additional records the header announces; the message must have a header. */
  public static int recordCount(byte[] wire) {
    return readShort(wire, 6) + readShort(wire, 8) + readShort(wire, 10);
  }

  /**
   * Walks the records of {@code wire} until the visitor stops it or they end.
   *
   * @return false when the message is not well-formed up to where the walk went
   */
  public static boolean walk(byte[] wire, Visitor visitor) {
    if (wire.length < HEADER_LENGTH) {
      return false;
    }
    int pos = HEADER_LENGTH;
    for (int i = readShort(wire, 4); i > 0; i--) {
      pos = WireNames.skip(wire, pos);
      if (pos < 0 || pos + 4 > wire.length) {
        return false;
      }
      pos += 4; // type, class
    }
    for (int section = 1; section <= 3; section++) {
      for (int i = readShort(wire, 4 + 2 * section); i > 0; i--) {
        pos = WireNames.skip(wire, pos);
        if (pos < 0 || pos + FIXED_RR_FIELDS > wire.length) {
          return false;
        }
        int rdataLength = readShort(wire, pos + 8);
        int rdata = pos + FIXED_RR_FIELDS;
        if (rdata + rdataLength > wire.length) {
          return false;
        }
        if (!visitor.record(section, readShort(wire, pos), pos + 4, rdata, rdataLength)) {
          return true;
        }
        pos = rdata + rdataLength;
      }
    }
    return true;
  }

  public static int readShort(byte[] wire, int offset) {
    return (wire[offset] & 0xFF) << 8 | (wire[offset + 1] & 0xFF);
  }

  /** Writes the low 16 bits of {@code value} big-endian, as DNS numbers are. */
  public static void writeShort(byte[] wire, int offset, int value) {
    wire[offset] = (byte) (value >>> 8);
    wire[offset + 1] = (byte) value;
  }
}
