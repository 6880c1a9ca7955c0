package io.dotproxy.operator.status;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dotproxy.operator.model.CoreDnsState;
import io.dotproxy.operator.model.DnsOverTlsProxyStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;

/**
 * Each DnsOverTlsProxy's status as gauges, for the alerts and the dashboard (docs/how-to/monitoring.md): the
 * status the reconciler has just computed, so the metrics and {@code kubectl get dotp} never disagree.
 *
 * <ul>
 *   <li>{@code dotproxy_operator_proxy_condition{namespace, proxy, type}}: 1 while the condition
 *       ({@code Ready}, {@code Progressing}, {@code Degraded}) is True, else 0</li>
 *   <li>{@code dotproxy_operator_fleet_desired_proxies} and {@code dotproxy_operator_fleet_ready_proxies}
 *       {@code {namespace, proxy}}: DaemonSet mode's counts (NaN in Sidecar mode)</li>
 *   <li>{@code dotproxy_operator_coredns_patch_state{namespace, proxy, state}}: 1 for the patch's state
 *       (Disabled, Pending, Patched, Reverting, Refused), 0 for the others</li>
 * </ul>
 *
 * <p>The series of a proxy go when it is deleted. Thread-safe: proxies are reconciled concurrently.
 */
public final class FleetStatusMetrics {

  static final String CONDITION = "dotproxy.operator.proxy.condition";
  static final String DESIRED = "dotproxy.operator.fleet.desired.proxies";
  static final String READY = "dotproxy.operator.fleet.ready.proxies";
  static final String COREDNS_STATE = "dotproxy.operator.coredns.patch.state";

  private static final List<String> CONDITIONS =
      List.of(ConditionTypes.READY, ConditionTypes.PROGRESSING, ConditionTypes.DEGRADED);

  private record Key(String namespace, String proxy) {}

  private record Series(AtomicReference<DnsOverTlsProxyStatus> status, List<Meter> meters) {}

  private final MeterRegistry registry;
  private final Map<Key, Series> series = new ConcurrentHashMap<>();

  public FleetStatusMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public void publish(String namespace, String proxy, DnsOverTlsProxyStatus status) {
    series.computeIfAbsent(new Key(namespace, proxy), this::register).status().set(status);
  }

  public void remove(String namespace, String proxy) {
    Series removed = series.remove(new Key(namespace, proxy));
    if (removed != null) {
      removed.meters().forEach(registry::remove);
    }
  }

  private Series register(Key key) {
    AtomicReference<DnsOverTlsProxyStatus> status = new AtomicReference<>(new DnsOverTlsProxyStatus());
    List<Meter> meters = new ArrayList<>();
    for (String type : CONDITIONS) {
      meters.add(gauge(key, status, CONDITION, "1 while the DnsOverTlsProxy's condition is True, else 0",
          s -> s.condition(type).filter(c -> "True".equals(c.getStatus())).isPresent() ? 1 : 0, "type", type));
    }
    meters.add(gauge(key, status, DESIRED, "DaemonSet mode: proxies the fleet should run (NaN in Sidecar mode)",
        s -> count(s.getDesiredProxies())));
    meters.add(gauge(key, status, READY, "DaemonSet mode: proxies of the fleet that are ready (NaN in Sidecar mode)",
        s -> count(s.getReadyProxies())));
    for (CoreDnsState state : CoreDnsState.values()) {
      meters.add(gauge(key, status, COREDNS_STATE, "1 for the state of the DnsOverTlsProxy's CoreDNS patch, else 0",
          s -> s.getCoreDNS() != null && s.getCoreDNS().getState() == state ? 1 : 0, "state", stateName(state)));
    }
    return new Series(status, List.copyOf(meters));
  }

  private Meter gauge(Key key, AtomicReference<DnsOverTlsProxyStatus> status, String name, String description,
      ToDoubleFunction<DnsOverTlsProxyStatus> value, String... extraTags) {
    return Gauge.builder(name, status, s -> value.applyAsDouble(s.get()))
        .description(description)
        .tag("namespace", key.namespace())
        .tag("proxy", key.proxy())
        .tags(extraTags)
        .strongReference(true)
        .register(registry);
  }

  private static double count(Integer value) {
    return value == null ? Double.NaN : value;
  }

  /** The name the status shows, e.g. Patched. */
  static String stateName(CoreDnsState state) {
    try {
      return CoreDnsState.class.getField(state.name()).getAnnotation(JsonProperty.class).value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e);
    }
  }
}
