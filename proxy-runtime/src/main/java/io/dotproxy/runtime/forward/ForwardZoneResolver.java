package io.dotproxy.runtime.forward;

import io.dotproxy.runtime.config.ForwardZone;
import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.PlainQuery;
import io.dotproxy.runtime.dns.Resolver;
import io.dotproxy.runtime.dns.Responses;
import io.dotproxy.runtime.dns.WireResolver;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.dotproxy.runtime.privacy.UpstreamQuery;
import io.dotproxy.runtime.transport.Transport;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;

/**
 * Conditional forwarding ({@code forward-zone}): a name at or below a configured zone goes to that
 * zone's plain-DNS servers, everything else to the next stage (the DoT router). A zone's names
 * never fall through to the DoT upstreams, not even when its servers fail (the answer is then
 * SERVFAIL): internal names must not leak to public resolvers.
 */
public final class ForwardZoneResolver implements Resolver, WireResolver {

  private static final Logger log = LoggerFactory.getLogger(ForwardZoneResolver.class);

  private final ZoneMatcher zones;
  /** Keyed by the very records {@link #zones} returns; never changed after construction. */
  private final Map<ForwardZone, ZoneServers> serversByZone = new IdentityHashMap<>();
  private final Resolver next;
  private final Transport transport;
  private final Duration timeout;
  private final UpstreamQuery upstreamQuery;
  private final ProxyMetrics metrics;
  private final ForwardLimits limits;
  /**
   * Each event loop's own state: queries run on the loop they arrived on and share nothing. Static,
   * so that the resolvers a config reload builds share it rather than add one per reload, and the
   * in-flight bound counts every socket the loop holds.
   */
  private static final FastThreadLocal<LoopState> LOOP_STATE = new FastThreadLocal<>() {
    @Override
    protected LoopState initialValue() {
      return new LoopState();
    }
  };

  /**
   * @param next where names outside every zone go
   * @param timeout overall deadline per query, after which it gets SERVFAIL
   * @param upstreamQuery what the query looks like on its way out (Client Subnet)
   */
  public ForwardZoneResolver(List<ForwardZone> zones, Resolver next, Transport transport,
      Duration timeout, UpstreamQuery upstreamQuery, ProxyMetrics metrics) {
    this(zones, next, transport, timeout, upstreamQuery, metrics, ForwardLimits.DEFAULTS);
  }

  ForwardZoneResolver(List<ForwardZone> zones, Resolver next, Transport transport,
      Duration timeout, UpstreamQuery upstreamQuery, ProxyMetrics metrics, ForwardLimits limits) {
    this.zones = new ZoneMatcher(zones);
    for (ForwardZone zone : zones) {
      serversByZone.put(zone, new ZoneServers(zone));
    }
    this.next = next;
    this.transport = transport;
    this.timeout = timeout;
    this.upstreamQuery = upstreamQuery;
    this.metrics = metrics;
    this.limits = limits;
  }

  /** A zone's names are forwarded as messages; the rest go on as bytes if they can. */
  @Override
  public CompletableFuture<byte[]> resolveWire(Name name, byte[] packet, PlainQuery query,
      EventLoop loop) {
    if (zones.match(name) != null || !(next instanceof WireResolver wire)) {
      return null;
    }
    return wire.resolveWire(name, packet, query, loop);
  }

  @Override
  public CompletableFuture<Message> resolve(ClientQuery query, EventLoop loop) {
    ForwardZone zone = zones.match(query.question().getName());
    if (zone == null) {
      return next.resolve(query, loop);
    }
    ZoneServers servers = serversByZone.get(zone);
    metrics.forwardZoneRequest(servers.label());
    CompletableFuture<Message> answer = new CompletableFuture<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    if (loop.inEventLoop()) {
      forward(query, servers, loop, deadline, answer);
    } else {
      loop.execute(() -> forward(query, servers, loop, deadline, answer));
    }
    return answer;
  }

  private void forward(ClientQuery query, ZoneServers servers, EventLoop loop, long deadline,
      CompletableFuture<Message> answer) {
    LoopState state = LOOP_STATE.get();
    if (state.inFlight >= limits.maxInFlightPerLoop()) {
      log.debug("forward zone {}: {} queries in flight on this loop, answering SERVFAIL",
          servers.label(), state.inFlight);
      answer.complete(Responses.servfail(query));
      return;
    }
    state.inFlight++;
    answer.whenComplete((message, error) -> state.inFlight--);
    new ForwardExchange(query, upstreamQuery.forPlainDns(query.message()), servers,
        transport, loop, state.random, deadline, limits.attemptTimeout().toNanos(), answer)
        .start();
  }

  /** Touched only by its event loop's thread. */
  private static final class LoopState {
    /** Query IDs and source ports must be unguessable (RFC 5452); one generator per loop. */
    final SecureRandom random = newRandom();
    int inFlight;

    private static SecureRandom newRandom() {
      try {
        return SecureRandom.getInstance("DRBG"); // a lock of its own, not the shared native one
      } catch (NoSuchAlgorithmException e) {
        return new SecureRandom();
      }
    }
  }
}
