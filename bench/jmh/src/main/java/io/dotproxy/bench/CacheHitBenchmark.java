package io.dotproxy.bench;

import io.dotproxy.runtime.cache.AnswerCache;
import io.dotproxy.runtime.config.CacheSettings;
import io.dotproxy.runtime.dns.Resolver;
import io.dotproxy.runtime.dns.ResponseShaper;
import io.dotproxy.runtime.listener.QueryPath;
import io.dotproxy.runtime.listener.QueryPipeline;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;
import org.xbill.DNS.Message;

/**
 * A cache hit from the listener's point of view, minus the socket: {@code QueryPipeline.handle}
 * with the packet as it arrived. {@code packetPath} is what the runtime does (the cache answers
 * from the packet's bytes); {@code fullPath} is the same query through the decoder, the cache as
 * a resolver and the shaper, which is what every hit cost before the packet path.
 */
public class CacheHitBenchmark extends HotPathBenchmark {

  private EventLoop loop;
  private QueryPipeline packetPath;
  private QueryPipeline fullPath;
  private ByteBuf packet;
  private InetAddress client;
  private byte[] lastAnswer;
  private final Consumer<byte[]> reply = answer -> lastAnswer = answer;

  @Setup
  public void setUp() throws Exception {
    loop = new DefaultEventLoop();
    Message query = Queries.query("www.example.test.");
    Message answer = Queries.answer(query);
    Resolver upstream = (clientQuery, eventLoop) -> CompletableFuture.completedFuture(answer.clone());
    ProxyMetrics metrics = new ProxyMetrics();
    AnswerCache cache = AnswerCache.create(upstream,
        new CacheSettings(10_000, Duration.ZERO, Duration.ofDays(1), Duration.ZERO, false), metrics);
    packetPath = new QueryPipeline(new QueryPath(cache, cache, null, null, ResponseShaper.ADVERTISED_UDP_SIZE), metrics);
    fullPath = new QueryPipeline(new QueryPath(cache, null, null, null, ResponseShaper.ADVERTISED_UDP_SIZE), metrics);
    packet = Unpooled.wrappedBuffer(query.toWire());
    client = Queries.address("127.0.0.1");
    CompletableFuture<byte[]> stored = new CompletableFuture<>();
    fullPath.handle(packet, true, client, loop, stored::complete); // a miss, answered on the loop
    stored.get(5, TimeUnit.SECONDS);
  }

  @TearDown
  public void tearDown() {
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  @Benchmark
  public void packetPath(Blackhole hole) {
    packetPath.handle(packet, true, client, loop, reply);
    hole.consume(lastAnswer);
  }

  @Benchmark
  public void fullPath(Blackhole hole) {
    fullPath.handle(packet, true, client, loop, reply);
    hole.consume(lastAnswer);
  }
}
