package io.dotproxy.runtime;

import io.dotproxy.runtime.admin.AdminServer;
import io.dotproxy.runtime.admin.Readiness;
import io.dotproxy.runtime.config.ConfigLoader;
import io.dotproxy.runtime.config.ProxyConfig;
import io.dotproxy.runtime.listener.DnsListeners;
import io.dotproxy.runtime.listener.QueryPipeline;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.dotproxy.runtime.reload.ConfigReloader;
import io.dotproxy.runtime.reload.ConfigWatcher;
import io.dotproxy.runtime.transport.Transport;
import io.dotproxy.runtime.upstream.Upstream;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running proxy: event loops, upstreams, the query path, its listeners and admin endpoint. */
public final class ProxyServer implements AutoCloseable {

  /** How often the config file is checked when the file system sends no change events. */
  static final Duration CONFIG_POLL_INTERVAL = Duration.ofSeconds(2);

  private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

  private volatile ProxyConfig config;
  private final EventLoopGroup group;
  private final QueryPathAssembler assembler;
  private final QueryPipeline pipeline;
  private final DnsListeners listeners;
  private final Transport transport;
  private final ProxyMetrics metrics;
  private final CountDownLatch stopDraining = new CountDownLatch(1);
  private volatile AdminServer admin;
  private volatile ConfigWatcher watcher;
  private volatile boolean draining;
  private boolean closed;

  private ProxyServer(ProxyConfig config, EventLoopGroup group, QueryPathAssembler assembler,
      QueryPipeline pipeline, DnsListeners listeners, Transport transport, ProxyMetrics metrics) {
    this.config = config;
    this.group = group;
    this.assembler = assembler;
    this.pipeline = pipeline;
    this.listeners = listeners;
    this.transport = transport;
    this.metrics = metrics;
  }

  /** Starts with a fixed config. */
  public static ProxyServer start(ProxyConfig config, Transport transport) throws Exception {
    int eventLoops = config.threads();
    EventLoopGroup group = transport.newEventLoopGroup(eventLoops, "dotproxy");
    ProxyMetrics metrics = new ProxyMetrics();
    QueryPathAssembler assembler = new QueryPathAssembler(group, transport, metrics);
    DnsListeners listeners = null;
    try {
      QueryPipeline pipeline = new QueryPipeline(assembler.assemble(config), metrics);
      assembler.upstreams().forEach(Upstream::connectAhead); // handshakes overlap the binding
      listeners = DnsListeners.bind(config.listen(), group, transport, eventLoops, pipeline);
      // Only a scrape reads the JVM's own figures, and the admin endpoint opens after this; set up
      // before the upstreams' handshakes began, their MXBeans delayed the first answer.
      metrics.registerRuntimeMetrics();
      ProxyServer server =
          new ProxyServer(config, group, assembler, pipeline, listeners, transport, metrics);
      server.admin = AdminServer.start(config.admin(), group, transport, metrics.registry(), server::readiness);
      return server;
    } catch (Exception e) {
      if (listeners != null) {
        listeners.close();
      }
      assembler.close();
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw e;
    }
  }

  /**
   * Starts with {@code config}, which {@code loader} made, and when it names a {@code --config}
   * file, keeps watching it:
   * a changed file is applied without restarting listeners or dropping queries.
   */
  public static ProxyServer start(ProxyConfig config, ConfigLoader loader, Transport transport)
      throws Exception {
    ProxyServer server = start(config, transport);
    config.configFile().ifPresent(file -> {
      ConfigReloader reloader =
          new ConfigReloader(loader, file, config, server::apply, server.metrics);
      server.watcher = new ConfigWatcher(file, CONFIG_POLL_INTERVAL, reloader::check).start();
    });
    return server;
  }

  /**
   * Applies a new config to the running proxy: upstreams, policy, timeout, cache, rate limits,
   * forward zones and privacy take effect for the next query; listeners and the admin address
   * need a restart.
   */
  public synchronized void apply(ProxyConfig next) {
    if (!next.listen().equals(config.listen()) || !next.admin().equals(config.admin())
        || next.threads() != config.threads()) {
      log.warn("listen and admin addresses and threads take effect at the next restart; the rest applies now");
    }
    try {
      pipeline.use(assembler.assemble(next));
    } catch (SSLException e) {
      throw new IllegalStateException("cannot set up TLS for the new upstreams: " + e.getMessage(), e);
    }
    config = next;
  }

  /** The addresses actually bound, with real ports where port 0 was asked for. */
  public List<InetSocketAddress> listenAddresses() {
    return listeners.boundAddresses();
  }

  /** Event-loop threads this proxy runs ({@code threads}, fixed at start). */
  public int eventLoops() {
    int loops = 0;
    for (var loop : group) {
      loops++;
    }
    return loops;
  }

  public InetSocketAddress adminAddress() {
    return admin.address();
  }

  /**
   * Ready for traffic: this proxy can answer, i.e. its listeners are bound (they are before the admin
   * endpoint opens) and it is not draining. Whether its upstreams are healthy does not matter: with all
   * of them down it still answers from the cache (serve-stale) or with SERVFAIL at once, and a fleet
   * whose every proxy went unready together (an egress outage on 853) would leave its clients with no
   * answer at all. Upstream health is in {@code dotproxy_upstream_healthy} and {@code /readyz?verbose}.
   */
  public boolean isReady() {
    return !draining;
  }

  /** {@link #isReady()} with its reasons, for {@code /readyz}. */
  Readiness readiness() {
    boolean drainingNow = draining;
    List<String> upstreams = assembler.upstreams().stream()
        .map(u -> u.spec().label() + (u.isHealthy() ? " healthy" : " down") + u.keepalive()
            .map(idle -> ", keeps idle connections " + idle.toMillis() + " ms (EDNS keepalive)")
            .orElse(""))
        .toList();
    return new Readiness(!drainingNow,
        List.of("[+]listeners ok", drainingNow ? "[-]draining: stopping after SIGTERM" : "[+]not-draining ok"),
        upstreams);
  }

  public ProxyMetrics metrics() {
    return metrics;
  }

  public Transport transport() {
    return transport;
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
    if (watcher != null) {
      watcher.close();
    }
    listeners.close();
    awaitInFlight(config.timeout().plusSeconds(1));
    if (admin != null) {
      admin.close();
    }
    assembler.close();
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
