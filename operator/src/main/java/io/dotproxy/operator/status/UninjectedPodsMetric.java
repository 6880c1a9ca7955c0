package io.dotproxy.operator.status;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gauge {@code dotproxy_operator_uninjected_pods{namespace, proxy}}: per Sidecar-mode proxy, how many
 * of its labelled pods run without the proxy. The same number as {@code status.uninjectedPods}, for
 * alerting: a pod created while the webhook was unreachable is otherwise silent.
 *
 * <p>One series per Sidecar-mode proxy the operator reconciles; it goes when the proxy is deleted or
 * switched to DaemonSet mode. Thread-safe: proxies are reconciled concurrently.
 */
public final class UninjectedPodsMetric {

  static final String NAME = "dotproxy.operator.uninjected.pods";

  private record Key(String namespace, String proxy) {}

  private record Series(AtomicInteger value, Gauge gauge) {}

  private final MeterRegistry registry;
  private final Map<Key, Series> series = new ConcurrentHashMap<>();

  public UninjectedPodsMetric(MeterRegistry registry) {
    this.registry = registry;
  }

  public void set(String namespace, String proxy, int pods) {
    series.computeIfAbsent(new Key(namespace, proxy), key -> {
      AtomicInteger value = new AtomicInteger();
      Gauge gauge = Gauge.builder(NAME, value, AtomicInteger::get)
          .description("Pods labelled dotproxy.io/proxy that run without the injected proxy and did not opt out")
          .tag("namespace", key.namespace())
          .tag("proxy", key.proxy())
          .strongReference(true)
          .register(registry);
      return new Series(value, gauge);
    }).value().set(pods);
  }

  public void remove(String namespace, String proxy) {
    Series removed = series.remove(new Key(namespace, proxy));
    if (removed != null) {
      registry.remove(removed.gauge());
    }
  }
}
