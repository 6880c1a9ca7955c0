package io.dotproxy.runtime.cache;

import io.dotproxy.runtime.config.CacheSettings;
import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.ResponseShaper;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.dotproxy.runtime.testing.Metrics;
import io.dotproxy.runtime.transport.Transport;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.xbill.DNS.Message;

/** Event loops, a hand-moved clock, metrics and a fake next stage for the cache's unit tests. */
abstract class CacheFixture {

  static final long WAIT_SECONDS = 10;

  static EventLoopGroup loops;

  final ManualClock clock = new ManualClock();
  final ProxyMetrics metrics = new ProxyMetrics();
  final FakeNext next = new FakeNext(query -> Dns.positive(query, 300));

  @BeforeAll
  static void startLoops() {
    loops = Transport.nio().newEventLoopGroup(2, "cache-test");
  }

  @AfterAll
  static void stopLoops() {
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Defaults: no TTL clamps that matter, no serve-stale, no prefetch. */
  static CacheSettings settings(int size) {
    return new CacheSettings(size, Duration.ZERO, Duration.ofDays(1), Duration.ZERO, false);
  }

  AnswerCache cache(CacheSettings settings) {
    // The client response timer is far off unless a test is about it.
    return new AnswerCache(next, settings, metrics, clock, Duration.ofMinutes(5));
  }

  AnswerCache cache() {
    return cache(settings(1000));
  }

  static EventLoop loop() {
    return loops.next();
  }

  /** The message the cache hands over, before shaping. */
  static Message ask(AnswerCache cache, ClientQuery query) throws Exception {
    return await(cache.resolve(query, loop()));
  }

  /** What the client receives: the answer shaped for it and parsed back. */
  static Message askShaped(AnswerCache cache, ClientQuery query) throws Exception {
    return new Message(ResponseShaper.shape(query, ask(cache, query)));
  }

  static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  double metric(String name) {
    return Metrics.value(metrics, name);
  }

  static Message parse(byte[] wire) throws IOException {
    return new Message(wire);
  }
}
