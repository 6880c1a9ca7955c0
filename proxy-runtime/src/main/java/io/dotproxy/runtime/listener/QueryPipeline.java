package io.dotproxy.runtime.listener;

import io.dotproxy.runtime.config.RateLimitSettings;
import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.DecodedQuery;
import io.dotproxy.runtime.dns.PlainQuery;
import io.dotproxy.runtime.dns.QueryDecoder;
import io.dotproxy.runtime.dns.Resolver;
import io.dotproxy.runtime.dns.ResponseShaper;
import io.dotproxy.runtime.dns.QueryTrace;
import io.dotproxy.runtime.dns.Responses;
import io.dotproxy.runtime.querylog.QueryLog;
import io.netty.buffer.ByteBuf;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.dotproxy.runtime.ratelimit.RateLimiter;
import io.netty.channel.EventLoop;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/**
 * What both listeners do with a packet: decode it, resolve it, fit the answer to the client. Every
 * query ends in exactly one call of {@code reply}: an answer, or null for a deliberate drop.
 */
public final class QueryPipeline {

  private static final Logger log = LoggerFactory.getLogger(QueryPipeline.class);

  private static final String[] RCODE_NAMES = new String[16];

  static {
    for (int rcode = 0; rcode < RCODE_NAMES.length; rcode++) {
      RCODE_NAMES[rcode] = Rcode.string(rcode);
    }
  }

  /**
   * Client queries received and not yet answered, over every listener. Each one holds its decoded
   * query and its callbacks (about 1 KB of heap) until it is answered, so a client that asks faster
   * than answers come back (a flood of a name whose upstream query stalls, say) would otherwise grow
   * the heap without bound. Over the limit a query is answered SERVFAIL at once.
   */
  public static final int MAX_IN_FLIGHT = 10_000;

  private final ProxyMetrics metrics;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile QueryPath path;

  public QueryPipeline(Resolver resolver, ProxyMetrics metrics) {
    this(resolver, metrics, null);
  }

  /** @param rateLimiter the per-client limit, applied before any other work; null when off */
  public QueryPipeline(Resolver resolver, ProxyMetrics metrics, RateLimiter rateLimiter) {
    this(new QueryPath(resolver, rateLimiter), metrics);
  }

  public QueryPipeline(QueryPath path, ProxyMetrics metrics) {
    this.path = path;
    this.metrics = metrics;
  }

  /** Installs a new path for queries from now on; queries under way finish on the old one. */
  public void use(QueryPath next) {
    path = next;
  }

  /**
   * Answers a cache hit at once from the packet's bytes; otherwise decodes synchronously (the
   * packet may be released on return) and answers when resolved.
   *
   * @param client the sender's address, for rate limiting and the query log
   */
  public void handle(ByteBuf packet, boolean udp, InetAddress client, EventLoop loop,
      Consumer<byte[]> reply) {
    long started = System.nanoTime();
    // Sockets bound to [::] report IPv4 clients as IPv4 addresses (the JDK's and Netty's epoll
    // transport both turn ::ffff:a.b.c.d into an Inet4Address), so an IPv6 address is an IPv6 client.
    metrics.request(udp, client instanceof Inet6Address, PlainQuery.questionType(packet),
        packet.readableBytes());
    QueryPath current = path;
    RateLimiter rateLimiter = current.rateLimiter();
    boolean allowed = rateLimiter == null || rateLimiter.allow(client);
    if (allowed && current.packetAnswers() != null && current.queryLog() == null) {
      // A cache hit holds nothing while it waits, so it is answered even over the in-flight cap.
      byte[] hit = current.packetAnswers().answer(packet, udp, current.udpMaxSize());
      if (hit != null) {
        metrics.response(udp, hit[3] & 0xF, System.nanoTime() - started, hit.length);
        reply.accept(hit);
        return;
      }
    }
    int queriesInFlight = inFlight.incrementAndGet();
    Consumer<byte[]> counted = answer -> {
      inFlight.decrementAndGet();
      if (answer != null && answer.length >= 4) {
        metrics.response(udp, answer[3] & 0xF, System.nanoTime() - started, answer.length);
      }
      reply.accept(answer);
    };
    if (!allowed) {
      metrics.rateLimited();
      overLimit(rateLimiter.action(), packet, udp, current.udpMaxSize(), counted);
      return;
    }
    if (queriesInFlight > MAX_IN_FLIGHT) {
      metrics.overloaded();
      answerAtOnce(Rcode.SERVFAIL, packet, udp, current.udpMaxSize(), counted);
      return;
    }
    if (current.packetAnswers() != null && current.queryLog() == null
        && current.packetAnswers().resolve(packet, udp, current.udpMaxSize(), loop, counted)) {
      return;
    }
    dispatch(current, packet, udp, client, started, loop, counted);
  }

  /** Queries received and not yet answered or dropped; a drain waits for this to reach zero. */
  public int inFlight() {
    return inFlight.get();
  }

  /**
   * A query over its client's rate limit: dropped without even decoding it, or answered REFUSED
   * (no bigger than the query, so no amplification). Nothing reaches the resolvers.
   */
  private static void overLimit(RateLimitSettings.Action action, ByteBuf packet, boolean udp,
      int udpMaxSize, Consumer<byte[]> reply) {
    if (action == RateLimitSettings.Action.DROP) {
      reply.accept(null);
      return;
    }
    answerAtOnce(Rcode.REFUSED, packet, udp, udpMaxSize, reply);
  }

  /** An error answer without resolving: no bigger than the query, so no amplification. */
  private static void answerAtOnce(int rcode, ByteBuf packet, boolean udp, int udpMaxSize,
      Consumer<byte[]> reply) {
    DecodedQuery decoded = QueryDecoder.decode(packet.nioBuffer(), udp, udpMaxSize);
    if (decoded instanceof DecodedQuery.Resolve resolve) {
      ClientQuery query = resolve.query();
      reply.accept(ResponseShaper.shape(query, Responses.error(query, rcode)));
    } else if (decoded instanceof DecodedQuery.Reply immediate) {
      reply.accept(immediate.wire());
    } else {
      reply.accept(null);
    }
  }

  private static void dispatch(QueryPath path, ByteBuf packet, boolean udp, InetAddress client,
      long started, EventLoop loop, Consumer<byte[]> reply) {
    DecodedQuery decoded = QueryDecoder.decode(packet.nioBuffer(), udp, path.udpMaxSize());
    if (decoded instanceof DecodedQuery.Resolve resolve) {
      ClientQuery query = resolve.query();
      QueryLog queryLog = path.queryLog();
      if (queryLog != null) {
        ClientQuery traced = query.traced(new QueryTrace());
        query = traced;
        Consumer<byte[]> plain = reply;
        reply = wire -> {
          queryLog.record(client, udp, traced, RCODE_NAMES[wire[3] & 0xF], System.nanoTime() - started);
          plain.accept(wire);
        };
      }
      resolve(path.resolver(), query, loop, reply);
    } else if (decoded instanceof DecodedQuery.Reply immediate) {
      reply.accept(immediate.wire());
    } else {
      log.debug("dropped a packet: {}", ((DecodedQuery.Drop) decoded).reason());
      reply.accept(null);
    }
  }

  private static void resolve(Resolver resolver, ClientQuery query, EventLoop loop,
      Consumer<byte[]> reply) {
    CompletableFuture<Message> answer;
    try {
      answer = resolver.resolve(query, loop);
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    answer.whenComplete((message, error) -> reply.accept(finish(query, message, error)));
  }

  private static byte[] finish(ClientQuery query, Message message, Throwable error) {
    if (error == null && message != null) {
      try {
        return ResponseShaper.shape(query, message);
      } catch (RuntimeException e) {
        log.debug("could not encode an answer, sending SERVFAIL", e);
      }
    } else if (error != null) {
      log.debug("resolution failed, sending SERVFAIL: {}", error.toString());
    }
    return ResponseShaper.shape(query, Responses.servfail(query));
  }
}
