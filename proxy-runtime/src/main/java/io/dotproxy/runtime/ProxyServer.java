package io.dotproxy.runtime;

import io.dotproxy.runtime.admin.AdminServer;
import io.dotproxy.runtime.cache.AnswerCache;
import io.dotproxy.runtime.config.ProxyConfig;
import io.dotproxy.runtime.config.UpstreamSpec;
import io.dotproxy.runtime.listener.DnsListeners;
import io.dotproxy.runtime.listener.QueryPipeline;
import io.dotproxy.runtime.metrics.ProxyMetrics;
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
  private volatile AdminServer admin;
  private volatile boolean draining;

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
      Router router = new Router(upstreams, config.policy(), config.timeout());
      QueryPipeline pipeline = new QueryPipeline(AnswerCache.around(router, config.cache(), metrics), metrics);
      DnsListeners listeners =
          DnsListeners.bind(config.listen(), group, transport, eventLoops, pipeline);
      ProxyServer server = new ProxyServer(group, upstreams, listeners, transport, metrics);
      try {
        server.admin = AdminServer.start(config.admin(), group, transport, metrics.registry(), server::isReady);
      } catch (AdminServer.AdminBindException e) {
        listeners.close();
        throw e;
      }
      return server;
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

  public InetSocketAddress adminAddress() {
    return admin.address();
  }

  public ProxyMetrics metrics() {
    return metrics;
  }

  public Transport transport() {
    return transport;
  }

  @Override
  public void close() {
    draining = true;
    if (admin != null) {
      admin.close();
    }
    listeners.close();
    upstreams.forEach(Upstream::close);
    group.shutdownGracefully(100, 2000, TimeUnit.MILLISECONDS).awaitUninterruptibly();
  }
}
