package io.dotproxy.operator.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dotproxy.operator.app.OperatorSettings;
import io.dotproxy.operator.resources.FleetCapabilities;
import io.dotproxy.operator.resources.ProxyDaemonSetFactory;
import io.dotproxy.operator.resources.ProxyLabels;
import io.dotproxy.operator.resources.ProxySidecarFactory;
import io.dotproxy.operator.sidecar.SidecarLabels;
import io.dotproxy.operator.testing.TestProxies;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the chart gives Prometheus and Grafana (docs/how-to/monitoring.md, docs/how-to/alerts.md): PodMonitors that find
 * the proxies the operator runs in both modes, the alerts, and the dashboard; every metric, label and label
 * value an alert or a panel names is one the code exports ({@link ExportedMetrics}). The alerts also go
 * through the real promtool ({@code promtool check rules} and {@code promtool test rules}) where it is
 * installed (.ci/run installs it).
 */
class MonitoringChartTest {

  private static final String ALL_ON = """
      metrics:
        proxies:
          podMonitor: {enabled: true, labels: {release: prometheus}}
          scrapeAnnotations: true
        prometheusRule: {enabled: true, labels: {release: prometheus}, alertLabels: {team: dns}}
        grafanaDashboard: {enabled: true}
      """;

  static RenderedChart chart;
  static ExportedMetrics exported;

  @BeforeAll
  static void render() {
    chart = RenderedChart.render(ALL_ON);
    exported = ExportedMetrics.collect();
  }

  @Test
  void defaultsCreateNoMonitoringObjects() {
    RenderedChart defaults = RenderedChart.render("");

    assertThat(defaults.generic("PodMonitor")).isEmpty();
    assertThat(defaults.generic("PrometheusRule")).isEmpty();
    assertThat(defaults.all(ConfigMap.class)).isEmpty();
    assertThat(OperatorSettings.parse(new String[0], HelmChartTest.env(defaults)).proxyScrapeAnnotations()).isFalse();
  }

  @Test
  void aPodMonitorFindsDaemonSetModeProxiesByTheOperatorsLabelsAndAdminPort() {
    GenericKubernetesResource monitor = podMonitor("dotproxy-operator-proxies");
    DaemonSet fleet = ProxyDaemonSetFactory.desired(TestProxies.quad9("dns", "edge"), "proxy:1", FleetCapabilities.CURRENT);
    Map<String, String> podLabels = fleet.getSpec().getTemplate().getMetadata().getLabels();

    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
    assertThat(podLabels).containsAllEntriesOf(matchLabels(monitor));
    assertThat(portNames(fleet.getSpec().getTemplate().getSpec().getContainers())).contains(endpoint(monitor).get("port").toString());
    assertThat(relabelings(monitor)).contains("__meta_kubernetes_pod_label_app_kubernetes_io_instance -> proxy",
        "DaemonSet -> mode", "__meta_kubernetes_pod_node_name -> node");
    assertThat(ProxyLabels.INSTANCE).isEqualTo("app.kubernetes.io/instance");
  }

  @Test
  void aPodMonitorFindsInjectedSidecarsByTheOptInLabelAndTheSidecarsAdminPort() {
    GenericKubernetesResource monitor = podMonitor("dotproxy-operator-sidecars");
    Container sidecar = ProxySidecarFactory.container(TestProxies.quad9("apps", "app-dns"), "proxy:1", false);

    assertThat(String.valueOf((Object) monitor.get("spec", "selector", "matchExpressions")))
        .isEqualTo("[{key=" + SidecarLabels.PROXY + ", operator=Exists}]");
    assertThat(portNames(List.of(sidecar))).contains(endpoint(monitor).get("port").toString());
    assertThat(relabelings(monitor)).contains("__meta_kubernetes_pod_label_dotproxy_io_proxy -> proxy", "Sidecar -> mode");
  }

  @Test
  void podMonitorsLookInTheWatchedNamespacesOnly() {
    assertThat(String.valueOf((Object) podMonitor("dotproxy-operator-proxies").get("spec", "namespaceSelector"))).isEqualTo("{any=true}");

    RenderedChart watching = RenderedChart.render(ALL_ON + "watchNamespaces: [dns, apps]\n");
    for (GenericKubernetesResource monitor : watching.generic("PodMonitor")) {
      assertThat(String.valueOf((Object) monitor.get("spec", "namespaceSelector"))).isEqualTo("{matchNames=[dns, apps]}");
    }
  }

  @Test
  void scrapeAnnotationsReachTheOperatorAndNameTheProxysAdminPort() {
    OperatorSettings settings = OperatorSettings.parse(new String[0], HelmChartTest.env(chart));
    assertThat(settings.proxyScrapeAnnotations()).isTrue();

    DaemonSet fleet = ProxyDaemonSetFactory.desired(TestProxies.quad9("dns", "edge"), "proxy:1", FleetCapabilities.CURRENT,
        null, settings.proxyScrapeAnnotations());
    Map<String, String> annotations = fleet.getSpec().getTemplate().getMetadata().getAnnotations();
    assertThat(annotations).containsEntry("prometheus.io/scrape", "true").containsEntry("prometheus.io/path", "/metrics");
    assertThat(fleet.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts())
        .extracting(ContainerPort::getContainerPort).contains(Integer.valueOf(annotations.get("prometheus.io/port")));
    assertThat(ProxyDaemonSetFactory.desired(TestProxies.quad9("dns", "edge"), "proxy:1", FleetCapabilities.CURRENT)
        .getSpec().getTemplate().getMetadata().getAnnotations()).isNullOrEmpty();
  }

  @Test
  void theOperatorsServiceMonitorKeepsTheProxyNamespaceItsSeriesCarry() {
    RenderedChart withMonitor = RenderedChart.render("metrics:\n  serviceMonitor:\n    enabled: true\n");
    Object endpoints = withMonitor.generic("ServiceMonitor").get(0).get("spec", "endpoints");

    assertThat(String.valueOf(endpoints)).contains("honorLabels=true");
  }

  @Test
  void everyAlertHasARunbookSectionAndExtraLabels() throws IOException {
    String runbooks = RepoFiles.read("docs/how-to/alerts.md");
    List<Map<String, Object>> rules = rules();

    assertThat(rules).extracting(r -> r.get("alert")).containsExactlyInAnyOrder(
        "DotproxyUpstreamsAllDown", "DotproxyServeStaleInUse", "DotproxyServfailRatioHigh", "DotproxyLatencyHigh",
        "DotproxyCacheHitRatioCollapsed", "DotproxyConfigReloadFailing", "DotproxyFleetNotFullyReady",
        "DotproxyNotReady", "DotproxyCoreDnsPatchDegraded", "DotproxyWebhookFailing",
        "DotproxyWebhookCertificateExpiresSoon");
    for (Map<String, Object> rule : rules) {
      String alert = (String) rule.get("alert");
      @SuppressWarnings("unchecked")
      Map<String, String> annotations = (Map<String, String>) rule.get("annotations");
      @SuppressWarnings("unchecked")
      Map<String, String> labels = (Map<String, String>) rule.get("labels");
      assertThat(annotations.get("runbook_url")).as(alert)
          .isEqualTo("https://github.com/dotproxy/dotproxy/blob/main/docs/how-to/alerts.md#" + alert.toLowerCase());
      assertThat(runbooks).as("docs/how-to/alerts.md has a section for " + alert).contains("\n## " + alert + "\n");
      assertThat(labels).as(alert).containsEntry("team", "dns").containsKey("severity");
    }
  }

  @Test
  void everyAlertUsesOnlyExportedMetricsLabelsAndValues() {
    for (Map<String, Object> rule : rules()) {
      String expr = (String) rule.get("expr");
      assertUsesExportedMetrics((String) rule.get("alert"), expr);
      PromQlSelectors.Used used = PromQlSelectors.of(expr);
      @SuppressWarnings("unchecked")
      Map<String, String> annotations = (Map<String, String>) rule.get("annotations");
      Matcher templated = Pattern.compile("\\$labels\\.([a-zA-Z_]+)").matcher(String.join(" ", annotations.values()));
      while (templated.find()) {
        String label = templated.group(1);
        assertThat(used.metrics().stream().anyMatch(m -> exported.hasLabel(m, label)))
            .as("%s's annotations use $labels.%s, which its series do not carry", rule.get("alert"), label).isTrue();
      }
    }
  }

  @Test
  void promtoolChecksTheRulesAndTheirUnitTestsPass(@TempDir Path dir) throws Exception {
    Optional<Path> promtool = RepoFiles.onPath("promtool");
    assumeTrue(promtool.isPresent() || System.getenv("CI") != null,
        "promtool is not on PATH (Debian package prometheus; .ci/run installs it): the rules were checked by parsing only");
    assertThat(promtool).as("CI installs promtool (.ci/run)").isPresent();
    Files.writeString(dir.resolve("rules.yaml"), Serialization.asYaml(Map.of("groups", groups())));
    Files.copy(Path.of(MonitoringChartTest.class.getResource("/prometheus/alerts-test.yaml").toURI()),
        dir.resolve("alerts-test.yaml"));

    assertThat(run(dir, promtool.get().toString(), "check", "rules", "rules.yaml")).contains("SUCCESS: 11 rules found");
    assertThat(run(dir, promtool.get().toString(), "test", "rules", "alerts-test.yaml")).contains("SUCCESS");
  }

  @Test
  void theDashboardIsAConfigMapTheGrafanaSidecarLoads() throws IOException {
    ConfigMap dashboard = chart.one(ConfigMap.class, "dotproxy-operator-dashboard");
    JsonNode json = new ObjectMapper().readTree(dashboard.getData().get("dotproxy-fleet.json"));

    assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    assertThat(json.path("uid").asText()).isEqualTo("dotproxy-fleet");
    assertThat(json.path("panels")).extracting(p -> p.path("title").asText()).contains(
        "Queries per second, by transport", "Answers per second, by rcode", "Answer latency", "Cache hit ratio",
        "Healthy upstreams", "Upstream latency p99", "Open TLS connections to upstreams",
        "Rate-limited and overloaded queries per second", "Fleet readiness (DaemonSet mode)",
        "Queries per second, by query type", "Queries per second, by client address family");
    assertThat(RenderedChart.render(ALL_ON + "  grafanaDashboard: {enabled: true, namespace: monitoring}\n")
        .one(ConfigMap.class, "dotproxy-operator-dashboard").getMetadata().getNamespace()).isEqualTo("monitoring");
  }

  @Test
  void everyDashboardQueryUsesOnlyExportedMetricsLabelsAndValues() throws IOException {
    JsonNode json = new ObjectMapper().readTree(
        chart.one(ConfigMap.class, "dotproxy-operator-dashboard").getData().get("dotproxy-fleet.json"));
    int queries = 0;
    for (JsonNode panel : json.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        assertUsesExportedMetrics(panel.path("title").asText(), target.path("expr").asText());
        queries++;
      }
    }
    for (JsonNode variable : json.path("templating").path("list")) {
      String query = variable.path("definition").asText();
      if (query.startsWith("label_values(")) {
        String inner = query.substring("label_values(".length(), query.length() - 1);
        int comma = inner.lastIndexOf(',');
        assertUsesExportedMetrics(variable.path("name").asText(), inner.substring(0, comma));
        assertThat(exported.hasLabel("dotproxy_build_info", inner.substring(comma + 1).strip())).isTrue();
      }
    }
    assertThat(queries).isGreaterThan(20);
  }

  /** Fails, naming {@code where}, for a metric, label or literal label value the code does not export. */
  private static void assertUsesExportedMetrics(String where, String expression) {
    PromQlSelectors.Used used = PromQlSelectors.of(expression);
    assertThat(used.metrics()).as("%s uses no metric: %s", where, expression).isNotEmpty();
    for (String metric : used.metrics()) {
      assertThat(exported.has(metric)).as("%s uses %s, which nothing exports", where, metric).isTrue();
    }
    for (String label : used.labels()) {
      assertThat(used.metrics().stream().anyMatch(m -> exported.hasLabel(m, label)))
          .as("%s uses label %s, which none of %s carries", where, label, used.metrics()).isTrue();
    }
    for (PromQlSelectors.Matcher matcher : used.matchers()) {
      boolean literal = matcher.value().matches("[A-Za-z0-9_@.]+(\\|[A-Za-z0-9_@.]+)*");
      if (literal && matcher.metric() != null && !ExportedMetrics.TARGET_LABELS.contains(matcher.label())
          && (matcher.op().equals("=") || matcher.op().equals("=~"))) {
        for (String value : matcher.value().split("\\|")) {
          assertThat(exported.values(matcher.metric(), matcher.label()))
              .as("%s matches %s{%s=\"%s\"}, a value never exported", where, matcher.metric(), matcher.label(), value)
              .contains(value);
        }
      }
    }
  }

  private static GenericKubernetesResource podMonitor(String name) {
    return chart.generic("PodMonitor").stream().filter(m -> name.equals(m.getMetadata().getName())).findFirst()
        .orElseThrow(() -> new AssertionError("no PodMonitor " + name + " in:\n" + chart.summary()));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> matchLabels(GenericKubernetesResource monitor) {
    return (Map<String, String>) monitor.get("spec", "selector", "matchLabels");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> endpoint(GenericKubernetesResource monitor) {
    List<Object> endpoints = HelmChartTest.list(monitor.get("spec", "podMetricsEndpoints"));
    assertThat(endpoints).hasSize(1);
    return (Map<String, Object>) endpoints.get(0);
  }

  @SuppressWarnings("unchecked")
  private static List<String> relabelings(GenericKubernetesResource monitor) {
    List<String> described = new ArrayList<>();
    for (Object r : HelmChartTest.list(endpoint(monitor).get("relabelings"))) {
      Map<String, Object> relabeling = (Map<String, Object>) r;
      Object source = relabeling.containsKey("sourceLabels")
          ? String.join(",", (List<String>) relabeling.get("sourceLabels"))
          : relabeling.get("replacement");
      described.add(source + " -> " + relabeling.get("targetLabel"));
    }
    return described;
  }

  private static List<String> portNames(List<Container> containers) {
    return containers.stream().flatMap(c -> c.getPorts().stream()).map(ContainerPort::getName).toList();
  }

  @SuppressWarnings("unchecked")
  private static List<Object> groups() {
    GenericKubernetesResource rule = chart.generic("PrometheusRule").get(0);
    return HelmChartTest.list(rule.get("spec", "groups"));
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> rules() {
    List<Map<String, Object>> rules = new ArrayList<>();
    for (Object group : groups()) {
      for (Object rule : HelmChartTest.list(((Map<String, Object>) group).get("rules"))) {
        rules.add((Map<String, Object>) rule);
      }
    }
    return rules;
  }

  private static String run(Path dir, String... command) throws Exception {
    Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(String.join(" ", command) + ":\n" + output).isZero();
    return output;
  }
}
