package io.dotproxy.runtime.ratelimit;

import io.dotproxy.runtime.config.RateLimitSettings;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.function.LongSupplier;

/**
 * Per-client query rate limit ({@code rate-limit-qps}, {@code rate-limit-burst}): a token bucket
 * per IPv4 address and per IPv6 /64 (see {@link ClientKey}), in a fixed-size table, so a flood from
 * spoofed or sprayed source addresses cannot grow memory. Thread-safe and lock-free; called on
 * every event loop.
 */
public final class RateLimiter {

  /**
   * Buckets kept at once: about 3 MB when all are in use. Far more clients than a node or a
   * cluster's resolver sees; beyond that, clients that stopped sending make room first.
   */
  public static final int DEFAULT_CAPACITY = 1 << 16;

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final TokenBucketTable buckets;
  private final LongSupplier nanoClock;
  private final RateLimitSettings.Action action;

  /** A limiter for enabled settings ({@code qps > 0}), on the system clock. */
  public RateLimiter(RateLimitSettings settings) {
    this(settings, System::nanoTime);
  }

  /** @param nanoClock a monotonic clock in nanoseconds, like {@link System#nanoTime()} */
  public RateLimiter(RateLimitSettings settings, LongSupplier nanoClock) {
    this(settings, DEFAULT_CAPACITY, nanoClock, new SecureRandom().nextLong());
  }

  RateLimiter(RateLimitSettings settings, int capacity, LongSupplier nanoClock, long seed) {
    if (!settings.enabled()) {
      throw new IllegalArgumentException("rate limiting is off (qps 0)");
    }
    long interval = Math.max(1L, Math.round((double) NANOS_PER_SECOND / settings.qps()));
    this.buckets = new TokenBucketTable(capacity, interval, settings.burst(), seed);
    this.nanoClock = nanoClock;
    this.action = settings.action();
  }

  /** Whether this client may send one more query now; takes a token when it may. */
  public boolean allow(InetAddress client) {
    ClientKey key = ClientKey.of(client);
    return buckets.tryAcquire(key.high(), key.low(), nanoClock.getAsLong());
  }

  /** What a query over the limit gets. */
  public RateLimitSettings.Action action() {
    return action;
  }

  int trackedClients() {
    return buckets.entries();
  }

  int capacity() {
    return buckets.capacity();
  }
}
