package io.dotproxy.runtime.cache;

import io.dotproxy.runtime.dns.PlainQuery;
import io.dotproxy.runtime.dns.ResponseShaper;
import io.dotproxy.runtime.dns.WireRecordWalk;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * One cached answer, all in one {@code byte[]}: a few fields, where the TTLs sit, the cache key,
 * and the answer's wire form as the upstream sent it, less its OPT record, with the TTLs as they
 * are served at age 0. A hit copies the wire form and patches it for the client in place (ID, RD,
 * AD, the question's case, every TTL lowered by the entry's age, an OPT record for EDNS clients),
 * as dnsdist's packet cache does: nothing is parsed or encoded. An entry costs its wire length
 * plus about 70 bytes, against about 1.5 KB of objects per answer before.
 *
 * <p>Layout (big-endian): recheck-after (8, mutable), state (4, mutable: hits, prefetch claimed,
 * refresh failed), rcode (4), stored-at (8), fresh-until (8), stale-until (8), prefetch-from (8),
 * key length (2), TTL count (2), TTL offsets relative to the wire form (2 each), key, wire form.
 * The mutable fields are read and written with {@link VarHandle}s, so an entry shared by event
 * loops needs no lock; everything else never changes once the entry is made.
 */
final class CachedAnswer {

  /** RFC 8767 section 4: the TTL of a stale answer, so clients come back soon but not at once. */
  static final long STALE_TTL = 30;

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private static final int RECHECK_AFTER = 0;
  private static final int STATE = 8;
  private static final int RCODE = 12;
  private static final int STORED_AT = 16;
  private static final int FRESH_UNTIL = 24;
  private static final int STALE_UNTIL = 32;
  private static final int PREFETCH_FROM = 40;
  private static final int KEY_LENGTH = 48;
  private static final int TTL_COUNT = 50;
  private static final int TTL_OFFSETS = 52;

  private static final int HITS_MASK = 0xFF;
  private static final int PREFETCH_CLAIMED = 1 << 8;
  private static final int REFRESH_FAILED = 1 << 9;

  /** OPT for an EDNS client: root name, type 41, our UDP size, extended rcode 0, version 0. */
  private static final int OPT_LENGTH = 11;
  private static final int DO_BIT_IN_FLAGS_BYTE = 0x80;
  private static final int RD_IN_THIRD_BYTE = 0x01;
  private static final int AD_IN_FOURTH_BYTE = 0x20;

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle INTS =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

  /** Where {@link PacketStore} finds an entry's key and end of life. */
  static final PacketStore.EntryLayout LAYOUT = new PacketStore.EntryLayout() {
    @Override
    public int keyOffset(byte[] entry) {
      return CachedAnswer.keyOffset(entry);
    }

    @Override
    public int keyLength(byte[] entry) {
      return CachedAnswer.keyLength(entry);
    }

    @Override
    public long staleUntil(byte[] entry) {
      return CachedAnswer.staleUntil(entry);
    }
  };

  private CachedAnswer() {}

  /**
   * @param key the cache key's bytes ({@link CacheKey#bytes})
   * @param wire the answer without OPT, TTLs as served at age 0
   * @param ttlOffsets where the TTLs that age sit in {@code wire}
   * @param ttlSeconds how long the entry is fresh
   * @param staleNanos how long after that it may still answer when upstreams fail
   */
  static byte[] create(byte[] key, byte[] wire, int[] ttlOffsets, int rcode, long storedAt,
      long ttlSeconds, long staleNanos) {
    int wireStart = TTL_OFFSETS + 2 * ttlOffsets.length + key.length;
    byte[] entry = new byte[wireStart + wire.length];
    long ttlNanos = ttlSeconds * NANOS_PER_SECOND;
    long freshUntil = storedAt + ttlNanos;
    INTS.set(entry, RCODE, rcode);
    LONGS.set(entry, STORED_AT, storedAt);
    LONGS.set(entry, FRESH_UNTIL, freshUntil);
    LONGS.set(entry, STALE_UNTIL, freshUntil + staleNanos);
    // Unbound's rule: refresh once the last tenth of the original TTL has begun.
    LONGS.set(entry, PREFETCH_FROM, freshUntil - ttlNanos / 10);
    WireRecordWalk.writeShort(entry, KEY_LENGTH, key.length);
    WireRecordWalk.writeShort(entry, TTL_COUNT, ttlOffsets.length);
    for (int i = 0; i < ttlOffsets.length; i++) {
      WireRecordWalk.writeShort(entry, TTL_OFFSETS + 2 * i, ttlOffsets[i]);
    }
    System.arraycopy(key, 0, entry, keyOffset(entry), key.length);
    System.arraycopy(wire, 0, entry, wireStart, wire.length);
    return entry;
  }

  static int keyOffset(byte[] entry) {
    return TTL_OFFSETS + 2 * ttlCount(entry);
  }

  static int keyLength(byte[] entry) {
    return WireRecordWalk.readShort(entry, KEY_LENGTH);
  }

  static long staleUntil(byte[] entry) {
    return (long) LONGS.get(entry, STALE_UNTIL);
  }

  static int rcode(byte[] entry) {
    return (int) INTS.get(entry, RCODE);
  }

  /** Nanos are compared by difference so that a System.nanoTime wrap changes nothing. */
  static boolean isFresh(byte[] entry, long now) {
    return now - (long) LONGS.get(entry, FRESH_UNTIL) < 0;
  }

  /** Fresh, or expired but still inside the serve-stale window. */
  static boolean isUsable(byte[] entry, long now) {
    return now - staleUntil(entry) < 0;
  }

  static boolean inPrefetchWindow(byte[] entry, long now) {
    return now - (long) LONGS.get(entry, PREFETCH_FROM) >= 0;
  }

  /** The length of the answer {@link #answer} makes for a client with or without EDNS. */
  static int answerLength(byte[] entry, boolean edns) {
    return entry.length - wireStart(entry) + (edns ? OPT_LENGTH : 0);
  }

  /**
   * The answer to {@code query} (whose packet is {@code packet}, read from its reader index) at
   * the entry's current age: the stored wire form with the client's ID, RD bit and question name
   * as it wrote it, AD only for clients that asked for DNSSEC with DO or AD (RFC 6840 section
   * 5.8), TTLs lowered by the age in whole seconds, and our OPT record (with the client's DO bit)
   * if the client used EDNS.
   */
  static byte[] answer(byte[] entry, long now, PlainQuery query, ByteBuf packet) {
    byte[] answer = aged(entry, now, query.edns());
    packet.getBytes(packet.readerIndex() + PlainQuery.NAME_OFFSET, answer, PlainQuery.NAME_OFFSET,
        query.nameLength());
    return fitted(answer, query);
  }

  /** The same for a query kept as its packet's bytes. */
  static byte[] answer(byte[] entry, long now, PlainQuery query, byte[] packet) {
    byte[] answer = aged(entry, now, query.edns());
    System.arraycopy(packet, PlainQuery.NAME_OFFSET, answer, PlainQuery.NAME_OFFSET,
        query.nameLength());
    return fitted(answer, query);
  }

  private static byte[] fitted(byte[] answer, PlainQuery query) {
    fitHeader(answer, query.id(), query.flags(), query.dnssecOk());
    if (query.edns()) {
      appendOpt(answer, query.dnssecOk());
    }
    return answer;
  }

  /** The client's own copy as a message, TTLs lowered by the entry's age, for the full path. */
  static Message copy(byte[] entry, long now) {
    return parse(withTtls(entry, ageSeconds(entry, now), -1));
  }

  /**
   * The client's own copy of the expired answer: every TTL {@link #STALE_TTL} and an Extended DNS
   * Error saying it is stale (RFC 8914), which {@code ResponseShaper} passes on to EDNS clients.
   */
  static Message staleCopy(byte[] entry) {
    Message message = parse(withTtls(entry, 0, STALE_TTL));
    int code = rcode(entry) == Rcode.NXDOMAIN
        ? ExtendedErrorCodeOption.STALE_NXDOMAIN_ANSWER
        : ExtendedErrorCodeOption.STALE_ANSWER;
    List<EDNSOption> options = new ArrayList<>();
    options.add(new ExtendedErrorCodeOption(code));
    Record opt = new OPTRecord(ResponseShaper.ADVERTISED_UDP_SIZE, 0, 0, 0, options);
    message.addRecord(opt, Section.ADDITIONAL);
    return message;
  }

  /**
   * Counts a hit and says whether it is at least the {@code minHits}th. Counting stops there, so
   * the hottest entries do not make every core contend for one cache line.
   */
  static boolean hitAtLeast(byte[] entry, int minHits) {
    while (true) {
      int state = (int) INTS.getVolatile(entry, STATE);
      if ((state & HITS_MASK) >= minHits) {
        return true;
      }
      if (INTS.compareAndSet(entry, STATE, state, state + 1)) {
        return (state & HITS_MASK) + 1 >= minHits;
      }
    }
  }

  /** True for exactly one caller per entry: an entry is refreshed in the background once. */
  static boolean claimPrefetch(byte[] entry) {
    return setBit(entry, PREFETCH_CLAIMED);
  }

  /**
   * RFC 8767 section 4's failure recheck timer: after a refresh of this entry failed, it answers
   * stale without asking the upstream until {@code now + recheckNanos}.
   */
  static void refreshFailed(byte[] entry, long now, long recheckNanos) {
    LONGS.setVolatile(entry, RECHECK_AFTER, now + recheckNanos);
    setBit(entry, REFRESH_FAILED);
  }

  /** Expired, and a refresh failed less than the recheck time ago. */
  static boolean awaitingRecheck(byte[] entry, long now) {
    return ((int) INTS.getVolatile(entry, STATE) & REFRESH_FAILED) != 0 && !isFresh(entry, now)
        && now - (long) LONGS.getVolatile(entry, RECHECK_AFTER) < 0;
  }

  private static boolean setBit(byte[] entry, int bit) {
    while (true) {
      int state = (int) INTS.getVolatile(entry, STATE);
      if ((state & bit) != 0) {
        return false;
      }
      if (INTS.compareAndSet(entry, STATE, state, state | bit)) {
        return true;
      }
    }
  }

  private static int ttlCount(byte[] entry) {
    return WireRecordWalk.readShort(entry, TTL_COUNT);
  }

  private static int wireStart(byte[] entry) {
    return keyOffset(entry) + keyLength(entry);
  }

  private static long ageSeconds(byte[] entry, long now) {
    return Math.max(0, (now - (long) LONGS.get(entry, STORED_AT)) / NANOS_PER_SECOND);
  }

  /** The wire form with TTLs lowered by the age, and room for an OPT record if asked. */
  private static byte[] aged(byte[] entry, long now, boolean edns) {
    return withTtls(entry, ageSeconds(entry, now), -1, edns ? OPT_LENGTH : 0);
  }

  private static byte[] withTtls(byte[] entry, long age, long fixed) {
    return withTtls(entry, age, fixed, 0);
  }

  /** The stored wire form with TTLs lowered by {@code age}, or all set to {@code fixed} if >= 0. */
  private static byte[] withTtls(byte[] entry, long age, long fixed, int room) {
    int start = wireStart(entry);
    int length = entry.length - start;
    byte[] copy = new byte[length + room];
    System.arraycopy(entry, start, copy, 0, length);
    if (age == 0 && fixed < 0) {
      return copy;
    }
    for (int i = ttlCount(entry) - 1; i >= 0; i--) {
      int offset = WireRecordWalk.readShort(entry, TTL_OFFSETS + 2 * i);
      long ttl = fixed >= 0 ? fixed : Math.max(0, WireRecords.ttl(copy, offset) - age);
      WireRecords.putTtl(copy, offset, ttl);
    }
    return copy;
  }

  private static void fitHeader(byte[] answer, int id, int flags, boolean dnssecOk) {
    WireRecordWalk.writeShort(answer, 0, id);
    // RD belongs to the client: one stored answer serves every client, whatever the first one sent.
    boolean recursionDesired = (flags & 0x0100) != 0;
    answer[2] = (byte) (recursionDesired ? answer[2] | RD_IN_THIRD_BYTE : answer[2] & ~RD_IN_THIRD_BYTE);
    boolean authenticDataAsked = (flags & 0x0020) != 0;
    if (!dnssecOk && !authenticDataAsked) {
      answer[3] &= (byte) ~AD_IN_FOURTH_BYTE;
    }
  }

  /** Fills the room left at the end with our OPT record and counts it in ARCOUNT. */
  private static void appendOpt(byte[] answer, boolean dnssecOk) {
    int at = answer.length - OPT_LENGTH;
    answer[at] = 0; // root name
    WireRecordWalk.writeShort(answer, at + 1, org.xbill.DNS.Type.OPT);
    WireRecordWalk.writeShort(answer, at + 3, ResponseShaper.ADVERTISED_UDP_SIZE);
    // extended rcode 0 and version 0 (answers with extended rcodes are never cached), then flags
    answer[at + 7] = (byte) (dnssecOk ? DO_BIT_IN_FLAGS_BYTE : 0);
    WireRecordWalk.writeShort(answer, 10, WireRecordWalk.readShort(answer, 10) + 1);
  }

  private static Message parse(byte[] wire) {
    try {
      return new Message(wire);
    } catch (IOException e) {
      // Stored answers are walked record by record, not decoded: an upstream's malformed rdata
      // shows here, and the caller answers SERVFAIL.
      throw new IllegalStateException("a cached answer does not parse", e);
    }
  }
}
