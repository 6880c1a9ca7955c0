package io.dotproxy.runtime.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/reference/metrics.md lists the proxy's metrics in its "Proxy" section; {@link ProxyMetrics} is
 * where they are defined. The two must name the same metrics.
 */
class MetricsReferenceTest {

  static final Path PAGE = Path.of("..", "docs", "reference", "metrics.md");
  private static final Pattern ROW_NAME = Pattern.compile("(?m)^\\| `(dotproxy_[a-z_]+)(?:\\{[^}]*\\})?` \\|");

  @Test
  void theReferenceListsExactlyTheMetricsTheProxyRegisters() throws IOException {
    String page = Files.readString(PAGE);
    int start = page.indexOf("\n## Proxy");
    assertThat(start).as("docs/reference/metrics.md has a '## Proxy' section").isPositive();
    int end = page.indexOf("\n## ", start + 1);
    String section = end < 0 ? page.substring(start) : page.substring(start, end);
    Set<String> documented = new TreeSet<>();
    Matcher m = ROW_NAME.matcher(section);
    while (m.find()) {
      documented.add(m.group(1));
    }

    Set<String> registered = new TreeSet<>();
    for (MetricSnapshot snapshot : new ProxyMetrics().registry().scrape()) {
      String name = snapshot.getMetadata().getPrometheusName();
      if (!name.startsWith("dotproxy_")) {
        continue; // the Prometheus client's own JVM and process collectors, listed apart
      }
      registered.add(snapshot instanceof CounterSnapshot ? name + "_total" : snapshot instanceof InfoSnapshot ? name + "_info" : name);
    }

    assertThat(documented).as("metrics in the Proxy section of " + PAGE.normalize()).isEqualTo(registered);
  }
}
