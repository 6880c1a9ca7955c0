package io.dotproxy.runtime.cache;

import io.dotproxy.runtime.dns.WireRecordWalk;

/**
 * Where each resource record of a DNS message sits in its wire form, so that cached answers can
 * have their TTLs rewritten in place instead of being rebuilt record by record (dnsjava offers no
 * public way to copy a record with another TTL).
 */
final class WireRecords {

  static final int HEADER_LENGTH = WireRecordWalk.HEADER_LENGTH;

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
    WireRecords records = new WireRecords(WireRecordWalk.recordCount(wire));
    int[] index = {0};
    boolean wellFormed = WireRecordWalk.walk(wire, (section, type, ttlOffset, rdataOffset, rdataLength) -> {
      int i = index[0]++;
      records.sections[i] = section;
      records.types[i] = type;
      records.ttlOffsets[i] = ttlOffset;
      records.rdataOffsets[i] = rdataOffset;
      records.rdataLengths[i] = rdataLength;
      return true;
    });
    return wellFormed ? records : null;
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
    return ((long) WireRecordWalk.readShort(wire, offset) << 16) | WireRecordWalk.readShort(wire, offset + 2);
  }
}
