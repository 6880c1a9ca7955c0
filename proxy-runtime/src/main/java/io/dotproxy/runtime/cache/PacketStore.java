package io.dotproxy.runtime.cache;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A concurrent packet cache of entries that are each one {@code byte[]} holding its own key
 * ({@link CacheKeys} format, where {@link EntryLayout} says) and expiry. It replaces a map of key
 * and entry objects: a lookup hashes and compares the question straight from the client's packet,
 * and the table costs a few bytes a slot instead of objects per entry.
 *
 * <ul>
 *   <li>Segments chosen by the hash's high bits, each an open-addressing table (linear probing,
 *       backward-shift deletion, so no tombstones) sized once from the weight it may hold: every
 *       entry weighs at least one, so the load factor never passes {@link #MAX_LOAD} and the table
 *       never grows.
 *   <li>The hash is SipHash under the cache's secret ({@link KeyHasher}), so clients cannot make
 *       names that pile up in one probe run.
 *   <li>Reads take a segment's lock optimistically and write nothing shared but a slot's use
 *       count, and only until it reaches {@link #MAX_USES}; writes take the lock exclusively.
 *   <li>Eviction is CLOCK with counts (GCLOCK): a hand per segment passes over the slots, taking
 *       one off each use count and evicting the first entry with none left. Entries come in
 *       unused, so a scan of one-off names goes before the entries clients keep asking for.
 *   <li>An entry past its {@link EntryLayout#staleUntil} is absent; a lookup that meets it drops it
 *       when the segment's lock is free, the hand drops it when it passes. There is no thread.
 * </ul>
 *
 * <p>Entries must not change once put (apart from bytes the layout never reads for the key and
 * expiry); an entry put by one thread is fully visible to a thread that gets it.
 */
final class PacketStore {

  /** Where an entry keeps its key and expiry; the store knows nothing else of its layout. */
  interface EntryLayout {
    /** Where the entry's key ({@link CacheKeys} format) starts. */
    int keyOffset(byte[] entry);

    int keyLength(byte[] entry);

    /** {@link System#nanoTime}-based: from then on the entry is of no use and may be dropped. */
    long staleUntil(byte[] entry);
  }

  /** Slots per entry the tables keep free at the least: a load factor of at most 0.7. */
  static final double MAX_LOAD = 0.7;

  /** Weight a segment holds at the least before the store splits into more of them. */
  private static final long MIN_SEGMENT_WEIGHT = 128;

  private static final int MAX_SEGMENTS = 64;

  /**
   * How many uses a slot counts, the hand taking one off as it passes. A bit (plain CLOCK) kept
   * 3.3 points fewer hits than Caffeine's W-TinyLFU on a Zipf trace (PacketStoreHitRatioTest);
   * counting to 7 gains 1.4 of them, more counts gain nothing.
   */
  private static final int MAX_USES = 7;

  private final KeyHasher hasher;
  private final EntryLayout layout;
  private final LongSupplier nanoClock;
  private final Runnable onEviction;
  private final long maxWeight;
  private final Segment[] segments;
  private final int segmentMask;

  /**
   * @param maxWeight the most the entries may weigh together ({@link #weight(byte[])} each)
   * @param nanoClock the clock {@link EntryLayout#staleUntil} is on
   * @param onEviction run once for each entry evicted to make room (not for expiry or
   *     replacement), after the segment's lock is released
   */
  PacketStore(long maxWeight, KeyHasher hasher, EntryLayout layout, LongSupplier nanoClock,
      Runnable onEviction) {
    if (maxWeight < 1) {
      throw new IllegalArgumentException("a packet store holds a weight of at least 1");
    }
    this.maxWeight = maxWeight;
    this.hasher = hasher;
    this.layout = layout;
    this.nanoClock = nanoClock;
    this.onEviction = onEviction;
    int count = (int) Math.min(MAX_SEGMENTS,
        Long.highestOneBit(Math.max(1, maxWeight / MIN_SEGMENT_WEIGHT)));
    this.segments = new Segment[count];
    this.segmentMask = count - 1;
    for (int i = 0; i < count; i++) {
      // The remainder goes one each to the first segments, so the budgets add up to maxWeight.
      segments[i] = new Segment(maxWeight / count + (i < maxWeight % count ? 1 : 0));
    }
  }

  /** One per started KiB, as {@code cache-size} has always counted. */
  static int weight(byte[] entry) {
    return Math.max(1, (entry.length + 1023) >> 10);
  }

  long maxWeight() {
    return maxWeight;
  }

  /** The live entry whose key is {@code key} byte for byte, or null. */
  byte[] get(byte[] key) {
    long hash = hasher.keyHash(key, 0, key.length);
    return segment(hash).get((int) hash, key, null, 0, 0, 0);
  }

  /**
   * The live entry for the question whose name is at {@code nameOffset} in {@code packet}, compared
   * without ASCII case, and type, class and {@link CacheKeys} bits: what
   * {@code get(CacheKeys.key(lower-cased name, type, dclass, bits))} finds, without allocating.
   */
  byte[] get(ByteBuf packet, int nameOffset, int nameLength, int type, int dclass, int bits) {
    long tail = CacheKeys.tail(type, dclass, bits);
    long hash = hasher.keyHash(packet, nameOffset, nameLength, tail);
    return segment(hash).get((int) hash, null, packet, nameOffset, nameLength, tail);
  }

  /** Stores {@code entry}, replacing the entry with the same key, evicting others for room. */
  void put(byte[] entry) {
    long hash = entryHash(entry);
    int evicted = segment(hash).put((int) hash, entry, false, true);
    for (int i = 0; i < evicted; i++) {
      onEviction.run();
    }
  }

  void remove(byte[] key) {
    long hash = hasher.keyHash(key, 0, key.length);
    segment(hash).remove((int) hash, key);
  }

  /** Entries held, expired ones not dropped yet included. */
  long size() {
    long size = 0;
    for (Segment segment : segments) {
      size += segment.count;
    }
    return size;
  }

  /**
   * Entries that can still answer, counted slot by slot (for the entries gauge, read at scrape
   * time): expired ones wait in their slots until the hand or a lookup reaches them.
   */
  long liveSize() {
    long now = nanoClock.getAsLong();
    long live = 0;
    for (Segment segment : segments) {
      live += segment.live(now);
    }
    return live;
  }

  long weight() {
    long weight = 0;
    for (Segment segment : segments) {
      weight += segment.weight;
    }
    return weight;
  }

  /**
   * The live entries, those with uses the hand has not counted down yet first: what a cache of
   * another size should keep. Concurrent changes may or may not be seen.
   */
  void forEachHottestFirst(Consumer<byte[]> action) {
    List<byte[]> cold = new ArrayList<>();
    for (Segment segment : segments) {
      segment.collect(action, cold);
    }
    cold.forEach(action);
  }

  /**
   * Takes over {@code other}'s live entries, hottest first, as far as they fit without evicting
   * any: for a reconfigured cache, so that cold entries never push out hot ones. Entries with
   * uses keep one.
   */
  void putAllFrom(PacketStore other) {
    List<byte[]> cold = new ArrayList<>();
    for (Segment segment : other.segments) {
      segment.collect(entry -> carry(entry, true), cold);
    }
    cold.forEach(entry -> carry(entry, false));
  }

  private void carry(byte[] entry, boolean referenced) {
    long hash = entryHash(entry);
    segment(hash).put((int) hash, entry, referenced, false);
  }

  private long entryHash(byte[] entry) {
    return hasher.keyHash(entry, layout.keyOffset(entry), layout.keyLength(entry));
  }

  private Segment segment(long hash) {
    return segments[segmentIndex(hash)];
  }

  /** The segment a key hash goes to: from bits the slot never uses. */
  int segmentIndex(long hash) {
    return (int) (hash >>> 40) & segmentMask;
  }

  /** The slot a key hash is first looked for at in its segment: from the low 32 bits. */
  int homeSlot(long hash) {
    return (int) hash & segments[segmentIndex(hash)].mask;
  }

  private boolean expired(byte[] entry, long now) {
    return now - layout.staleUntil(entry) >= 0;
  }

  /** One table and its lock. Slots are parallel arrays: no object per entry. */
  private final class Segment {

    private final StampedLock lock = new StampedLock();
    private final long maxWeight;
    private final int mask;
    private final int[] hashes;
    private final byte[][] entries;
    /** Written by readers without the lock: a lost count or one on a shifted slot is harmless. */
    private final byte[] uses;
    private int hand;
    private volatile int count;
    private volatile long weight;

    Segment(long maxWeight) {
      this.maxWeight = maxWeight;
      int slots = Integer.highestOneBit((int) Math.min(1 << 30, (long) (maxWeight / MAX_LOAD)));
      slots = slots < maxWeight / MAX_LOAD ? slots << 1 : slots;
      slots = Math.max(2, slots);
      this.mask = slots - 1;
      this.hashes = new int[slots];
      this.entries = new byte[slots][];
      this.uses = new byte[slots];
    }

    int live(long now) {
      long stamp = lock.readLock();
      try {
        int live = 0;
        for (byte[] entry : entries) {
          if (entry != null && !expired(entry, now)) {
            live++;
          }
        }
        return live;
      } finally {
        lock.unlockRead(stamp);
      }
    }

    /** The live entry for {@code key}, or the packet's question when {@code key} is null. */
    byte[] get(int hash, byte[] key, ByteBuf packet, int nameOffset, int nameLength, long tail) {
      int slot = -1;
      boolean torn = false;
      long stamp = lock.tryOptimisticRead();
      try {
        slot = find(hash, key, packet, nameOffset, nameLength, tail);
      } catch (RuntimeException halfWritten) {
        torn = true; // the layout may have read an entry being written: look again, locked
      }
      byte[] entry = slot < 0 ? null : entries[slot];
      if (torn || !lock.validate(stamp)) {
        stamp = lock.readLock();
        try {
          slot = find(hash, key, packet, nameOffset, nameLength, tail);
          entry = slot < 0 ? null : entries[slot];
        } finally {
          lock.unlockRead(stamp);
        }
      }
      if (entry == null) {
        return null;
      }
      if (expired(entry, nanoClock.getAsLong())) {
        dropIfStill(hash, slot, entry);
        return null;
      }
      int used = uses[slot];
      if (used < MAX_USES) {
        uses[slot] = (byte) (used + 1); // once at the most, a hot slot's line stays unwritten
      }
      return entry;
    }

    /** Drops an expired entry if no one holds the lock; else the hand will. */
    private void dropIfStill(int hash, int slot, byte[] entry) {
      long stamp = lock.tryWriteLock();
      if (stamp == 0) {
        return;
      }
      try {
        for (int i = hash & mask; entries[i] != null; i = (i + 1) & mask) {
          if (entries[i] == entry) {
            delete(i);
            return;
          }
        }
      } finally {
        lock.unlockWrite(stamp);
      }
    }

    /**
     * Stores {@code entry}; with {@code evict}, evicts for room, else stores only what fits.
     *
     * @return how many entries were evicted for room
     */
    int put(int hash, byte[] entry, boolean markReferenced, boolean evict) {
      int entryWeight = weight(entry);
      int keyOffset = layout.keyOffset(entry);
      int keyLength = layout.keyLength(entry);
      int evicted = 0;
      long stamp = lock.writeLock();
      try {
        int existing = findEntryKey(hash, entry, keyOffset, keyLength);
        int used = markReferenced ? 1 : 0;
        if (existing >= 0) {
          used = Math.max(used, uses[existing]); // a refreshed entry is as popular as before
          delete(existing);
        }
        if (entryWeight > maxWeight) {
          return evict ? 1 : 0; // it could never stay: evicted at once, as a full cache would
        }
        if (weight + entryWeight > maxWeight) {
          if (!evict) {
            return 0;
          }
          evicted = evictFor(entryWeight);
        }
        int slot = hash & mask;
        while (entries[slot] != null) {
          slot = (slot + 1) & mask;
        }
        hashes[slot] = hash;
        uses[slot] = (byte) used;
        entries[slot] = entry;
        count = count + 1;
        weight = weight + entryWeight;
        return evicted;
      } finally {
        lock.unlockWrite(stamp);
      }
    }

    void remove(int hash, byte[] key) {
      long stamp = lock.writeLock();
      try {
        int slot = find(hash, key, null, 0, 0, 0);
        if (slot >= 0) {
          delete(slot);
        }
      } finally {
        lock.unlockWrite(stamp);
      }
    }

    /** Under the write lock: runs the hand until {@code needed} fits. */
    private int evictFor(int needed) {
      long now = nanoClock.getAsLong();
      int evicted = 0;
      // Two passes clear every flag; past them readers setting flags anew cannot hold the hand.
      int patience = 2 * entries.length;
      while (weight + needed > maxWeight) {
        int slot = hand;
        byte[] entry = entries[slot];
        if (entry == null) {
          hand = (slot + 1) & mask;
        } else if (expired(entry, now)) {
          delete(slot); // the hand stays: the shift may have moved the next entry here
        } else if (uses[slot] > 0 && patience-- > 0) {
          uses[slot]--;
          hand = (slot + 1) & mask;
        } else {
          delete(slot);
          evicted++;
        }
      }
      return evicted;
    }

    /** Under the write lock: empties {@code slot}, shifting back the entries probed past it. */
    private void delete(int slot) {
      weight = weight - weight(entries[slot]);
      count = count - 1;
      int hole = slot;
      for (int next = (hole + 1) & mask; entries[next] != null; next = (next + 1) & mask) {
        int home = hashes[next] & mask;
        // The entry may fill the hole when its home is not after the hole on its way to next.
        if (((next - home) & mask) >= ((next - hole) & mask)) {
          hashes[hole] = hashes[next];
          uses[hole] = uses[next];
          entries[hole] = entries[next];
          hole = next;
        }
      }
      entries[hole] = null;
      hashes[hole] = 0;
      uses[hole] = 0;
    }

    /** The slot holding the key, or -1; bounded so that a torn optimistic read cannot loop. */
    private int find(int hash, byte[] key, ByteBuf packet, int nameOffset, int nameLength,
        long tail) {
      for (int slot = hash & mask, probes = 0; probes <= mask; slot = (slot + 1) & mask, probes++) {
        byte[] entry = entries[slot];
        if (entry == null) {
          return -1;
        }
        if (hashes[slot] == hash && (key != null
            ? CacheKeys.matches(entry, layout.keyOffset(entry), layout.keyLength(entry), key)
            : CacheKeys.matches(entry, layout.keyOffset(entry), layout.keyLength(entry), packet,
                nameOffset, nameLength, tail))) {
          return slot;
        }
      }
      return -1;
    }

    /** Under the write lock: the slot holding the key that {@code entry} holds, or -1. */
    private int findEntryKey(int hash, byte[] entry, int keyOffset, int keyLength) {
      for (int slot = hash & mask; entries[slot] != null; slot = (slot + 1) & mask) {
        byte[] other = entries[slot];
        if (hashes[slot] == hash && layout.keyLength(other) == keyLength) {
          int otherOffset = layout.keyOffset(other);
          if (Arrays.equals(other, otherOffset, otherOffset + keyLength,
              entry, keyOffset, keyOffset + keyLength)) {
            return slot;
          }
        }
      }
      return -1;
    }

    /** Live entries: those with uses to {@code hot}, the others into {@code cold}. */
    void collect(Consumer<byte[]> hot, List<byte[]> cold) {
      List<byte[]> hotHere = new ArrayList<>();
      long now = nanoClock.getAsLong();
      long stamp = lock.readLock();
      try {
        for (int slot = 0; slot < entries.length; slot++) {
          byte[] entry = entries[slot];
          if (entry != null && !expired(entry, now)) {
            (uses[slot] != 0 ? hotHere : cold).add(entry);
          }
        }
      } finally {
        lock.unlockRead(stamp);
      }
      hotHere.forEach(hot); // outside the lock: the action may put into another store
    }
  }
}
