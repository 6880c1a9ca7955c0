package io.dotproxy.runtime.cache;

import static io.dotproxy.runtime.cache.StoredEntries.entry;
import static io.dotproxy.runtime.cache.StoredEntries.key;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.dns.PlainQuery;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class PacketStoreTest {

  private static final long FAR = Duration.ofDays(365).toNanos();

  private final ManualClock clock = new ManualClock();
  private final AtomicInteger evictions = new AtomicInteger();
  private final KeyHasher hasher = new KeyHasher(0x1234_5678_9abc_def0L, 0x0fed_cba9_8765_4321L);

  private PacketStore store(long maxWeight) {
    return new PacketStore(maxWeight, hasher, StoredEntries.LAYOUT, clock,
        evictions::incrementAndGet);
  }

  private byte[] live(byte[] key) {
    return entry(key, clock.getAsLong() + FAR, 64);
  }

  @Test
  void storesReplacesAndRemovesByKey() {
    PacketStore store = store(100);
    byte[] first = live(key("www.example.test."));
    store.put(first);
    assertThat(store.get(key("www.example.test."))).isSameAs(first);
    assertThat(store.get(key("other.example.test."))).isNull();
    assertThat(store.get(CacheKeys.key(Dns.name("www.example.test.").toWireCanonical(), Type.AAAA,
        DClass.IN, 0))).as("another type").isNull();

    byte[] second = entry(key("www.example.test."), clock.getAsLong() + FAR, 3000);
    store.put(second);
    assertThat(store.get(key("www.example.test."))).isSameAs(second);
    assertThat(store.size()).isEqualTo(1);
    assertThat(store.weight()).as("3000 bytes weigh three started KiB").isEqualTo(3);

    store.remove(key("www.example.test."));
    assertThat(store.get(key("www.example.test."))).isNull();
    assertThat(store.size()).isZero();
    assertThat(store.weight()).isZero();
    assertThat(evictions).as("replacement and removal are not evictions").hasValue(0);
  }

  @Test
  void aQuestionInAPacketFindsWhatItsCanonicalKeyFinds() {
    PacketStore store = store(1000);
    Random random = new Random(18);
    for (int round = 0; round < 300; round++) {
      String name = randomName(random);
      int type = random.nextBoolean() ? Type.A : Type.AAAA;
      boolean dnssecOk = random.nextBoolean();
      boolean checkingDisabled = random.nextBoolean();
      byte[] canonical = Dns.name(name.toLowerCase()).toWireCanonical();
      int bits = CacheKeys.bits(dnssecOk, checkingDisabled);
      byte[] stored = live(CacheKeys.key(canonical, type, DClass.IN, bits));
      store.put(stored);

      String asked = randomCase(name, random);
      ByteBuf packet = packet(asked, type, dnssecOk, checkingDisabled, random.nextInt(5));
      PlainQuery query = PlainQuery.read(packet);
      int nameOffset = packet.readerIndex() + PlainQuery.NAME_OFFSET;
      assertThat(store.get(packet, nameOffset, query.nameLength(), type, DClass.IN, bits))
          .as("%s asked as %s", name, asked).isSameAs(stored)
          .isSameAs(store.get(CacheKeys.key(canonical, type, DClass.IN, bits)));
      assertThat(store.get(packet, nameOffset, query.nameLength(), type, DClass.IN, bits ^ 1))
          .as("DO differs").isNull();
      assertThat(store.get(packet, nameOffset, query.nameLength(), type, DClass.IN, bits ^ 2))
          .as("CD differs").isNull();
      assertThat(store.get(packet, nameOffset, query.nameLength(), type, DClass.CH, bits))
          .as("class differs").isNull();
      store.remove(CacheKeys.key(canonical, type, DClass.IN, bits));
      assertThat(store.get(packet, nameOffset, query.nameLength(), type, DClass.IN, bits)).isNull();
    }
  }

  @Test
  void evictionKeepsTheWeightInBoundsAndCountsEachEvictedEntry() {
    PacketStore store = store(300);
    Random random = new Random(7);
    int puts = 2000;
    for (int i = 0; i < puts; i++) {
      store.put(entry(key("n" + i + ".test."), clock.getAsLong() + FAR, 1 + random.nextInt(3000)));
      assertThat(store.weight()).isLessThanOrEqualTo(300);
    }
    assertThat(store.size()).isLessThan(300);
    assertThat(evictions).as("every entry not in the store went for room").hasValue(
        (int) (puts - store.size()));
  }

  @Test
  void anEntryHeavierThanTheStoreCountsAsEvictedAndTakesTheOldOneAlong() {
    PacketStore store = store(2);
    store.put(live(key("big.test.")));
    store.put(entry(key("big.test."), clock.getAsLong() + FAR, 5000));
    assertThat(store.get(key("big.test."))).isNull();
    assertThat(store.size()).isZero();
    assertThat(evictions).hasValue(1);
  }

  @Test
  void expiredEntriesAreAbsentAndDroppedWithoutCountingAsEvictions() {
    PacketStore store = store(200);
    long staleUntil = clock.getAsLong() + Duration.ofSeconds(10).toNanos();
    for (int i = 0; i < 200; i++) {
      store.put(entry(key("old" + i + ".test."), staleUntil, 100));
    }
    clock.advance(Duration.ofSeconds(9));
    assertThat(store.get(key("old0.test."))).isNotNull();
    clock.advance(Duration.ofSeconds(1));
    assertThat(store.get(key("old0.test."))).isNull();
    assertThat(store.size()).as("the lookup dropped it").isEqualTo(199);

    for (int i = 0; i < 200; i++) {
      store.put(live(key("new" + i + ".test.")));
    }
    int kept = 0;
    for (int i = 0; i < 200; i++) {
      kept += store.get(key("new" + i + ".test.")) != null ? 1 : 0;
    }
    assertThat(kept).as("the hand made room by dropping expired entries").isGreaterThan(100);
    assertThat(evictions).as("only live entries count as evicted").hasValue(200 - kept);
    assertThat(store.size()).as("expired entries the hand has not reached yet").isEqualTo(200);
  }

  /** Many puts, gets and removes against a map: backward shifts must keep every key findable. */
  @Test
  void behavesAsAMapUnderRandomOperations() {
    PacketStore store = store(250); // one segment; no evictions, the key pool fits
    Random random = new Random(42);
    List<byte[]> keys = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      keys.add(key("k" + Integer.toString(random.nextInt(1 << 30), 36) + i + ".test."));
    }
    Map<Integer, byte[]> model = new HashMap<>();
    for (int op = 0; op < 100_000; op++) {
      int k = random.nextInt(keys.size());
      byte[] key = keys.get(k);
      switch (random.nextInt(3)) {
        case 0 -> {
          byte[] stored = entry(key, clock.getAsLong() + FAR, 10 + random.nextInt(900));
          store.put(stored);
          model.put(k, stored);
        }
        case 1 -> {
          store.remove(key);
          model.remove(k);
        }
        default -> assertThat(store.get(key)).as("op %d", op).isSameAs(model.get(k));
      }
      assertThat(store.size()).isEqualTo(model.size());
    }
    for (int k = 0; k < keys.size(); k++) {
      assertThat(store.get(keys.get(k))).isSameAs(model.get(k));
    }
    assertThat(evictions).hasValue(0);
  }

  /** Keys made to share a segment and a home slot near the table's end, so probes wrap. */
  @Test
  void keysPiledOnOneSlotStayFindableThroughRemovals() {
    PacketStore store = store(64 * 128); // 64 segments of 128 entries, 256 slots each
    long sample = hasher.keyHash(key("probe.test."), 0, key("probe.test.").length);
    int targetSegment = store.segmentIndex(sample);
    int targetSlot = store.homeSlot(sample) | 0xF8; // eight slots before the end of a 256 table
    List<byte[]> piled = new ArrayList<>();
    for (int i = 0; piled.size() < 40; i++) {
      byte[] key = key("p" + i + ".test.");
      long hash = hasher.keyHash(key, 0, key.length);
      if (store.segmentIndex(hash) == targetSegment && store.homeSlot(hash) == targetSlot) {
        piled.add(key);
      }
    }
    piled.forEach(key -> store.put(live(key)));
    List<byte[]> order = new ArrayList<>(piled);
    Collections.shuffle(order, new Random(3));
    for (int removed = 0; removed < order.size(); removed++) {
      store.remove(order.get(removed));
      for (int i = 0; i < order.size(); i++) {
        boolean gone = i <= removed;
        assertThat(store.get(order.get(i)) == null).as("key %d gone after %d removals", i,
            removed + 1).isEqualTo(gone);
      }
    }
    assertThat(store.size()).isZero();
    assertThat(evictions).hasValue(0);
  }

  @Test
  void entriesAskedForSurviveAScanOfOneOffNames() {
    PacketStore store = store(1000);
    List<byte[]> hot = new ArrayList<>();
    List<byte[]> untouched = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      hot.add(key("hot" + i + ".test."));
      untouched.add(key("cold" + i + ".test."));
    }
    hot.forEach(key -> store.put(live(key)));
    untouched.forEach(key -> store.put(live(key)));
    for (int i = 0; i < 20_000; i++) {
      if (i % 200 == 0) {
        hot.forEach(store::get); // clients keep asking for these
      }
      store.put(live(key("scan" + i + ".test.")));
    }
    assertThat(hot).allMatch(key -> store.get(key) != null);
    assertThat(untouched).as("the scan does evict what nobody asks for")
        .allMatch(key -> store.get(key) == null);
  }

  @Test
  void aSmallerStoreTakesTheHottestEntriesWithoutEvicting() {
    PacketStore big = store(1000);
    for (int i = 0; i < 900; i++) {
      big.put(live(key("e" + i + ".test.")));
    }
    for (int i = 0; i < 50; i++) {
      big.get(key("e" + (i * 17) + ".test."));
    }
    List<byte[]> order = new ArrayList<>();
    big.forEachHottestFirst(order::add);
    assertThat(order).hasSize(900);
    assertThat(order.subList(0, 50)).allMatch(entry -> referencedKey(entry) % 17 == 0 && referencedKey(entry) < 50 * 17);

    PacketStore small = store(200);
    small.putAllFrom(big);
    for (int i = 0; i < 50; i++) {
      assertThat(small.get(key("e" + (i * 17) + ".test."))).isNotNull();
    }
    assertThat(small.weight()).isLessThanOrEqualTo(200).isGreaterThan(100);
    assertThat(evictions).hasValue(0);
  }

  /**
   * Threads put, replace, remove and get at once. Each owns some keys and is the only one to
   * change them; the store never needs to evict. Whatever a reader finds must be a whole entry of
   * the key it asked for, and at the end each key holds what its owner put last.
   */
  @Test
  void concurrentReadersAndWritersSeeWholeEntriesAndLoseNone() throws Exception {
    PacketStore store = store(1 << 16);
    int threads = 4;
    int keysPerThread = 200;
    List<List<byte[]>> owned = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      List<byte[]> keys = new ArrayList<>();
      for (int k = 0; k < keysPerThread; k++) {
        keys.add(key("t" + t + "-k" + k + ".Test."));
      }
      owned.add(keys);
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<byte[][]>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int me = t;
        results.add(pool.submit(() -> work(store, owned, me, new Random(me))));
      }
      for (int t = 0; t < threads; t++) {
        byte[][] last = results.get(t).get(60, TimeUnit.SECONDS);
        for (int k = 0; k < keysPerThread; k++) {
          assertThat(store.get(owned.get(t).get(k))).isSameAs(last[k]);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(evictions).hasValue(0);
  }

  private byte[][] work(PacketStore store, List<List<byte[]>> owned, int me, Random random) {
    List<byte[]> mine = owned.get(me);
    byte[][] last = new byte[mine.size()][];
    for (int op = 0; op < 40_000; op++) {
      int k = random.nextInt(mine.size());
      int choice = random.nextInt(10);
      if (choice == 0) {
        store.remove(mine.get(k));
        last[k] = null;
      } else if (choice < 3) {
        byte[] stored = entry(mine.get(k), clock.getAsLong() + FAR, 100 + random.nextInt(2000));
        Arrays.fill(stored, 10 + mine.get(k).length, stored.length, (byte) op);
        store.put(stored);
        last[k] = stored;
      } else {
        byte[] key = owned.get(random.nextInt(owned.size())).get(k);
        byte[] found = store.get(key);
        if (found != null) {
          assertThat(StoredEntries.LAYOUT.keyLength(found)).isEqualTo(key.length);
          assertThat(Arrays.copyOfRange(found, 10, 10 + key.length)).isEqualTo(key);
          byte filler = found[found.length - 1];
          for (int i = 10 + key.length; i < found.length; i++) {
            if (found[i] != filler) {
              throw new AssertionError("a reader saw an entry half written");
            }
          }
        }
      }
    }
    return last;
  }

  private static int referencedKey(byte[] entry) {
    byte[] key = Arrays.copyOfRange(entry, 10, 10 + StoredEntries.LAYOUT.keyLength(entry));
    return Integer.parseInt(new String(key, 2, key[0] - 1, StandardCharsets.US_ASCII));
  }

  private static String randomName(Random random) {
    StringBuilder name = new StringBuilder();
    int labels = 1 + random.nextInt(4);
    for (int l = 0; l < labels; l++) {
      int length = 1 + random.nextInt(20);
      for (int i = 0; i < length; i++) {
        name.append("abcdefghijklmnopqrstuvwxyz0123456789-_".charAt(random.nextInt(38)));
      }
      name.append('.');
    }
    return name.toString();
  }

  private static String randomCase(String name, Random random) {
    StringBuilder mixed = new StringBuilder();
    for (char c : name.toCharArray()) {
      mixed.append(random.nextBoolean() ? Character.toUpperCase(c) : c);
    }
    return mixed.toString();
  }

  /** A client's query as it arrives, after {@code prefix} unrelated bytes in the buffer. */
  private static ByteBuf packet(String name, int type, boolean dnssecOk, boolean checkingDisabled,
      int prefix) {
    Message query = Message.newQuery(Record.newRecord(Dns.name(name), type, DClass.IN));
    query.addRecord(new OPTRecord(1232, 0, 0, dnssecOk ? 0x8000 : 0), Section.ADDITIONAL);
    if (checkingDisabled) {
      query.getHeader().setFlag(Flags.CD);
    }
    byte[] wire = query.toWire();
    ByteBuf packet = Unpooled.buffer(prefix + wire.length);
    packet.writeZero(prefix).writeBytes(wire).readerIndex(prefix);
    return packet;
  }
}
