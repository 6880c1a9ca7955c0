package io.dotproxy.bench;

import io.dotproxy.runtime.config.RateLimitSettings;
import io.dotproxy.runtime.ratelimit.RateLimiter;
import java.net.InetAddress;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * The per-client limit checked before any other work: one client, and 4,096 clients taking
 * turns (table slots spread out, as with many pods behind one node-local proxy). Two threads,
 * as two event loops share the table.
 */
@State(Scope.Benchmark)
@Threads(2)
public class RateLimiterBenchmark extends HotPathBenchmark {

  private RateLimiter limiter;
  private InetAddress one;
  private InetAddress[] many;

  @State(Scope.Thread)
  public static class Turn {
    int next;
  }

  @Setup
  public void setUp() throws Exception {
    limiter = new RateLimiter(new RateLimitSettings(1_000_000, 1_000_000, RateLimitSettings.Action.REFUSE));
    one = Queries.address("127.0.0.1");
    many = new InetAddress[4096];
    for (int i = 0; i < many.length; i++) {
      many[i] = InetAddress.getByAddress(new byte[] {10, 1, (byte) (i >> 8), (byte) i});
    }
  }

  @Benchmark
  public boolean oneClient() {
    return limiter.allow(one);
  }

  @Benchmark
  public boolean manyClients(Turn turn) {
    turn.next = (turn.next + 1) & (many.length - 1);
    return limiter.allow(many[turn.next]);
  }
}
