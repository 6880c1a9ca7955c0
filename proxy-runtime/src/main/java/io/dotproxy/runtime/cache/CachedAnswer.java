package io.dotproxy.runtime.cache;

import io.dotproxy.runtime.dns.ResponseShaper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * One cached answer. It keeps the answer's wire form with the TTLs as stored and, for the current
 * second of its age, a parsed message whose TTLs are already lowered by that age. A hit clones
 * that message (a header and four short lists; the records themselves are immutable and shared),
 * so the wire form is re-parsed at most once per second per entry however hot it is.
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
  private volatile Snapshot current;
  private volatile Message stale;

  /** The parsed answer for one whole second of age; replaced when the age moves on. */
  private record Snapshot(long ageSeconds, Message message) {}

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
    this.current = new Snapshot(0, parse(wire));
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
    long age = Math.max(0, (now - storedAt) / NANOS_PER_SECOND);
    Snapshot snapshot = current;
    if (snapshot.ageSeconds() != age) {
      // Racing threads may both rebuild; they build the same message, so either may win.
      snapshot = new Snapshot(age, parse(withTtls(age, -1)));
      current = snapshot;
    }
    return snapshot.message().clone();
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
