package io.dotproxy.operator.delivery;

import io.dotproxy.operator.model.CoreDnsState;
import io.dotproxy.operator.model.CoreDnsStatus;
import io.dotproxy.operator.model.DnsOverTlsProxyStatus;
import io.dotproxy.operator.status.FleetStatusMetrics;
import io.dotproxy.operator.status.UninjectedPodsMetric;
import io.dotproxy.operator.webhook.tls.ReloadingKeyManager;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every series name the proxy runtime and the operator export, with each label's values, as their own
 * registries write them for a scrape: the runtime's {@link ProxyMetrics} with its JVM collectors and one
 * upstream, and the operator's per-proxy gauges with one proxy published. What alerts and dashboards may
 * use, plus the labels the scrape itself adds ({@link #TARGET_LABELS}).
 */
final class ExportedMetrics {

  /**
   * Labels Prometheus adds to every series: its own (job, instance), the Prometheus Operator's for a pod
   * or service target, and what the chart's PodMonitors relabel (proxy, mode, node).
   */
  static final Set<String> TARGET_LABELS =
      Set.of("job", "instance", "namespace", "pod", "container", "endpoint", "service", "proxy", "mode", "node");

  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? \\S+$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** Series name, then label name, then the values seen. */
  final Map<String, Map<String, Set<String>>> series = new TreeMap<>();

  static ExportedMetrics collect() {
    ExportedMetrics exported = new ExportedMetrics();
    exported.read(runtimeScrape());
    exported.read(operatorScrape());
    return exported;
  }

  private static String runtimeScrape() {
    ProxyMetrics metrics = new ProxyMetrics().registerRuntimeMetrics();
    metrics.upstream("9.9.9.9@853");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static String operatorScrape() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    DnsOverTlsProxyStatus status = new DnsOverTlsProxyStatus();
    status.setCoreDNS(new CoreDnsStatus(CoreDnsState.PATCHED, "patched"));
    new FleetStatusMetrics(registry).publish("dns", "edge", status);
    new UninjectedPodsMetric(registry).set("apps", "edge", 1);
    new ReloadingKeyManager().registerExpiryMetric(registry);
    return registry.scrape();
  }

  private void read(String text) {
    for (String line : text.split("\n")) {
      Matcher sample = SAMPLE.matcher(line);
      if (line.startsWith("#") || !sample.matches()) {
        continue;
      }
      Map<String, Set<String>> labels = series.computeIfAbsent(sample.group(1), n -> new TreeMap<>());
      if (sample.group(3) != null) {
        Matcher label = LABEL.matcher(sample.group(3));
        while (label.find()) {
          labels.computeIfAbsent(label.group(1), l -> new TreeSet<>()).add(label.group(2));
        }
      }
    }
  }

  boolean has(String name) {
    return series.containsKey(name);
  }

  /** Whether the series has the label, or the scrape adds it. */
  boolean hasLabel(String name, String label) {
    return TARGET_LABELS.contains(label) || series.getOrDefault(name, Map.of()).containsKey(label);
  }

  Set<String> values(String name, String label) {
    return series.getOrDefault(name, Map.of()).getOrDefault(label, Set.of());
  }
}
