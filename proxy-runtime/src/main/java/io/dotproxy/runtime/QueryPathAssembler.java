package io.dotproxy.runtime;

import io.dotproxy.runtime.cache.AnswerCache;
import io.dotproxy.runtime.config.CacheSettings;
import io.dotproxy.runtime.config.ProxyConfig;
import io.dotproxy.runtime.config.UpstreamSpec;
import io.dotproxy.runtime.crosscheck.CrossCheck;
import io.dotproxy.runtime.dns.Resolver;
import io.dotproxy.runtime.dns.SwitchableResolver;
import io.dotproxy.runtime.forward.ForwardZoneResolver;
import io.dotproxy.runtime.listener.QueryPath;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.dotproxy.runtime.privacy.UpstreamQuery;
import io.dotproxy.runtime.querylog.QueryLog;
import io.dotproxy.runtime.ratelimit.RateLimiter;
import io.dotproxy.runtime.reverse.PrivateReverseZones;
import io.dotproxy.runtime.router.Router;
import io.dotproxy.runtime.transport.Transport;
import io.dotproxy.runtime.upstream.ConnectionLimits;
import io.dotproxy.runtime.upstream.Upstream;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Builds the query path (rate limit, cache, forward zones, private reverse zones, router, upstreams) from a config, and
 * builds it again on reload keeping what is still valid: upstreams whose settings and trust did
 * not change keep their connections and health, and the cache keeps its answers.
 */
final class QueryPathAssembler implements AutoCloseable {

  private final EventLoopGroup group;
  private final Transport transport;
  private final ProxyMetrics metrics;
  private final SwitchableResolver behindCache = new SwitchableResolver(null);
  private List<Upstream> upstreams = List.of();
  private byte[] trust = new byte[0];
  private AnswerCache cache;
  private QueryLog queryLog;

  QueryPathAssembler(EventLoopGroup group, Transport transport, ProxyMetrics metrics) {
    this.group = group;
    this.transport = transport;
    this.metrics = metrics;
  }

  synchronized QueryPath assemble(ProxyConfig config) throws SSLException {
    List<Upstream> previous = upstreams;
    upstreams = upstreamsFor(config);
    retireUnused(previous, config.timeout());

    UpstreamQuery upstreamQuery = new UpstreamQuery(config.privacy());
    // Private reverse zones behind the forward zones: a forward zone covering one takes its queries.
    Resolver resolver = new PrivateReverseZones(
        new Router(upstreams, config.policy(), config.parallelUpstreams(), config.hedgeAfter(),
            config.timeout(), upstreamQuery, metrics::hedged,
            config.crossCheck().enabled() ? new CrossCheck(config.crossCheck(), metrics) : null));
    if (!config.forwardZones().isEmpty()) {
      resolver = new ForwardZoneResolver(config.forwardZones(), resolver, transport,
          config.timeout(), upstreamQuery, metrics);
    }
    behindCache.switchTo(resolver);
    cache = cacheFor(config.cache());
    RateLimiter rateLimiter = config.rateLimit().enabled() ? new RateLimiter(config.rateLimit()) : null;
    if (config.queryLog() && queryLog == null) {
      queryLog = new QueryLog(System.out, metrics);
    }
    return new QueryPath(cache == null ? behindCache : cache, cache, rateLimiter,
        config.queryLog() ? queryLog : null, config.udpMaxSize());
  }

  synchronized List<Upstream> upstreams() {
    return upstreams;
  }

  private List<Upstream> upstreamsFor(ProxyConfig config) throws SSLException {
    byte[] newTrust = trustOf(config.caFile());
    boolean sameTrust = Arrays.equals(newTrust, trust);
    List<Upstream> result = new ArrayList<>();
    for (UpstreamSpec spec : config.upstreams()) {
      Optional<Upstream> kept = sameTrust
          ? upstreams.stream().filter(u -> u.spec().equals(spec)).findFirst()
          : Optional.empty();
      result.add(kept.isPresent() ? kept.get() : new Upstream(spec, config.caFile(), group, transport,
          ConnectionLimits.DEFAULTS, metrics.upstream(spec.label())));
    }
    trust = newTrust;
    return List.copyOf(result);
  }

  /** Closes upstreams the new config dropped, once queries already sent to them had their time. */
  private void retireUnused(List<Upstream> previous, Duration timeout) {
    Set<String> labelsInUse = new HashSet<>();
    upstreams.forEach(u -> labelsInUse.add(u.spec().label()));
    long grace = timeout.toMillis() + 1000;
    for (Upstream old : previous) {
      if (upstreams.contains(old)) {
        continue;
      }
      String label = old.spec().label();
      group.schedule(() -> {
        old.close();
        if (!labelsInUse.contains(label)) {
          group.schedule(() -> metrics.removeUpstream(label), 1, TimeUnit.SECONDS);
        }
      }, grace, TimeUnit.MILLISECONDS);
    }
  }

  private AnswerCache cacheFor(CacheSettings settings) {
    if (!settings.enabled()) {
      metrics.cacheEntries(() -> 0);
      return null;
    }
    if (cache == null) {
      return AnswerCache.create(behindCache, settings, metrics);
    }
    return cache.settings().equals(settings) ? cache : cache.reconfigured(settings);
  }

  /** What the trust of every upstream rests on: the CA file's path and content. */
  private static byte[] trustOf(Optional<Path> caFile) {
    if (caFile.isEmpty()) {
      return new byte[0];
    }
    try {
      byte[] content = Files.readAllBytes(caFile.get());
      byte[] path = caFile.get().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      byte[] both = Arrays.copyOf(path, path.length + 1 + content.length);
      System.arraycopy(content, 0, both, path.length + 1, content.length);
      return both;
    } catch (IOException e) {
      return new byte[] {1}; // validated moments ago; if it vanished, rebuild rather than trust
    }
  }

  @Override
  public synchronized void close() {
    upstreams.forEach(Upstream::close);
    if (queryLog != null) {
      queryLog.close();
    }
  }
}
