package io.dotproxy.runtime.ratelimit;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Token buckets for any number of clients in a fixed amount of memory, shared by every event loop
 * without locks.
 *
 * <p>A bucket is kept as a single time, its <em>theoretical arrival time</em> (the virtual-scheduling
 * form of a token bucket, GCRA, ITU-T I.371): the moment it would be full again. A query at
 * {@code now} is allowed when {@code max(tat, now) + interval - now <= burst * interval}, and then
 * {@code tat} becomes {@code max(tat, now) + interval}. This is exactly a bucket of {@code burst}
 * tokens refilled at one token per {@code interval}, and a refused query changes nothing, so a
 * client flooding past its limit only reads the table.
 *
 * <p>The table is set-associative: a client hashes (with a secret seed, so that nobody can aim
 * addresses at another client's set) to a set of {@link #WAYS} slots. A client not in its set
 * replaces the bucket with the earliest theoretical arrival time. A bucket whose time has passed is
 * full, exactly like no bucket at all, so evicting it loses nothing; when every bucket in the set is
 * in use, the one that owes least goes, and heavy senders, the ones worth limiting, stay. An evicted
 * client simply starts again with a full bucket.
 *
 * <p>Slots hold immutable buckets replaced by compare-and-set. Two threads inserting the same new
 * client at once may leave it in two slots of its set; it then gets at most one extra burst, and
 * the spare bucket is the first to be evicted once it has refilled.
 */
final class TokenBucketTable {

  static final int WAYS = 4;

  private final AtomicReferenceArray<Bucket> slots;
  private final int setMask;
  private final long interval;
  private final long burstSpan;
  private final long seed;

  /**
   * @param capacity number of buckets, a power of two, at least {@link #WAYS}
   * @param interval nanoseconds per token, at least 1
   * @param burst bucket size in tokens, at least 1
   * @param seed secret hash seed
   */
  TokenBucketTable(int capacity, long interval, int burst, long seed) {
    if (capacity < WAYS || Integer.bitCount(capacity) != 1) {
      throw new IllegalArgumentException("capacity must be a power of two >= " + WAYS);
    }
    if (interval < 1 || burst < 1) {
      throw new IllegalArgumentException("interval and burst must be positive");
    }
    this.slots = new AtomicReferenceArray<>(capacity);
    this.setMask = capacity / WAYS - 1;
    this.interval = interval;
    this.burstSpan = Math.multiplyExact(interval, (long) burst);
    this.seed = seed;
  }

  /** Takes a token from the client's bucket at time {@code now} (nanoseconds, any origin). */
  boolean tryAcquire(long high, long low, long now) {
    int base = setOf(high, low) * WAYS;
    retry:
    while (true) {
      int victim = -1;
      Bucket victimBucket = null;
      for (int slot = base; slot < base + WAYS; slot++) {
        Bucket bucket = slots.get(slot);
        if (bucket == null) {
          if (victim < 0 || victimBucket != null) {
            victim = slot; // an empty slot beats any bucket
            victimBucket = null;
          }
          continue;
        }
        if (bucket.high == high && bucket.low == low) {
          long start = bucket.tat - now > 0 ? bucket.tat : now;
          long tat = start + interval;
          if (tat - now > burstSpan) {
            return false;
          }
          if (slots.compareAndSet(slot, bucket, new Bucket(high, low, tat))) {
            return true;
          }
          continue retry; // another loop took a token from this client meanwhile
        }
        if (victim < 0 || (victimBucket != null && bucket.tat - victimBucket.tat < 0)) {
          victim = slot;
          victimBucket = bucket;
        }
      }
      // A client not seen lately: a full bucket, minus this query's token.
      if (slots.compareAndSet(victim, victimBucket, new Bucket(high, low, now + interval))) {
        return true;
      }
    }
  }

  int capacity() {
    return slots.length();
  }

  /** Buckets in use; never more than {@link #capacity()}. Reads every slot: for tests and debugging. */
  int entries() {
    int count = 0;
    for (int i = 0; i < slots.length(); i++) {
      if (slots.get(i) != null) {
        count++;
      }
    }
    return count;
  }

  private int setOf(long high, long low) {
    long hash = mix(mix(high ^ seed) ^ low);
    return (int) (hash >>> 32) & setMask;
  }

  /** The 64-bit finaliser of MurmurHash3: every input bit affects every output bit. */
  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }

  /** One client's bucket: its key and theoretical arrival time. Immutable, replaced by CAS. */
  private record Bucket(long high, long low, long tat) {}
}
