package io.dotproxy.runtime;

import io.dotproxy.runtime.admin.AdminServer;
import io.dotproxy.runtime.cache.AnswerCache;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The running proxy: event loops, upstreams, the query path, its listeners and admin endpoint. */
public final class ProxyServer implements AutoCloseable {

  private final ProxyConfig config;
  private final EventLoopGroup group;
  private final List<Upstream> upstreams;
  private final QueryPipeline pipeline;
  private final DnsListeners listeners;
  private final Transport transport;
  private final ProxyMetrics metrics;
  private final CountDownLatch stopDraining = new CountDownLatch(1);
  private volatile AdminServer admin;
  private volatile boolean draining;
  private boolean closed;

  private ProxyServer(ProxyConfig config, EventLoopGroup group, List<Upstream> upstreams,
      QueryPipeline pipeline, DnsListeners listeners, Transport transport, ProxyMetrics metrics) {
    this.config = config;
    this.group = group;
    this.upstreams = upstreams;
    this.pipeline = pipeline;
    this.listeners = listeners;
    this.transport = transport;
    this.metrics = metrics;
  }

  public static ProxyServer start(ProxyConfig config, Transport transport) throws Exception {
    int eventLoops = Runtime.getRuntime().availableProcessors();
    EventLoopGroup group = transport.newEventLoopGroup(eventLoops, "dotproxy");
    ProxyMetrics metrics = new ProxyMetrics();
    List<Upstream> upstreams = new ArrayList<>();
    DnsListeners listeners = null;
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
      QueryPipeline pipeline =
          new QueryPipeline(AnswerCache.around(resolver, config.cache(), metrics), metrics, rateLimiter);
      listeners = DnsListeners.bind(config.listen(), group, transport, eventLoops, pipeline);
      ProxyServer server =
          new ProxyServer(config, group, upstreams, pipeline, listeners, transport, metrics);
      server.admin = AdminServer.start(config.admin(), group, transport, metrics.registry(), server::isReady);
      return server;
    } catch (Exception e) {
      if (listeners != null) {
        listeners.close();
      }
      upstreams.forEach(Upstream::close);
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw e;
    }
  }

  /** The addresses actually bound, with real ports where port 0 was asked for. */
  public List<InetSocketAddress> listenAddresses() {
    return listeners.boundAddresses();
  }

  public InetSocketAddress adminAddress() {
    return admin.address();
  }

  /** Ready for traffic: listening, not draining, and at least one upstream usable. */
  public boolean isReady() {
    if (draining) {
      return false;
    }
    for (Upstream upstream : upstreams) {
      if (upstream.isHealthy()) {
        return true;
      }
    }
    return false;
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

  public ProxyConfig config() {
    return config;
  }

  /**
   * Graceful stop for SIGTERM: {@code /readyz} fails at once so load balancers and kube-proxy stop
   * sending, queries are still answered for the drain period (or until {@link #stopDraining()}),
   * then the listeners close, in-flight queries finish, and upstream connections close politely.
   */
  public void drainAndClose() {
    draining = true;
    try {
      stopDraining.await(config.drainPeriod().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    close();
  }

  /** Ends a drain early, as a second SIGTERM does. */
  public void stopDraining() {
    stopDraining.countDown();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    draining = true;
    listeners.close();
    awaitInFlight(config.timeout().plusSeconds(1));
    if (admin != null) {
      admin.close();
    }
    upstreams.forEach(Upstream::close);
    group.shutdownGracefully(100, 2000, TimeUnit.MILLISECONDS).awaitUninterruptibly();
  }

  private void awaitInFlight(Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (pipeline.inFlight() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
