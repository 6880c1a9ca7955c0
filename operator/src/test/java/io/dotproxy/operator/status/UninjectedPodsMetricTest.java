package io.dotproxy.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class UninjectedPodsMetricTest {

  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final UninjectedPodsMetric metric = new UninjectedPodsMetric(registry);

  @Test
  void oneSeriesPerProxyThatFollowsItsCountAndGoesWithIt() {
    metric.set("shop", "edge", 2);
    metric.set("blog", "edge", 0);
    metric.set("shop", "edge", 3);

    assertThat(registry.scrape())
        .contains("# TYPE dotproxy_operator_uninjected_pods gauge")
        .contains("dotproxy_operator_uninjected_pods{namespace=\"shop\",proxy=\"edge\"} 3.0")
        .contains("dotproxy_operator_uninjected_pods{namespace=\"blog\",proxy=\"edge\"} 0.0");

    metric.remove("shop", "edge");
    metric.remove("shop", "never-set");

    assertThat(registry.scrape())
        .doesNotContain("namespace=\"shop\"")
        .contains("dotproxy_operator_uninjected_pods{namespace=\"blog\",proxy=\"edge\"} 0.0");
  }
}
