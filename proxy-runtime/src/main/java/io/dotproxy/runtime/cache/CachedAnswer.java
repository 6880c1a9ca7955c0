package io.dotproxy.runtime.cache;

import io.dotproxy.runtime.dns.PlainQuery;
import io.dotproxy.runtime.dns.ResponseShaper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * One cached answer: its wire form with the TTLs as stored, parsed again for each use that needs a
 * message. Hits on the plain-query path need none: for the current second of the entry's age it
 * keeps the finished answer for each kind of query ({@link PlainQuery#answerVariant}), and a hit
 * copies that and patches in the ID and the question's case. Nothing else is kept per entry, so
 * a cache of 10,000 typical answers holds a few MiB.
 */
final class CachedAnswer {

  /** RFC 8767 section 4: the TTL of a stale answer, so clients come back soon but not at once. */
  static final long STALE_TTL = 30;

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final byte[] wire;
  private final int[] ttlOffsets;
  private final long storedAt;
  private final long freshUntil;
  private final long staleUntil;
  private final long prefetchFrom;
  private final int rcode;
  private final AtomicInteger hits = new AtomicInteger();
  private final AtomicBoolean prefetchClaimed = new AtomicBoolean();
  private volatile Shaped shaped;
  /** Until when a failed refresh keeps this expired entry from asking the upstream; 0 for never. */
  private volatile long recheckAfter;
  private volatile boolean refreshFailed;
  private volatile Message stale;

  /** Finished answers by query variant for one whole second of age; replaced when it moves on. */
  private record Shaped(long ageSeconds, AtomicReferenceArray<byte[]> byVariant) {}

  /**
   * @param wire the answer with its TTLs as they are to be served at age 0
   * @param ttlOffsets where the TTLs that age sit in {@code wire} (not OPT's, which holds flags)
   * @param ttlSeconds how long the entry is fresh
   * @param staleNanos how long after that it may still answer when upstreams fail
   */
  CachedAnswer(byte[] wire, int[] ttlOffsets, int rcode, long storedAt, long ttlSeconds,
      long staleNanos) {
    this.wire = wire;
    this.ttlOffsets = ttlOffsets;
    this.rcode = rcode;
    this.storedAt = storedAt;
    long ttlNanos = ttlSeconds * NANOS_PER_SECOND;
    this.freshUntil = storedAt + ttlNanos;
    this.staleUntil = freshUntil + staleNanos;
    // Unbound's rule: refresh once the last tenth of the original TTL has begun.
    this.prefetchFrom = freshUntil - ttlNanos / 10;
  }

  /** Nanos are compared by difference so that a System.nanoTime wrap changes nothing. */
  boolean isFresh(long now) {
    return now - freshUntil < 0;
  }

  /** Fresh, or expired but still inside the serve-stale window. */
  boolean isUsable(long now) {
    return now - staleUntil < 0;
  }

  /** What the entry counts against the cache size: one per started KiB of its wire form. */
  int weight() {
    return Math.max(1, (wire.length + 1023) >> 10);
  }

  long staleUntil() {
    return staleUntil;
  }

  int rcode() {
    return rcode;
  }

  /** The client's own copy with every TTL lowered by the entry's age in whole seconds. */
  Message copy(long now) {
    return parse(withTtls(ageSeconds(now), -1));
  }

  /**
   * The finished answer, at the entry's current age, for queries of one variant; {@code shaper}
   * makes it from {@link #copy} when this second has none yet. Racing threads may both make it;
   * they make the same bytes, so either may win. Callers must not change the array.
   */
  byte[] shapedAnswer(long now, int variant, Function<Message, byte[]> shaper) {
    long age = ageSeconds(now);
    Shaped current = shaped;
    if (current == null || current.ageSeconds() != age) {
      current = new Shaped(age, new AtomicReferenceArray<>(PlainQuery.ANSWER_VARIANTS));
      shaped = current;
    }
    byte[] answer = current.byVariant().get(variant);
    if (answer == null) {
      answer = shaper.apply(copy(now));
      current.byVariant().set(variant, answer);
    }
    return answer;
  }

  private long ageSeconds(long now) {
    return Math.max(0, (now - storedAt) / NANOS_PER_SECOND);
  }

  /**
   * The client's own copy of the expired answer: every TTL {@link #STALE_TTL} and an Extended DNS
   * Error saying it is stale (RFC 8914), which {@code ResponseShaper} passes on to EDNS clients.
   */
  Message staleCopy() {
    Message template = stale;
    if (template == null) {
      template = parse(withTtls(0, STALE_TTL));
      markStale(template);
      stale = template;
    }
    return template.clone();
  }

  /**
   * Counts a hit and says whether it is at least the {@code minHits}th. Counting stops there, so
   * the hottest entries do not make every core contend for one counter.
   */
  boolean hitAtLeast(int minHits) {
    if (hits.get() >= minHits) {
      return true;
    }
    return hits.incrementAndGet() >= minHits;
  }

  /**
   * RFC 8767 section 4's failure recheck timer: after a refresh of this entry failed, it answers
   * stale without asking the upstream until {@code recheckAfter}.
   */
  void refreshFailed(long now, long recheckNanos) {
    recheckAfter = now + recheckNanos;
    refreshFailed = true;
  }

  /** Expired, and a refresh failed less than the recheck time ago. */
  boolean awaitingRecheck(long now) {
    return refreshFailed && !isFresh(now) && now - recheckAfter < 0;
  }

  boolean inPrefetchWindow(long now) {
    return now - prefetchFrom >= 0;
  }

  /** True for exactly one caller per entry: an entry is refreshed in the background once. */
  boolean claimPrefetch() {
    return !prefetchClaimed.get() && prefetchClaimed.compareAndSet(false, true);
  }

  /** The stored wire form with TTLs lowered by {@code age}, or all set to {@code fixed} if >= 0. */
  private byte[] withTtls(long age, long fixed) {
    byte[] copy = wire.clone();
    for (int offset : ttlOffsets) {
      long ttl = fixed >= 0 ? fixed : Math.max(0, WireRecords.ttl(wire, offset) - age);
      WireRecords.putTtl(copy, offset, ttl);
    }
    return copy;
  }

  private void markStale(Message message) {
    int code = rcode == Rcode.NXDOMAIN
        ? ExtendedErrorCodeOption.STALE_NXDOMAIN_ANSWER
        : ExtendedErrorCodeOption.STALE_ANSWER;
    OPTRecord old = message.getOPT();
    List<EDNSOption> options = new ArrayList<>();
    if (old != null) {
      options.addAll(old.getOptions());
      message.removeRecord(old, Section.ADDITIONAL);
    }
    options.add(new ExtendedErrorCodeOption(code));
    Record opt = old == null
        ? new OPTRecord(ResponseShaper.ADVERTISED_UDP_SIZE, 0, 0, 0, options)
        : new OPTRecord(old.getPayloadSize(), old.getExtendedRcode(), old.getVersion(),
            old.getFlags(), options);
    message.addRecord(opt, Section.ADDITIONAL);
  }

  private static Message parse(byte[] wire) {
    try {
      return new Message(wire);
    } catch (IOException e) {
      // The bytes came from Message.toWire and only their TTLs changed since.
      throw new IllegalStateException("a cached answer no longer parses", e);
    }
  }
}
