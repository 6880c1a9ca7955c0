package io.dotproxy.runtime.cache;

import io.dotproxy.runtime.config.CacheSettings;
import java.time.Duration;
import java.util.Arrays;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Decides whether an upstream answer is cached and for how long.
 *
 * <ul>
 *   <li>Only NOERROR and NXDOMAIN answers to the question asked, not truncated. SERVFAIL, REFUSED,
 *       FORMERR and the rest say something about the path, not the name, and a truncated answer
 *       is incomplete.
 *   <li>Positive answers (the answer section holds the asked type) live as long as their shortest
 *       TTL, every TTL first clamped to [min, max].
 *   <li>Negative answers (NXDOMAIN, or NODATA: NOERROR without the asked type) live
 *       min(SOA TTL, SOA MINIMUM) from the SOA in the authority section (RFC 2308 section 5),
 *       capped at max but never raised to min; without a SOA they are not cached (section 5).
 *   <li>Answers that would live 0 seconds are not cached.
 * </ul>
 */
final class StorePolicy {

  private static final int AA_BIT_IN_FLAGS_BYTE = 0x04; // byte 2 of the header: QR opcode AA TC RD
  private static final int SOA_FIXED_RDATA = 20; // serial, refresh, retry, expire, minimum
  private static final long MAX_STALE_NANOS = Long.MAX_VALUE / 4; // keeps nanoTime sums in range

  private final long minTtl;
  private final long maxTtl;
  private final long staleNanos;

  StorePolicy(CacheSettings settings) {
    // TTLs are 31-bit on the wire (RFC 2181 section 8), whatever the settings say.
    this.minTtl = Math.min(settings.minTtl().toSeconds(), Integer.MAX_VALUE);
    this.maxTtl = Math.min(settings.maxTtl().toSeconds(), Integer.MAX_VALUE);
    this.staleNanos = saturatedNanos(settings.serveStale());
  }

  /** The entry to store for {@code answer}, or null when it must not be cached. */
  CachedAnswer admit(Message answer, CacheKey key, long now) {
    Header header = answer.getHeader();
    int rcode = answer.getRcode();
    if (header.getFlag(Flags.TC) || header.getOpcode() != Opcode.QUERY
        || (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) || !answers(answer, key)) {
      return null;
    }
    byte[] wire = withoutEdnsOptions(answer).toWire();
    WireRecords records = WireRecords.of(wire);
    if (records == null) {
      return null;
    }
    boolean negative = rcode == Rcode.NXDOMAIN || !hasAskedType(records, key.type());
    int soa = negative ? firstSoaInAuthority(records) : -1;
    if (negative && soa < 0) {
      return null;
    }
    int[] ttlOffsets = new int[records.count()];
    int aging = 0;
    long entryTtl = Long.MAX_VALUE;
    for (int i = 0; i < records.count(); i++) {
      if (records.types[i] == Type.OPT) {
        continue; // OPT's "TTL" holds the extended rcode and flags
      }
      int offset = records.ttlOffsets[i];
      long ttl = i == soa ? negativeTtl(wire, records, soa) : WireRecords.ttl(wire, offset);
      ttl = Math.min(ttl, maxTtl);
      if (!negative) {
        ttl = Math.max(ttl, minTtl);
      }
      WireRecords.putTtl(wire, offset, ttl);
      ttlOffsets[aging++] = offset;
      entryTtl = Math.min(entryTtl, ttl);
    }
    if (aging == 0 || entryTtl <= 0) {
      return null;
    }
    // What we serve from memory is not authoritative data, whatever the upstream said.
    wire[2] &= (byte) ~AA_BIT_IN_FLAGS_BYTE;
    return new CachedAnswer(wire, Arrays.copyOf(ttlOffsets, aging), rcode, now, entryTtl,
        staleNanos);
  }

  /**
   * The answer as it may be served to other clients: its EDNS options belong to this one answer
   * (NSID names the server instance that gave it, an Extended DNS Error describes this resolution;
   * cookies, keepalive and padding belong to the upstream hop), so none is kept. The OPT record
   * itself stays for its extended rcode. {@code answer} is not changed.
   */
  private static Message withoutEdnsOptions(Message answer) {
    OPTRecord opt = answer.getOPT();
    if (opt == null || opt.getOptions().isEmpty()) {
      return answer;
    }
    Message copy = answer.clone();
    for (Record record : new java.util.ArrayList<>(copy.getSection(Section.ADDITIONAL))) {
      if (record instanceof OPTRecord) {
        copy.removeRecord(record, Section.ADDITIONAL);
      }
    }
    copy.addRecord(new OPTRecord(opt.getPayloadSize(), opt.getExtendedRcode(), opt.getVersion(),
        opt.getFlags()), Section.ADDITIONAL);
    return copy;
  }

  /** Whether the answer is for the question we asked, so it may stand for it. */
  private static boolean answers(Message answer, CacheKey key) {
    Record question = answer.getQuestion();
    return question != null && question.getType() == key.type()
        && question.getDClass() == key.dclass() && key.hasName(question.getName());
  }

  private static boolean hasAskedType(WireRecords records, int type) {
    for (int i = 0; i < records.count(); i++) {
      if (records.sections[i] == Section.ANSWER && (type == Type.ANY || records.types[i] == type)) {
        return true;
      }
    }
    return false;
  }

  private static int firstSoaInAuthority(WireRecords records) {
    for (int i = 0; i < records.count(); i++) {
      if (records.sections[i] == Section.AUTHORITY && records.types[i] == Type.SOA
          && records.rdataLengths[i] >= SOA_FIXED_RDATA + 2) {
        return i;
      }
    }
    return -1;
  }

  /** RFC 2308 section 5: the lesser of the SOA's own TTL and its MINIMUM field. */
  private static long negativeTtl(byte[] wire, WireRecords records, int soa) {
    int minimumOffset = records.rdataOffsets[soa] + records.rdataLengths[soa] - 4;
    return Math.min(WireRecords.ttl(wire, records.ttlOffsets[soa]),
        WireRecords.ttl(wire, minimumOffset));
  }

  private static long saturatedNanos(Duration duration) {
    try {
      return Math.min(duration.toNanos(), MAX_STALE_NANOS);
    } catch (ArithmeticException e) {
      return MAX_STALE_NANOS;
    }
  }
}
