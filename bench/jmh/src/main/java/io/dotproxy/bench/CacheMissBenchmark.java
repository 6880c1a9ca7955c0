package io.dotproxy.bench;

import io.dotproxy.runtime.cache.AnswerCache;
import io.dotproxy.runtime.config.CacheSettings;
import io.dotproxy.runtime.config.PrivacySettings;
import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.PlainQuery;
import io.dotproxy.runtime.dns.ResponseShaper;
import io.dotproxy.runtime.dns.Resolver;
import io.dotproxy.runtime.dns.WireResolver;
import io.dotproxy.runtime.listener.QueryPath;
import io.dotproxy.runtime.listener.QueryPipeline;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.dotproxy.runtime.privacy.UpstreamQuery;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;

/**
 * A cache miss from the listener's point of view, minus the sockets and TLS: the client's packet
 * into {@code QueryPipeline.handle}, the DoT query made, the upstream's answer (prepared bytes,
 * as the connection hands them over) judged and stored, the client's answer made. {@code bytes}
 * is what the runtime does for plain queries (issue 18's wire-only miss path); {@code messages}
 * is the same miss through the message path (decode, dnsjava parses and encodes), which every
 * miss took before. Names cycle through more than the cache holds, so every query misses.
 */
public class CacheMissBenchmark extends HotPathBenchmark {

  private static final int NAMES = 65_536;
  private static final int BATCH = 100;

  private final ByteBuf[] packets = new ByteBuf[NAMES];
  private final Map<Name, byte[]> answers = new HashMap<>();
  private final UpstreamQuery upstreamQuery = new UpstreamQuery(new PrivacySettings(true, true));
  private final EventLoop loop = new DefaultEventLoop();
  private QueryPipeline bytesPath;
  private QueryPipeline messagesPath;
  private InetAddress client;
  private int next;
  private byte[] lastAnswer;
  private byte[] lastUpstreamQuery;
  private final Consumer<byte[]> reply = answer -> lastAnswer = answer;

  /** The upstream: the prepared answer to the asked name, as bytes or parsed as the router does. */
  private final class PreparedUpstream implements Resolver, WireResolver {
    @Override
    public CompletableFuture<Message> resolve(ClientQuery query, EventLoop loop) {
      lastUpstreamQuery = upstreamQuery.forDot(query.message());
      try {
        return CompletableFuture.completedFuture(new Message(answers.get(query.question().getName())));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public CompletableFuture<byte[]> resolveWire(Name name, byte[] packet, PlainQuery query,
        EventLoop loop) {
      lastUpstreamQuery = upstreamQuery.forDot(packet, query);
      return CompletableFuture.completedFuture(answers.get(name));
    }
  }

  @Setup
  public void setUp() throws Exception {
    for (int i = 0; i < NAMES; i++) {
      Message query = Queries.query("n" + i + ".test.");
      packets[i] = Unpooled.wrappedBuffer(query.toWire());
      answers.put(query.getQuestion().getName(), Queries.answer(query).toWire());
    }
    PreparedUpstream upstream = new PreparedUpstream();
    ProxyMetrics metrics = new ProxyMetrics();
    CacheSettings settings = new CacheSettings(10_000, Duration.ZERO, Duration.ofDays(1), Duration.ZERO, false);
    AnswerCache bytesCache = AnswerCache.create(upstream, settings, metrics);
    AnswerCache messagesCache = AnswerCache.create(upstream, settings, metrics);
    bytesPath = new QueryPipeline(
        new QueryPath(bytesCache, bytesCache, null, null, ResponseShaper.ADVERTISED_UDP_SIZE), metrics);
    messagesPath = new QueryPipeline(
        new QueryPath(messagesCache, null, null, null, ResponseShaper.ADVERTISED_UDP_SIZE), metrics);
    client = Queries.address("127.0.0.1");
  }

  @TearDown
  public void tearDown() {
    loop.shutdownGracefully();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public byte[] bytes() throws Exception {
    return onLoop(bytesPath);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public byte[] messages() throws Exception {
    return onLoop(messagesPath);
  }

  /** A batch of misses run on the event loop, where the cache answers them at once. */
  private byte[] onLoop(QueryPipeline pipeline) throws Exception {
    return loop.submit(() -> {
      for (int i = 0; i < BATCH; i++) {
        pipeline.handle(nextPacket(), true, client, loop, reply);
      }
      return lastAnswer;
    }).get();
  }

  private ByteBuf nextPacket() {
    ByteBuf packet = packets[next];
    next = (next + 1) & (NAMES - 1);
    return packet;
  }
}
