package io.dotproxy.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.model.CoreDnsState;
import io.dotproxy.operator.model.CoreDnsStatus;
import io.dotproxy.operator.model.DnsOverTlsProxyStatus;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class FleetStatusMetricsTest {

  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final FleetStatusMetrics metrics = new FleetStatusMetrics(registry);

  static DnsOverTlsProxyStatus status(String ready, Integer desired, Integer readyProxies, CoreDnsState coreDns) {
    DnsOverTlsProxyStatus status = new DnsOverTlsProxyStatus();
    status.setConditions(List.of(
        new ConditionBuilder().withType("Ready").withStatus(ready).withReason("Test").build(),
        new ConditionBuilder().withType("Degraded").withStatus("False").withReason("Test").build()));
    status.setDesiredProxies(desired);
    status.setReadyProxies(readyProxies);
    if (coreDns != null) {
      status.setCoreDNS(new CoreDnsStatus(coreDns, "test"));
    }
    return status;
  }

  @Test
  void theGaugesFollowTheLatestStatusOfEachProxyAndGoWithIt() {
    metrics.publish("dns", "edge", status("False", 3, 1, CoreDnsState.PENDING));
    metrics.publish("apps", "app-dns", status("True", null, null, null));
    metrics.publish("dns", "edge", status("True", 3, 3, CoreDnsState.PATCHED));

    assertThat(registry.scrape()).contains(
        "dotproxy_operator_proxy_condition{namespace=\"dns\",proxy=\"edge\",type=\"Ready\"} 1.0",
        "dotproxy_operator_proxy_condition{namespace=\"dns\",proxy=\"edge\",type=\"Degraded\"} 0.0",
        "dotproxy_operator_proxy_condition{namespace=\"dns\",proxy=\"edge\",type=\"Progressing\"} 0.0",
        "dotproxy_operator_fleet_desired_proxies{namespace=\"dns\",proxy=\"edge\"} 3.0",
        "dotproxy_operator_fleet_ready_proxies{namespace=\"dns\",proxy=\"edge\"} 3.0",
        "dotproxy_operator_coredns_patch_state{namespace=\"dns\",proxy=\"edge\",state=\"Patched\"} 1.0",
        "dotproxy_operator_coredns_patch_state{namespace=\"dns\",proxy=\"edge\",state=\"Pending\"} 0.0",
        "dotproxy_operator_fleet_ready_proxies{namespace=\"apps\",proxy=\"app-dns\"} NaN",
        "dotproxy_operator_coredns_patch_state{namespace=\"apps\",proxy=\"app-dns\",state=\"Disabled\"} 0.0");

    metrics.remove("dns", "edge");
    metrics.remove("dns", "never-published");

    assertThat(registry.scrape()).doesNotContain("namespace=\"dns\"")
        .contains("dotproxy_operator_proxy_condition{namespace=\"apps\",proxy=\"app-dns\",type=\"Ready\"} 1.0");
  }
}
