package io.dotproxy.runtime.testing;

import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

/** Reads a counter or gauge from a proxy's registry, summed over its labels. */
public final class Metrics {

  private Metrics() {}

  /** @param name the Prometheus name without {@code _total} */
  public static double value(ProxyMetrics metrics, String name) {
    for (MetricSnapshot snapshot : metrics.registry().scrape()) {
      if (!snapshot.getMetadata().getPrometheusName().equals(name)) {
        continue;
      }
      double sum = 0;
      for (DataPointSnapshot point : snapshot.getDataPoints()) {
        if (point instanceof CounterSnapshot.CounterDataPointSnapshot counter) {
          sum += counter.getValue();
        } else if (point instanceof GaugeSnapshot.GaugeDataPointSnapshot gauge) {
          sum += gauge.getValue();
        }
      }
      return sum;
    }
    throw new IllegalArgumentException("no metric " + name);
  }
}
