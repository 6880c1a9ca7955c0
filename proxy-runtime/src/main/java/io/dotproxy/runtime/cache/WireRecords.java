package io.dotproxy.runtime.cache;

import io.dotproxy.runtime.dns.WireNames;

/**
 * Where each resource record of a DNS message sits in its wire form, so that cached answers can
 * have their TTLs rewritten in place instead of being rebuilt record by record (dnsjava offers no
 * public way to copy a record with another TTL).
 */
final class WireRecords {

  static final int HEADER_LENGTH = 12;
  private static final int FIXED_RR_FIELDS = 10; // type, class, TTL, rdata length

  /** Section of each record: 1 answer, 2 authority, 3 additional (dnsjava's Section numbers). */
  final int[] sections;
  final int[] types;
  /** Offset of each record's 32-bit TTL. */
  final int[] ttlOffsets;
  /** Offset of each record's rdata and its length. */
  final int[] rdataOffsets;
  final int[] rdataLengths;

  private WireRecords(int count) {
    sections = new int[count];
    types = new int[count];
    ttlOffsets = new int[count];
    rdataOffsets = new int[count];
    rdataLengths = new int[count];
  }

  int count() {
    return types.length;
  }

  /** The records of {@code wire}, or null when it is not a well-formed message. */
  static WireRecords of(byte[] wire) {
    if (wire.length < HEADER_LENGTH) {
      return null;
    }
    int questions = readShort(wire, 4);
    int[] counts = {readShort(wire, 6), readShort(wire, 8), readShort(wire, 10)};
    WireRecords records = new WireRecords(counts[0] + counts[1] + counts[2]);
    int pos = HEADER_LENGTH;
    for (int i = 0; i < questions; i++) {
      pos = WireNames.skip(wire, pos);
      if (pos < 0 || pos + 4 > wire.length) {
        return null;
      }
      pos += 4;
    }
    int index = 0;
    for (int section = 1; section <= 3; section++) {
      for (int i = 0; i < counts[section - 1]; i++, index++) {
        pos = WireNames.skip(wire, pos);
        if (pos < 0 || pos + FIXED_RR_FIELDS > wire.length) {
          return null;
        }
        int rdataLength = readShort(wire, pos + 8);
        if (pos + FIXED_RR_FIELDS + rdataLength > wire.length) {
          return null;
        }
        records.sections[index] = section;
        records.types[index] = readShort(wire, pos);
        records.ttlOffsets[index] = pos + 4;
        records.rdataOffsets[index] = pos + FIXED_RR_FIELDS;
        records.rdataLengths[index] = rdataLength;
        pos += FIXED_RR_FIELDS + rdataLength;
      }
    }
    return records;
  }

  /**
   * A TTL as RFC 2181 section 8 reads it: values with the top bit set count as zero.
   */
  static long ttl(byte[] wire, int offset) {
    long value = readInt(wire, offset);
    return value > Integer.MAX_VALUE ? 0 : value;
  }

  static void putTtl(byte[] wire, int offset, long ttl) {
    wire[offset] = (byte) (ttl >>> 24);
    wire[offset + 1] = (byte) (ttl >>> 16);
    wire[offset + 2] = (byte) (ttl >>> 8);
    wire[offset + 3] = (byte) ttl;
  }

  static long readInt(byte[] wire, int offset) {
    return ((long) readShort(wire, offset) << 16) | readShort(wire, offset + 2);
  }

  static int readShort(byte[] wire, int offset) {
    return (wire[offset] & 0xFF) << 8 | (wire[offset + 1] & 0xFF);
  }
}
