package io.dotproxy.runtime.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/** What a scrape shows before any traffic, and how the sizes are counted, in the text format Prometheus reads. */
class ProxyMetricsTest {

  private static String scrape(ProxyMetrics metrics) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
    return out.toString(StandardCharsets.UTF_8);
  }

  private static List<String> lines(String text) {
    return Arrays.asList(text.split("\n"));
  }

  /** A rate() or an alert on a labelled counter sees nothing until its series exists. */
  @Test
  void labelledCountersAlertsUseExistAtZeroBeforeAnyTraffic() throws IOException {
    ProxyMetrics metrics = new ProxyMetrics();
    metrics.upstream("9.9.9.9@853");

    assertThat(lines(scrape(metrics))).contains(
        "dotproxy_config_reloads_total{result=\"success\"} 0.0",
        "dotproxy_config_reloads_total{result=\"error\"} 0.0",
        "dotproxy_responses_total{rcode=\"NOERROR\"} 0.0",
        "dotproxy_responses_total{rcode=\"SERVFAIL\"} 0.0",
        "dotproxy_responses_total{rcode=\"NXDOMAIN\"} 0.0",
        "dotproxy_responses_total{rcode=\"REFUSED\"} 0.0",
        "dotproxy_requests_total{family=\"1\",proto=\"udp\",type=\"A\"} 0.0",
        "dotproxy_requests_total{family=\"2\",proto=\"tcp\",type=\"AAAA\"} 0.0",
        "dotproxy_requests_total{family=\"2\",proto=\"udp\",type=\"other\"} 0.0",
        "dotproxy_upstream_requests_total{upstream=\"9.9.9.9@853\"} 0.0",
        "dotproxy_upstream_failures_total{reason=\"timeout\",upstream=\"9.9.9.9@853\"} 0.0",
        "dotproxy_upstream_failures_total{reason=\"connect\",upstream=\"9.9.9.9@853\"} 0.0",
        "dotproxy_upstream_healthy{upstream=\"9.9.9.9@853\"} 1.0",
        "dotproxy_upstream_connections{upstream=\"9.9.9.9@853\"} 0.0",
        "dotproxy_cache_hits_total 0.0",
        "dotproxy_cache_misses_total 0.0",
        "dotproxy_cache_evictions_total 0.0",
        "dotproxy_cache_stale_answers_total 0.0",
        "dotproxy_ratelimited_total 0.0",
        "dotproxy_cache_entries 0.0");
  }

  /** CoreDNS's bounded set: 2 transports, 2 address families, 18 named query types and "other". */
  @Test
  void requestsByTypeAndFamilyAreABoundedSetThatExistsFromTheStart() throws IOException {
    List<String> series = lines(scrape(new ProxyMetrics())).stream()
        .filter(line -> line.startsWith("dotproxy_requests_total{")).toList();

    assertThat(series).hasSize(2 * 2 * (ProxyMetrics.NAMED_QUERY_TYPES.size() + 1)).allMatch(line -> line.endsWith(" 0.0"));
    assertThat(ProxyMetrics.NAMED_QUERY_TYPES).hasSize(18);
  }

  @Test
  void theBuildInfoNamesVersionRevisionAndJava() throws IOException {
    String text = scrape(new ProxyMetrics());

    assertThat(lines(text)).contains("dotproxy_build_info{java=\"" + Runtime.version() + "\",revision=\""
        + BuildInfo.revision() + "\",version=\"" + BuildInfo.version() + "\"} 1");
  }

  @Test
  void processAndJvmFiguresAreTheClientsOwnCollectors() throws IOException {
    String text = scrape(new ProxyMetrics().registerRuntimeMetrics());

    assertThat(text).contains("process_cpu_seconds_total ", "process_resident_memory_bytes ",
        "process_open_fds ", "process_start_time_seconds ", "jvm_memory_used_bytes{area=\"heap\"} ",
        "jvm_gc_collection_seconds_count{", "jvm_threads_current ");
    assertThat(new ProxyMetrics().registry().scrape().stream().map(s -> s.getMetadata().getPrometheusName()))
        .as("tests' registries stay small").doesNotContain("jvm_threads_current");
  }

  @Test
  void requestAndResponseSizesAreCountedPerTransportWithCoreDnssBuckets() throws IOException {
    ProxyMetrics metrics = new ProxyMetrics();
    metrics.request(true, false, Type.A, 40);
    metrics.request(false, true, Type.AAAA, 450);
    metrics.response(true, 3, 1_000_000, 120);

    assertThat(lines(scrape(metrics))).contains(
        "dotproxy_request_size_bytes_bucket{proto=\"udp\",le=\"100.0\"} 1",
        "dotproxy_request_size_bytes_bucket{proto=\"tcp\",le=\"400.0\"} 0",
        "dotproxy_request_size_bytes_bucket{proto=\"tcp\",le=\"511.0\"} 1",
        "dotproxy_request_size_bytes_sum{proto=\"udp\"} 40.0",
        "dotproxy_response_size_bytes_bucket{proto=\"udp\",le=\"200.0\"} 1",
        "dotproxy_response_size_bytes_count{proto=\"tcp\"} 0",
        "dotproxy_responses_total{rcode=\"NXDOMAIN\"} 1.0",
        "dotproxy_request_duration_seconds_count 1");
  }
}
