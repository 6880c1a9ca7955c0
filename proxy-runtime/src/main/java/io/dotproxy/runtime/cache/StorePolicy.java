package io.dotproxy.runtime.cache;

import io.dotproxy.runtime.config.CacheSettings;
import io.dotproxy.runtime.dns.UpstreamAnswers;
import io.dotproxy.runtime.dns.WireRecordWalk;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
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
  private static final int QR_IN_THIRD_BYTE = 0x80;
  private static final int QR_OPCODE_TC_IN_THIRD_BYTE = 0xFA;
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
  byte[] admit(Message answer, CacheKey key, long now) {
    return admit(withoutOpt(answer).toWire(), key, now);
  }

  /**
   * The entry to store for an answer's wire form as the upstream sent it, or null when it must
   * not be cached. Judged on the wire, without decoding the records; {@code answer} is not changed.
   */
  byte[] admit(byte[] answer, CacheKey key, long now) {
    if (answer.length < WireRecords.HEADER_LENGTH
        || (answer[2] & QR_OPCODE_TC_IN_THIRD_BYTE) != QR_IN_THIRD_BYTE
        || WireRecordWalk.readShort(answer, 4) != 1) {
      return null;
    }
    int rcode = answer[3] & 0xF;
    int questionEnd = key.questionEnd(answer);
    if ((rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) || questionEnd < 0) {
      return null;
    }
    WireRecords records = WireRecords.of(answer);
    if (records == null) {
      return null;
    }
    int opt = optIndex(records);
    if (opt == -2 || opt >= 0 && answer[records.ttlOffsets[opt]] != 0) {
      return null; // two OPT records, or an extended rcode: not a plain NOERROR or NXDOMAIN
    }
    if (opt >= 0 && opt != records.count() - 1) {
      // Names after the OPT record may point past it; re-encoding puts it last, where it can go.
      Message parsed = UpstreamAnswers.decode(answer);
      return parsed == null ? null : admit(withoutOpt(parsed).toWire(), key, now);
    }
    byte[] wire = opt < 0 ? answer.clone() : withoutLastRecord(answer, records, questionEnd);
    int count = opt < 0 ? records.count() : records.count() - 1;
    boolean negative = rcode == Rcode.NXDOMAIN || !hasAskedType(records, count, key.type());
    int soa = negative ? firstSoaInAuthority(records, count) : -1;
    if (negative && soa < 0) {
      return null;
    }
    int[] ttlOffsets = new int[count];
    long entryTtl = Long.MAX_VALUE;
    for (int i = 0; i < count; i++) {
      int offset = records.ttlOffsets[i];
      long ttl = i == soa ? negativeTtl(wire, records, soa) : WireRecords.ttl(wire, offset);
      ttl = Math.min(ttl, maxTtl);
      if (!negative) {
        ttl = Math.max(ttl, minTtl);
      }
      WireRecords.putTtl(wire, offset, ttl);
      ttlOffsets[i] = offset;
      entryTtl = Math.min(entryTtl, ttl);
    }
    if (count == 0 || entryTtl <= 0) {
      return null;
    }
    // What we serve from memory is not authoritative data, whatever the upstream said.
    wire[2] &= (byte) ~AA_BIT_IN_FLAGS_BYTE;
    return CachedAnswer.create(key.bytes(), wire, ttlOffsets, rcode, now, entryTtl, staleNanos);
  }

  /**
   * The answer as it may be served to other clients: its OPT record belongs to this one answer
   * (NSID names the server instance that gave it, an Extended DNS Error describes this resolution;
   * cookies, keepalive and padding belong to the upstream hop), and each client gets our own.
   * {@code answer} is not changed.
   */
  private static Message withoutOpt(Message answer) {
    if (answer.getOPT() == null) {
      return answer;
    }
    Message copy = answer.clone();
    for (Record record : new ArrayList<>(copy.getSection(Section.ADDITIONAL))) {
      if (record instanceof OPTRecord) {
        copy.removeRecord(record, Section.ADDITIONAL);
      }
    }
    return copy;
  }

  /** The OPT record's index, -1 without one, -2 with more than one. */
  private static int optIndex(WireRecords records) {
    int found = -1;
    for (int i = 0; i < records.count(); i++) {
      if (records.types[i] == Type.OPT && records.sections[i] == Section.ADDITIONAL) {
        if (found >= 0) {
          return -2;
        }
        found = i;
      }
    }
    return found;
  }

  /** {@code answer} up to its last record, which is cut off and no longer counted. */
  private static byte[] withoutLastRecord(byte[] answer, WireRecords records, int questionEnd) {
    int last = records.count() - 1;
    int start = last == 0 ? questionEnd
        : records.rdataOffsets[last - 1] + records.rdataLengths[last - 1];
    byte[] wire = Arrays.copyOf(answer, start);
    WireRecordWalk.writeShort(wire, 10, WireRecordWalk.readShort(wire, 10) - 1);
    return wire;
  }

  private static boolean hasAskedType(WireRecords records, int count, int type) {
    for (int i = 0; i < count; i++) {
      if (records.sections[i] == Section.ANSWER && (type == Type.ANY || records.types[i] == type)) {
        return true;
      }
    }
    return false;
  }

  private static int firstSoaInAuthority(WireRecords records, int count) {
    for (int i = 0; i < count; i++) {
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
