package io.dotproxy.runtime.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;

/**
 * The packet store's eviction against Caffeine's W-TinyLFU as the answer cache configured it (one
 * weight per entry), on a seeded Zipf trace: a hit ratio, not a time. By default a trace a tenth
 * the size of the issue's; {@code -Ddotproxy.hitratio.full=true} runs 1,000,000 names, a
 * 10,000-entry cache and 3,000,000 requests and prints both ratios.
 */
class PacketStoreHitRatioTest {

  private static final double ZIPF_S = 0.95;
  private static final long FAR = Long.MAX_VALUE / 4;

  @Test
  void countingClockKeepsNearlyAsManyHitsAsCaffeineOnAZipfTrace() {
    boolean full = Boolean.getBoolean("dotproxy.hitratio.full");
    int names = full ? 1_000_000 : 100_000;
    int capacity = full ? 10_000 : 1_000;
    int requests = full ? 3_000_000 : 300_000;
    int[] trace = zipfTrace(names, requests, new Random(95));

    ManualClock clock = new ManualClock();
    PacketStore store = new PacketStore(capacity, new KeyHasher(11, 13), StoredEntries.LAYOUT,
        clock, () -> { });
    double clockRatio = hitRatio(trace, id -> {
      byte[] key = key(id);
      if (store.get(key) != null) {
        return true;
      }
      store.put(StoredEntries.entry(key, FAR, 64));
      return false;
    });

    Cache<Integer, Boolean> caffeine = Caffeine.newBuilder()
        .maximumWeight(capacity)
        .weigher((Integer id, Boolean entry) -> 1)
        .executor(Runnable::run)
        .build();
    double caffeineRatio = hitRatio(trace, id -> {
      if (caffeine.getIfPresent(id) != null) {
        return true;
      }
      caffeine.put(id, Boolean.TRUE);
      return false;
    });

    System.out.printf("Zipf s=%.2f, %,d names, %,d entries, %,d requests: "
        + "PacketStore (GCLOCK) %.2f%%, Caffeine (W-TinyLFU) %.2f%%%n", ZIPF_S, names, capacity,
        requests, 100 * clockRatio, 100 * caffeineRatio);
    // Measured: 1.9 points behind on the full trace, 3 to 5 on the small one (where Caffeine's
    // own figure varies by a few points from run to run: its admission has a random part).
    assertThat(clockRatio).isGreaterThan(caffeineRatio - (full ? 0.025 : 0.07))
        .isGreaterThan(full ? 0.5 : 0.4);
  }

  private static double hitRatio(int[] trace, IntPredicate hit) {
    long hits = 0;
    for (int id : trace) {
      hits += hit.test(id) ? 1 : 0;
    }
    return (double) hits / trace.length;
  }

  /** {@code requests} name ids, id k asked with a weight of 1 / (k + 1)^s. */
  private static int[] zipfTrace(int names, int requests, Random random) {
    double[] cumulative = new double[names];
    double sum = 0;
    for (int k = 0; k < names; k++) {
      sum += 1 / Math.pow(k + 1, ZIPF_S);
      cumulative[k] = sum;
    }
    int[] trace = new int[requests];
    for (int i = 0; i < requests; i++) {
      int found = Arrays.binarySearch(cumulative, random.nextDouble() * sum);
      // Spread the ranks over the ids, so popularity says nothing about where a key hashes.
      int rank = Math.min(names - 1, found < 0 ? -found - 1 : found);
      trace[i] = (int) ((long) rank * 7919 % names);
    }
    return trace;
  }

  private static byte[] key(int id) {
    byte[] label = ("n" + id).getBytes(StandardCharsets.US_ASCII);
    byte[] name = new byte[label.length + 2];
    name[0] = (byte) label.length;
    System.arraycopy(label, 0, name, 1, label.length);
    return CacheKeys.key(name, 1, DClass.IN, 0);
  }
}
