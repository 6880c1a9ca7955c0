package io.dotproxy.runtime.metrics;

import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryPoolAllocationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.List;
import java.util.function.DoubleSupplier;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * Every metric the runtime exposes, in one registry per proxy (no global registry). Names follow
 * CONVENTIONS.md. Hot-path data points are looked up once and kept, so counting is a single add.
 */
public final class ProxyMetrics {

  /** Seconds; fine steps below a millisecond, where cache hits and loopback upstreams answer. */
  private static final double[] LATENCY_BUCKETS = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5
  };

  /** Bytes; CoreDNS's buckets for coredns_dns_request_size_bytes and coredns_dns_response_size_bytes. */
  private static final double[] SIZE_BUCKETS = {
    0, 100, 200, 300, 400, 511, 1023, 2047, 4095, 8291, 16000, 32000, 48000, 64000
  };

  /** The answers' rcodes shown from the start, so that a ratio such as SERVFAIL/all has a series at 0. */
  private static final int[] USUAL_RCODES = {
    Rcode.NOERROR, Rcode.FORMERR, Rcode.SERVFAIL, Rcode.NXDOMAIN, Rcode.NOTIMP, Rcode.REFUSED
  };

  /**
   * The query types {@code dotproxy_requests_total} names, CoreDNS's list for
   * {@code coredns_dns_requests_total} (its plugin/metrics/vars/monitor.go); every other type counts
   * as {@value #OTHER_TYPE}, so the label's values stay bounded whatever clients ask. All are below
   * 256, which keeps the lookup a small table.
   */
  public static final List<Integer> NAMED_QUERY_TYPES = List.of(Type.A, Type.AAAA, Type.CNAME,
      Type.DNSKEY, Type.DS, Type.MX, Type.NSEC3, Type.NSEC, Type.NS, Type.PTR, Type.RRSIG, Type.SOA,
      Type.SRV, Type.TXT, Type.HTTPS, Type.IXFR, Type.AXFR, Type.ANY);

  /** The {@code type} of every query type not in {@link #NAMED_QUERY_TYPES}, and of unreadable queries. */
  public static final String OTHER_TYPE = "other";

  /** The {@code family} label as CoreDNS writes it: 1 for IPv4 clients, 2 for IPv6 (the address family numbers). */
  public static final List<String> FAMILIES = List.of("1", "2");

  private static final List<String> PROTOS = List.of("udp", "tcp");
  private static final int TYPE_TABLE_SIZE = 256;

  /** The reasons {@link UpstreamMetrics#failed} is given; each is shown at 0 for every upstream. */
  public static final List<String> UPSTREAM_FAILURE_REASONS = List.of("busy", "timeout", "closed", "connect", "protocol");

  /** The actions of {@code dotproxy_crosscheck_mismatches_total}, each shown at 0. */
  public static final List<String> CROSS_CHECK_MISMATCH_ACTIONS = List.of("servfail", "majority", "first");

  /** The actions of {@code dotproxy_crosscheck_unverified_total}, each shown at 0. */
  public static final List<String> CROSS_CHECK_UNVERIFIED_ACTIONS = List.of("servfail", "answer");

  /** The results of {@code dotproxy_config_reloads_total}. */
  public static final List<String> RELOAD_RESULTS = List.of("success", "error");

  private final PrometheusRegistry registry = new PrometheusRegistry();

  private final Counter requests = Counter.builder()
      .name("dotproxy_requests_total")
      .help("Queries received from clients, by transport, client address family and query type.")
      .labelNames("proto", "family", "type").register(registry);
  private final Counter responses = Counter.builder()
      .name("dotproxy_responses_total").help("Answers sent to clients, by rcode.")
      .labelNames("rcode").register(registry);
  private final Histogram requestDuration = Histogram.builder()
      .name("dotproxy_request_duration_seconds").unit(Unit.SECONDS)
      .help("Time from receiving a query to sending its answer.")
      .classicUpperBounds(LATENCY_BUCKETS).classicOnly().register(registry);
  private final Counter upstreamRequests = Counter.builder()
      .name("dotproxy_upstream_requests_total").help("Queries sent to each upstream.")
      .labelNames("upstream").register(registry);
  private final Counter upstreamFailures = Counter.builder()
      .name("dotproxy_upstream_failures_total")
      .help("Upstream attempts that gave no answer, by upstream and reason.")
      .labelNames("upstream", "reason").register(registry);
  private final Counter upstreamRetries = Counter.builder()
      .name("dotproxy_upstream_retries_total")
      .help("Queries sent again on a fresh connection because the upstream closed the one they were on.")
      .labelNames("upstream").register(registry);
  private final Histogram upstreamDuration = Histogram.builder()
      .name("dotproxy_upstream_request_duration_seconds").unit(Unit.SECONDS)
      .help("Time an upstream took to answer.")
      .labelNames("upstream").classicUpperBounds(LATENCY_BUCKETS).classicOnly().register(registry);
  private final Gauge upstreamHealthy = Gauge.builder()
      .name("dotproxy_upstream_healthy").help("1 while the upstream is usable, 0 while it is down.")
      .labelNames("upstream").register(registry);
  private final Gauge upstreamConnections = Gauge.builder()
      .name("dotproxy_upstream_connections").help("Open TLS connections to each upstream.")
      .labelNames("upstream").register(registry);
  private final Counter upstreamHedged = Counter.builder()
      .name("dotproxy_upstream_hedged_total")
      .help("Queries also sent to the next upstream because the first had not answered within its usual time.")
      .register(registry);
  private final Counter crossCheckComparisons = Counter.builder()
      .name("dotproxy_crosscheck_comparisons_total")
      .help("Cross-checked queries whose answers from two or more upstreams were compared.").register(registry);
  private final Counter crossCheckMismatches = Counter.builder()
      .name("dotproxy_crosscheck_mismatches_total")
      .help("Cross-checked queries whose upstreams' answers differed, by what the client got.")
      .labelNames("action").register(registry);
  private final Counter crossCheckUnverified = Counter.builder()
      .name("dotproxy_crosscheck_unverified_total")
      .help("Cross-checked queries with only one upstream answer to go by, by what the client got.")
      .labelNames("action").register(registry);
  private final Counter cacheHits = Counter.builder()
      .name("dotproxy_cache_hits_total").help("Queries answered from the cache.").register(registry);
  private final Counter cacheMisses = Counter.builder()
      .name("dotproxy_cache_misses_total").help("Queries the cache could not answer.").register(registry);
  private final Counter cacheStale = Counter.builder()
      .name("dotproxy_cache_stale_answers_total")
      .help("Expired entries served because upstreams failed (RFC 8767).").register(registry);
  private final Counter cachePrefetches = Counter.builder()
      .name("dotproxy_cache_prefetches_total")
      .help("Entries refreshed before they expired.").register(registry);
  private final Counter coalesced = Counter.builder()
      .name("dotproxy_coalesced_total")
      .help("Queries that joined an identical query already in flight.").register(registry);
  private final Counter rateLimited = Counter.builder()
      .name("dotproxy_ratelimited_total").help("Queries refused or dropped by the rate limit.")
      .register(registry);
  private final Counter overloaded = Counter.builder()
      .name("dotproxy_overloaded_total")
      .help("Queries answered SERVFAIL at once because too many were waiting for answers.")
      .register(registry);
  private final Counter forwardZoneRequests = Counter.builder()
      .name("dotproxy_forward_zone_requests_total")
      .help("Queries sent to plain-DNS forward zones, by zone.")
      .labelNames("zone").register(registry);
  private final Counter queryLogDropped = Counter.builder()
      .name("dotproxy_query_log_dropped_total")
      .help("Query log lines dropped because the writer could not keep up.").register(registry);
  private final Counter configReloads = Counter.builder()
      .name("dotproxy_config_reloads_total").help("Config file reloads, by result (success, error).")
      .labelNames("result").register(registry);
  private final Counter cacheEvictions = Counter.builder()
      .name("dotproxy_cache_evictions_total")
      .help("Entries removed before they expired to make room for others.").register(registry);
  private final Histogram requestSize = Histogram.builder()
      .name("dotproxy_request_size_bytes").unit(Unit.BYTES)
      .help("Size of the queries received from clients, by transport.")
      .labelNames("proto").classicUpperBounds(SIZE_BUCKETS).classicOnly().register(registry);
  private final Histogram responseSize = Histogram.builder()
      .name("dotproxy_response_size_bytes").unit(Unit.BYTES)
      .help("Size of the answers sent to clients, by transport.")
      .labelNames("proto").classicUpperBounds(SIZE_BUCKETS).classicOnly().register(registry);

  private volatile DoubleSupplier cacheEntries = () -> 0;
  private final GaugeWithCallback cacheEntriesGauge = GaugeWithCallback.builder()
      .name("dotproxy_cache_entries").help("Entries in the cache.")
      .callback(callback -> callback.call(cacheEntries.getAsDouble()))
      .register(registry);

  /**
   * Where each query type's data point sits in a (proto, family) run of {@link #requestsByKind}:
   * 0 for {@link #OTHER_TYPE}, then the {@link #NAMED_QUERY_TYPES} in order.
   */
  private final byte[] typeIndex = new byte[TYPE_TABLE_SIZE];
  /**
   * Every (proto, family, type) data point of {@code dotproxy_requests_total}, looked up once, so
   * counting a query is an index and an add: [proto][family][type] flattened.
   */
  private final CounterDataPoint[] requestsByKind =
      new CounterDataPoint[PROTOS.size() * FAMILIES.size() * (NAMED_QUERY_TYPES.size() + 1)];
  private final CounterDataPoint[] responsesByRcode = new CounterDataPoint[16];
  private final DistributionDataPoint udpRequestSize = requestSize.labelValues("udp");
  private final DistributionDataPoint tcpRequestSize = requestSize.labelValues("tcp");
  private final DistributionDataPoint udpResponseSize = responseSize.labelValues("udp");
  private final DistributionDataPoint tcpResponseSize = responseSize.labelValues("tcp");

  /** The JVM's and the process's figures, read at scrape time only; see {@link #registerRuntimeMetrics}. */
  public ProxyMetrics() {
    int point = 0;
    for (String proto : PROTOS) {
      for (String family : FAMILIES) {
        requestsByKind[point++] = requests.labelValues(proto, family, OTHER_TYPE);
        for (int type : NAMED_QUERY_TYPES) {
          requestsByKind[point++] = requests.labelValues(proto, family, Type.string(type));
        }
      }
    }
    for (int i = 0; i < NAMED_QUERY_TYPES.size(); i++) {
      typeIndex[NAMED_QUERY_TYPES.get(i)] = (byte) (i + 1);
    }
    for (int rcode : USUAL_RCODES) {
      responsesByRcode[rcode] = responses.labelValues(Rcode.string(rcode));
    }
    RELOAD_RESULTS.forEach(configReloads::labelValues);
    CROSS_CHECK_MISMATCH_ACTIONS.forEach(crossCheckMismatches::labelValues);
    CROSS_CHECK_UNVERIFIED_ACTIONS.forEach(crossCheckUnverified::labelValues);
    Info.builder()
        .name("dotproxy_build_info").help("The running build: version, source revision and Java runtime.")
        .labelNames("version", "revision", "java").register(registry)
        .setLabelValues(BuildInfo.version(), BuildInfo.revision(), Runtime.version().toString());
  }

  /**
   * Adds the Prometheus client's JVM and process collectors (CPU, resident memory, heap, GC pauses,
   * threads, open file descriptors). They read MXBeans and /proc when scraped, never on the query path.
   * These are {@code JvmMetrics}' collectors less its native-memory one: that one reports only under
   * {@code -XX:NativeMemoryTracking}, which the image does not run, and asking for it starts the
   * platform MBean server, about 50 ms of the proxy's start-up (docs/explanation/footprint.md).
   */
  public ProxyMetrics registerRuntimeMetrics() {
    PrometheusProperties config = PrometheusProperties.get();
    JvmThreadsMetrics.builder(config).register(registry);
    JvmBufferPoolMetrics.builder(config).register(registry);
    JvmClassLoadingMetrics.builder(config).register(registry);
    JvmCompilationMetrics.builder(config).register(registry);
    JvmGarbageCollectorMetrics.builder(config).register(registry);
    JvmMemoryPoolAllocationMetrics.builder(config).register(registry);
    JvmMemoryMetrics.builder(config).register(registry);
    JvmRuntimeInfoMetric.builder(config).register(registry);
    ProcessMetrics.builder(config).register(registry);
    return this;
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  /**
   * @param ipv6 whether the client's address is IPv6 (family 2; else IPv4, family 1)
   * @param queryType the question's type, or a negative number when the query has none readable
   * @param bytes the query's size on the wire (without TCP's length prefix)
   */
  public void request(boolean udp, boolean ipv6, int queryType, int bytes) {
    int type = queryType >= 0 && queryType < TYPE_TABLE_SIZE ? typeIndex[queryType] : 0;
    int protoAndFamily = (udp ? 0 : FAMILIES.size()) + (ipv6 ? 1 : 0);
    requestsByKind[protoAndFamily * (NAMED_QUERY_TYPES.size() + 1) + type].inc();
    (udp ? udpRequestSize : tcpRequestSize).observe(bytes);
  }

  /**
   * @param rcode the header rcode, 0 to 15
   * @param bytes the answer's size on the wire
   */
  public void response(boolean udp, int rcode, long nanos, int bytes) {
    (udp ? udpResponseSize : tcpResponseSize).observe(bytes);
    CounterDataPoint point = responsesByRcode[rcode];
    if (point == null) {
      // Looked up once per rcode, not per answer; a race looks up the same data point twice.
      point = responses.labelValues(Rcode.string(rcode));
      responsesByRcode[rcode] = point;
    }
    point.inc();
    requestDuration.observe(nanos / 1e9);
  }

  /** The per-upstream data points, looked up once per upstream. */
  public UpstreamMetrics upstream(String label) {
    return new UpstreamMetrics(label, upstreamRequests.labelValues(label),
        upstreamRetries.labelValues(label), upstreamDuration.labelValues(label), upstreamHealthy,
        upstreamConnections, upstreamFailures);
  }

  /** Drops the gauges of an upstream a reload removed, so it does not look healthy forever. */
  public void removeUpstream(String label) {
    upstreamHealthy.remove(label);
    upstreamConnections.remove(label);
  }

  public void hedged() {
    upstreamHedged.inc();
  }

  public void crossCheckCompared() {
    crossCheckComparisons.inc();
  }

  /** @param action one of {@link #CROSS_CHECK_MISMATCH_ACTIONS} */
  public void crossCheckMismatch(String action) {
    crossCheckMismatches.labelValues(action).inc();
  }

  /** @param action one of {@link #CROSS_CHECK_UNVERIFIED_ACTIONS} */
  public void crossCheckUnverified(String action) {
    crossCheckUnverified.labelValues(action).inc();
  }

  public void cacheHit() {
    cacheHits.inc();
  }

  public void cacheMiss() {
    cacheMisses.inc();
  }

  public void staleAnswer() {
    cacheStale.inc();
  }

  public void prefetch() {
    cachePrefetches.inc();
  }

  public void coalesced() {
    coalesced.inc();
  }

  public void rateLimited() {
    rateLimited.inc();
  }

  public void forwardZoneRequest(String zone) {
    forwardZoneRequests.labelValues(zone).inc();
  }

  public void overloaded() {
    overloaded.inc();
  }

  public void queryLogDropped() {
    queryLogDropped.inc();
  }

  public void cacheEviction() {
    cacheEvictions.inc();
  }

  public void configReload(boolean success) {
    configReloads.labelValues(success ? "success" : "error").inc();
  }

  /**
   * Where {@code dotproxy_cache_entries} reads the cache's size at scrape time. Replaced when a
   * reload builds a new cache; the gauge itself is registered once.
   */
  public void cacheEntries(DoubleSupplier entries) {
    cacheEntries = entries;
  }

  /** Data points of one upstream. */
  public static final class UpstreamMetrics {
    private final String label;
    private final CounterDataPoint requests;
    private final CounterDataPoint retries;
    private final DistributionDataPoint duration;
    private final Gauge healthy;
    private final Gauge connections;
    private final Counter failures;

    UpstreamMetrics(String label, CounterDataPoint requests, CounterDataPoint retries,
        DistributionDataPoint duration, Gauge healthy, Gauge connections, Counter failures) {
      this.label = label;
      this.requests = requests;
      this.retries = retries;
      this.duration = duration;
      this.healthy = healthy;
      this.connections = connections;
      this.failures = failures;
      healthy.labelValues(label).set(1);
      connections.labelValues(label); // shown as 0 from the start, not only once connected
      UPSTREAM_FAILURE_REASONS.forEach(reason -> failures.labelValues(label, reason));
    }

    public void request() {
      requests.inc();
    }

    /** The connection closed under the query, which goes out again on another. */
    public void retried() {
      retries.inc();
    }

    public void answered(long nanos) {
      duration.observe(nanos / 1e9);
    }

    /** @param reason one of {@link #UPSTREAM_FAILURE_REASONS} */
    public void failed(String reason) {
      failures.labelValues(label, reason).inc();
    }

    public void healthy(boolean up) {
      healthy.labelValues(label).set(up ? 1 : 0);
    }

    public void connectionOpened() {
      connections.labelValues(label).inc();
    }

    public void connectionClosed() {
      connections.labelValues(label).dec();
    }
  }
}
