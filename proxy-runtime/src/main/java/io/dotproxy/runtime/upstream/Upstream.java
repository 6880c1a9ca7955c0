package io.dotproxy.runtime.upstream;

import io.dotproxy.runtime.config.UpstreamSpec;
import io.dotproxy.runtime.dns.ResponseShaper;
import io.dotproxy.runtime.metrics.ProxyMetrics.UpstreamMetrics;
import io.dotproxy.runtime.privacy.UpstreamQuery;
import io.dotproxy.runtime.transport.Transport;
import io.dotproxy.runtime.upstream.UpstreamException.Kind;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.EventExecutor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** One DNS-over-TLS upstream: its connections on every event loop, its health and its speed. */
public final class Upstream implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Upstream.class);
  private static final byte[] PROBE_QUERY = probeQuery();

  private final UpstreamSpec spec;
  private final UpstreamTls tls;
  private final Transport transport;
  private final ConnectionLimits limits;
  private final EventLoopGroup group;
  /** How long a connection must have lived before an idle close by the upstream is made good. */
  static final Duration MIN_LIFETIME_BEFORE_RECONNECT = Duration.ofSeconds(1);

  private final Map<EventExecutor, LoopConnections> pools = new IdentityHashMap<>();
  private final UpstreamHealth health;
  private final RoundTripTime roundTripTime = new RoundTripTime();
  private final AtomicInteger outstanding = new AtomicInteger();
  private final UpstreamMetrics metrics;
  /** The keepalive TIMEOUT the upstream advertised last, on any connection; see {@link ServerKeepalive}. */
  private volatile int keepalive = ServerKeepalive.ABSENT;

  public Upstream(UpstreamSpec spec, Optional<Path> caFile, EventLoopGroup group,
      Transport transport, ConnectionLimits limits, UpstreamMetrics metrics) throws SSLException {
    this.spec = spec;
    this.metrics = metrics;
    this.tls = new UpstreamTls(spec, caFile);
    this.transport = transport;
    this.limits = limits;
    this.group = group;
    for (EventExecutor loop : group) {
      pools.put(loop, new LoopConnections(this, (EventLoop) loop, limits.connectionsPerLoop()));
    }
    this.health = new UpstreamHealth(spec.label(), group, this::probe, this::closeConnections,
        metrics::healthy);
  }

  public UpstreamSpec spec() {
    return spec;
  }

  public boolean isHealthy() {
    return health.isUp();
  }

  /** Queries sent and not yet answered, across all loops. */
  public int outstanding() {
    return outstanding.get();
  }

  /** About the 95th percentile of answer times in microseconds, NaN before the first answer. */
  public double highPercentileMicros() {
    return roundTripTime.highPercentileMicros();
  }

  /**
   * How long the upstream keeps idle connections, as its last answer said (EDNS TCP keepalive,
   * RFC 7828); empty when it does not say. Zero means it wants connections closed when idle.
   */
  public Optional<Duration> keepalive() {
    int timeout = keepalive;
    return timeout == ServerKeepalive.ABSENT
        ? Optional.empty() : Optional.of(Duration.ofMillis(timeout * ServerKeepalive.MILLIS_PER_UNIT));
  }

  /** Smoothed answer time in microseconds, NaN before the first answer. */
  public double averageMicros() {
    return roundTripTime.averageMicros();
  }

  /**
   * Opens one connection ahead of the first query, so that the first clients after a start do not
   * wait for a TLS handshake (most of them, with few loops), and an unusable upstream is known (and
   * probed) before anyone asks it. The other loops connect when they first need to: a connection per
   * loop at start would cost as many handshakes per upstream as the node has loops, for connections
   * that may never carry a query. An unused connection closes after the idle timeout like any other.
   */
  public void connectAhead() {
    LoopConnections first = pools.get(group.next());
    first.loop().execute(first::pick);
  }

  /**
   * Sends a query (any ID; the connection assigns its own) and completes with the raw answer,
   * whose ID is the connection's, or with an {@link UpstreamException}. Runs on {@code loop}.
   */
  public CompletableFuture<byte[]> query(byte[] wire, EventLoop loop, Duration timeout) {
    PendingQuery query = new PendingQuery(wire);
    metrics.request();
    outstanding.incrementAndGet();
    query.result.whenComplete((answer, error) -> outstanding.decrementAndGet());
    if (loop.inEventLoop()) {
      start(query, loop, timeout);
    } else {
      loop.execute(() -> start(query, loop, timeout));
    }
    return query.result;
  }

  private void start(PendingQuery query, EventLoop loop, Duration timeout) {
    query.timeout = loop.schedule(() -> timedOut(query), timeout.toNanos(), TimeUnit.NANOSECONDS);
    dispatch(query, pools.get(loop));
  }

  private void dispatch(PendingQuery query, LoopConnections pool) {
    pool.queried();
    UpstreamConnection connection = pool.pick();
    if (connection == null) {
      metrics.failed("busy");
      query.fail(new UpstreamException(Kind.BUSY, spec.label() + " has no free connection"));
      return;
    }
    connection.send(query);
  }

  private void timedOut(PendingQuery query) {
    if (query.isDone()) {
      return;
    }
    if (query.connection != null) {
      query.connection.forget(query);
    }
    health.failed();
    metrics.failed("timeout");
    query.fail(new UpstreamException(Kind.TIMEOUT, spec.label() + " did not answer in time"));
  }

  void answered(PendingQuery query, byte[] answer) {
    long nanos = System.nanoTime() - query.sentNanos;
    roundTripTime.record(nanos);
    metrics.answered(nanos);
    health.succeeded();
    query.complete(answer);
  }

  /**
   * The connection closed under a query, typically an idle close racing our write. Retried once on
   * a fresh connection: the user must not see the upstream's housekeeping.
   */
  void interrupted(PendingQuery query, LoopConnections pool) {
    if (query.isDone()) {
      return;
    }
    if (!query.retried) {
      query.retried = true;
      metrics.retried();
      query.connection = null;
      query.id = -1;
      dispatch(query, pool);
    } else {
      metrics.failed("closed");
      query.fail(new UpstreamException(Kind.CLOSED, spec.label() + " closed the connection twice"));
    }
  }

  /**
   * The upstream closed a connection that had nothing outstanding, or we closed it because the
   * upstream was about to (its keepalive timeout): public resolvers close idle connections after
   * about 10 s, well before our own idle timeout. If this loop has had queries
   * within our idle timeout it is likely to have more, so a connection is opened again at once,
   * ahead of need, and the next query does not wait for a handshake. A connection the upstream
   * closed within {@link #MIN_LIFETIME_BEFORE_RECONNECT} of its handshake is not replaced, so a
   * server that closes every connection at once does not get a handshake storm; nor is one of a
   * loop that already has another, or of an upstream that is down.
   */
  void closedWhileIdle(LoopConnections pool, long readyNanos) {
    long now = System.nanoTime();
    if (health.isUp() && pool.size() == 0 && pool.queriedWithin(now, limits.idleTimeout())
        && now - readyNanos >= MIN_LIFETIME_BEFORE_RECONNECT.toNanos()) {
      pool.pick();
    }
  }

  void connectionFailed(String reason) {
    metrics.failed("connect");
    health.markDown(reason);
  }

  /** A connection's answers advertised a new keepalive TIMEOUT (or stopped advertising one). */
  void keepaliveAdvertised(int timeout) {
    if (keepalive != timeout) {
      keepalive = timeout;
      log.debug("upstream {}: EDNS TCP keepalive timeout {}", spec.label(),
          timeout == ServerKeepalive.ABSENT ? "not offered" : timeout * ServerKeepalive.MILLIS_PER_UNIT + " ms");
    }
  }

  /** An answer under an outstanding ID for another question: a late answer, dropped. */
  void strayAnswer() {
    logConnectionProblem("dropped an answer for another question under an ID in use (a late answer)");
  }

  void protocolError(String problem) {
    metrics.failed("protocol");
    logConnectionProblem(problem);
  }

  UpstreamMetrics metrics() {
    return metrics;
  }

  void logConnectionProblem(String problem) {
    log.debug("upstream {}: {}", spec.label(), problem);
  }

  UpstreamTls tls() {
    return tls;
  }

  UpstreamConnection connect(LoopConnections pool) {
    int advertised = keepalive;
    UpstreamConnection connection = new UpstreamConnection(this, pool, limits.maxInFlight(),
        limits.idleTimeout(), advertised > 0 ? advertised : ServerKeepalive.ABSENT);
    long connectMillis = limits.connectTimeout().toMillis();
    new Bootstrap()
        .group(pool.loop())
        .channel(transport.socketChannel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectMillis)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel channel) {
            SslHandler tlsHandler = tls.newHandler(channel.alloc(), connectMillis);
            // Flushes are consolidated ahead of TLS, so that queries sent together share a TLS
            // record and a write call.
            channel.pipeline()
                .addLast(tlsHandler, answerFrameDecoder())
                .addLast("idle", new IdleStateHandler(0, 0, connection.idleMillis(), TimeUnit.MILLISECONDS))
                .addLast(connection, new FlushConsolidationHandler(
                    FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
            connection.attach(channel, tlsHandler);
          }
        })
        .connect(spec.socketAddress())
        .addListener(done -> {
          if (!done.isSuccess()) {
            connection.connectFailed("connect failed: " + UpstreamConnection.rootMessage(done.cause()));
          }
        });
    return connection;
  }

  /** RFC 7858 framing of the answers: a two-byte length, then up to 65,535 bytes. */
  static LengthFieldBasedFrameDecoder answerFrameDecoder() {
    return new LengthFieldBasedFrameDecoder(0xFFFF + 2, 0, 2, 0, 2);
  }

  /** {@code . NS}, asking for keepalive like every other query, so its answer says the same. */
  private static byte[] probeQuery() {
    Message probe = Message.newQuery(Record.newRecord(Name.root, Type.NS, DClass.IN));
    probe.addRecord(new OPTRecord(ResponseShaper.ADVERTISED_UDP_SIZE, 0, 0, 0,
        List.of(UpstreamQuery.KEEPALIVE_REQUEST)), Section.ADDITIONAL);
    return probe.toWire();
  }

  private CompletableFuture<byte[]> probe() {
    return query(PROBE_QUERY, group.next(), limits.connectTimeout().plusSeconds(1));
  }

  private void closeConnections() {
    pools.values().forEach(pool -> pool.loop().execute(pool::closeAll));
  }

  @Override
  public void close() {
    health.close();
    closeConnections();
  }
}
