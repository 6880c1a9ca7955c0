package io.dotproxy.runtime.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dotproxy.runtime.config.RateLimitSettings;
import io.dotproxy.runtime.config.RateLimitSettings.Action;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Token bucket maths on a hand-driven clock: no sleeps, no timing. */
class RateLimiterTest {

  private static final long MS = 1_000_000L;

  private final AtomicLong clock = new AtomicLong(123_456_789L);

  @Test
  void allowsTheBurstAtOnceThenRefuses() throws Exception {
    RateLimiter limiter = limiter(10, 5);
    InetAddress client = InetAddress.getByName("192.0.2.1");
    assertThat(allowedNow(limiter, client, 100)).isEqualTo(5);
  }

  @Test
  void refillsOneTokenPerInterval() throws Exception {
    RateLimiter limiter = limiter(10, 5); // one token every 100 ms
    InetAddress client = InetAddress.getByName("192.0.2.1");
    allowedNow(limiter, client, 5);
    assertThat(limiter.allow(client)).isFalse();

    clock.addAndGet(99 * MS);
    assertThat(limiter.allow(client)).isFalse();
    clock.addAndGet(1 * MS);
    assertThat(limiter.allow(client)).isTrue();
    assertThat(limiter.allow(client)).isFalse();

    clock.addAndGet(350 * MS); // 3.5 tokens
    assertThat(allowedNow(limiter, client, 10)).isEqualTo(3);
  }

  @Test
  void aFullBucketHoldsNoMoreThanTheBurst() throws Exception {
    RateLimiter limiter = limiter(10, 5);
    InetAddress client = InetAddress.getByName("192.0.2.1");
    allowedNow(limiter, client, 1);
    clock.addAndGet(3_600_000 * MS); // an hour of silence
    assertThat(allowedNow(limiter, client, 100)).isEqualTo(5);
  }

  @Test
  void sustainsExactlyTheConfiguredRate() throws Exception {
    RateLimiter limiter = limiter(50, 1); // one token every 20 ms
    InetAddress client = InetAddress.getByName("192.0.2.1");
    int allowed = 0;
    for (int ms = 0; ms < 10_000; ms++) { // ten seconds, a query every millisecond
      if (limiter.allow(client)) {
        allowed++;
      }
      clock.addAndGet(MS);
    }
    assertThat(allowed).isEqualTo(500);
  }

  @Test
  void refusedQueriesDoNotDelayTheNextToken() throws Exception {
    RateLimiter limiter = limiter(10, 1);
    InetAddress client = InetAddress.getByName("192.0.2.1");
    assertThat(limiter.allow(client)).isTrue();
    for (int i = 0; i < 1000; i++) {
      assertThat(limiter.allow(client)).isFalse();
    }
    clock.addAndGet(100 * MS);
    assertThat(limiter.allow(client)).isTrue();
  }

  @Test
  void clientsHaveTheirOwnBuckets() throws Exception {
    RateLimiter limiter = limiter(10, 3);
    InetAddress flooder = InetAddress.getByName("192.0.2.1");
    InetAddress other = InetAddress.getByName("192.0.2.2");
    allowedNow(limiter, flooder, 1000);
    assertThat(allowedNow(limiter, other, 100)).isEqualTo(3);
  }

  @Test
  void anIpv6Slash64SharesOneBucket() throws Exception {
    RateLimiter limiter = limiter(10, 4);
    int allowed = 0;
    for (int host = 1; host <= 100; host++) {
      if (limiter.allow(InetAddress.getByName("2001:db8:0:7::" + Integer.toHexString(host)))) {
        allowed++;
      }
    }
    assertThat(allowed).isEqualTo(4);
    assertThat(limiter.allow(InetAddress.getByName("2001:db8:0:8::1"))).isTrue();
  }

  @Test
  void worksAcrossAWrappingNanoClock() throws Exception {
    clock.set(Long.MAX_VALUE - 50 * MS);
    RateLimiter limiter = limiter(10, 1);
    InetAddress client = InetAddress.getByName("192.0.2.1");
    assertThat(limiter.allow(client)).isTrue();
    assertThat(limiter.allow(client)).isFalse();
    clock.addAndGet(100 * MS); // wraps past Long.MAX_VALUE
    assertThat(limiter.allow(client)).isTrue();
    assertThat(limiter.allow(client)).isFalse();
  }

  @Test
  void eventLoopsSharingAClientNeverHandOutMoreThanItsTokens() throws Exception {
    RateLimiter limiter = limiter(10, 5000);
    InetAddress client = InetAddress.getByName("192.0.2.1");
    assertThat(limiter.allow(client)).isTrue();
    int threads = 8;
    AtomicLong allowed = new AtomicLong(1);
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> loops = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        allowed.addAndGet(allowedNow(limiter, client, 2000));
      });
      thread.start();
      loops.add(thread);
    }
    start.countDown();
    for (Thread thread : loops) {
      thread.join(30_000);
    }
    assertThat(allowed).hasValue(5000);
  }

  @Test
  void keepsTheConfiguredAction() {
    assertThat(new RateLimiter(new RateLimitSettings(5, 10, Action.DROP), clock::get).action())
        .isEqualTo(Action.DROP);
    assertThat(new RateLimiter(new RateLimitSettings(5, 10, Action.REFUSE), clock::get).action())
        .isEqualTo(Action.REFUSE);
  }

  @Test
  void refusesToBuildALimiterThatIsOff() {
    assertThatThrownBy(() -> new RateLimiter(new RateLimitSettings(0, 1, Action.REFUSE)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void memoryStaysBoundedUnderAMillionSprayedAddresses() throws Exception {
    RateLimiter limiter = new RateLimiter(
        new RateLimitSettings(10, 20, Action.REFUSE), 1 << 12, clock::get, 42L);
    InetAddress flooder = InetAddress.getByName("198.51.100.7");
    allowedNow(limiter, flooder, 1000); // empties its bucket: it owes the most of anyone

    byte[] address = new byte[4];
    int flooderLetThrough = 0;
    for (int i = 0; i < 1_000_000; i++) {
      address[0] = 10;
      address[1] = (byte) (i >>> 16);
      address[2] = (byte) (i >>> 8);
      address[3] = (byte) i;
      assertThat(limiter.allow(InetAddress.getByAddress(address))).isTrue(); // each one is new
      if (i % 1000 == 0) {
        clock.addAndGet(1000); // a microsecond per thousand: far less than one token
        if (limiter.allow(flooder)) {
          flooderLetThrough++;
        }
      }
    }
    assertThat(limiter.trackedClients()).isLessThanOrEqualTo(limiter.capacity()).isEqualTo(1 << 12);
    // The spray never pushed the heavy sender out of the table, so it never got a fresh bucket.
    assertThat(flooderLetThrough).isZero();
  }

  @Test
  void anEvictedClientStartsWithAFullBucket() throws Exception {
    RateLimiter limiter = new RateLimiter(
        new RateLimitSettings(10, 2, Action.REFUSE), TokenBucketTable.WAYS, clock::get, 7L);
    InetAddress first = InetAddress.getByName("192.0.2.1");
    allowedNow(limiter, first, 2);
    clock.addAndGet(10 * MS);
    // Four new clients, each owing more than the first: it is the one evicted.
    for (int i = 2; i < 2 + TokenBucketTable.WAYS; i++) {
      allowedNow(limiter, InetAddress.getByName("192.0.2." + i), 2);
    }
    assertThat(limiter.trackedClients()).isEqualTo(TokenBucketTable.WAYS);
    assertThat(allowedNow(limiter, first, 10)).isEqualTo(2);
  }

  private RateLimiter limiter(int qps, int burst) {
    return new RateLimiter(new RateLimitSettings(qps, burst, Action.REFUSE), clock::get);
  }

  /** Sends {@code queries} at the current instant; returns how many were allowed. */
  private static int allowedNow(RateLimiter limiter, InetAddress client, int queries) {
    int allowed = 0;
    for (int i = 0; i < queries; i++) {
      if (limiter.allow(client)) {
        allowed++;
      }
    }
    return allowed;
  }
}
