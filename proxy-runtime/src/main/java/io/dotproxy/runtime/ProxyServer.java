package io.dotproxy.runtime;

import io.dotproxy.runtime.config.ProxyConfig;
import io.dotproxy.runtime.config.UpstreamSpec;
import io.dotproxy.runtime.dns.Resolver;
import io.dotproxy.runtime.forward.ForwardZoneResolver;
import io.dotproxy.runtime.listener.DnsListeners;
import io.dotproxy.runtime.listener.QueryPipeline;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.dotproxy.runtime.privacy.UpstreamQuery;
import io.dotproxy.runtime.ratelimit.RateLimiter;
import io.dotproxy.runtime.router.Router;
import io.dotproxy.runtime.transport.Transport;
import io.dotproxy.runtime.upstream.ConnectionLimits;
import io.dotproxy.runtime.upstream.Upstream;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The running proxy: event loops, upstreams, the query path and its listeners. */
public final class ProxyServer implements AutoCloseable {

  private final EventLoopGroup group;
  private final List<Upstream> upstreams;
  private final DnsListeners listeners;
  private final Transport transport;
  private final ProxyMetrics metrics;

  private ProxyServer(EventLoopGroup group, List<Upstream> upstreams, DnsListeners listeners,
      Transport transport, ProxyMetrics metrics) {
    this.metrics = metrics;
    this.group = group;
    this.upstreams = upstreams;
    this.listeners = listeners;
    this.transport = transport;
  }

  public static ProxyServer start(ProxyConfig config, Transport transport) throws Exception {
    int eventLoops = Runtime.getRuntime().availableProcessors();
    EventLoopGroup group = transport.newEventLoopGroup(eventLoops, "dotproxy");
    List<Upstream> upstreams = new ArrayList<>();
    ProxyMetrics metrics = new ProxyMetrics();
    try {
      for (UpstreamSpec spec : config.upstreams()) {
        upstreams.add(new Upstream(spec, config.caFile(), group, transport, ConnectionLimits.DEFAULTS,
            metrics.upstream(spec.label())));
      }
      UpstreamQuery upstreamQuery = new UpstreamQuery(config.privacy());
      Router router = new Router(upstreams, config.policy(), config.timeout(), upstreamQuery);
      Resolver resolver = router;
      if (!config.forwardZones().isEmpty()) {
        resolver = new ForwardZoneResolver(config.forwardZones(), router, transport,
            config.timeout(), upstreamQuery, metrics);
      }
      RateLimiter rateLimiter =
          config.rateLimit().enabled() ? new RateLimiter(config.rateLimit()) : null;
      QueryPipeline pipeline = new QueryPipeline(resolver, metrics, rateLimiter);
      DnsListeners listeners =
          DnsListeners.bind(config.listen(), group, transport, eventLoops, pipeline);
      return new ProxyServer(group, upstreams, listeners, transport, metrics);
    } catch (Exception e) {
      upstreams.forEach(Upstream::close);
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw e;
    }
  }

  /** The addresses actually bound, with real ports where port 0 was asked for. */
  public List<InetSocketAddress> listenAddresses() {
    return listeners.boundAddresses();
  }

  public List<Upstream> upstreams() {
    return upstreams;
  }

  public ProxyMetrics metrics() {
    return metrics;
  }

  public Transport transport() {
    return transport;
  }

  @Override
  public void close() {
    listeners.close();
    upstreams.forEach(Upstream::close);
    group.shutdownGracefully(100, 2000, TimeUnit.MILLISECONDS).awaitUninterruptibly();
  }
}
