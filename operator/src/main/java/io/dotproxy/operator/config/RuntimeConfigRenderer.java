package io.dotproxy.operator.config;

import io.dotproxy.operator.model.CacheSpec;
import io.dotproxy.operator.model.DnsOverTlsProxySpec;
import io.dotproxy.operator.model.ForwardZone;
import io.dotproxy.operator.model.RateLimitSpec;
import io.dotproxy.operator.model.Upstream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Renders the proxy-runtime's YAML config file (docs/config-format.md) from a spec.
 *
 * <p>Only settings present in the spec are written, so the runtime's own defaults apply to the rest and
 * stay the runtime's business. Keys keep the order of the format document to make diffs readable.
 */
public final class RuntimeConfigRenderer {

  /** Where the proxies listen inside the pod; 53 is allowed unprivileged through a pod sysctl. */
  public static final String LISTEN = "0.0.0.0:53";

  /** Admin endpoint for /metrics, /livez, /readyz. */
  public static final String ADMIN = "0.0.0.0:9153";

  private RuntimeConfigRenderer() {}

  /**
   * @param caFile where the trusted-CA bundle is mounted in the proxy container, when the spec has one
   */
  public static String render(DnsOverTlsProxySpec spec, Optional<String> caFile) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("listen", List.of(LISTEN));
    config.put("upstream", spec.getUpstreams().stream().map(RuntimeConfigRenderer::upstream).toList());
    caFile.ifPresent(path -> config.put("ca-file", path));
    putIfSet(config, "policy", spec.getPolicy() == null ? null : spec.getPolicy().runtimeName());
    putIfSet(config, "timeout", spec.getTimeout());
    cache(spec.getCache(), config);
    if (spec.getForwardZones() != null && !spec.getForwardZones().isEmpty()) {
      config.put("forward-zone", spec.getForwardZones().stream().map(RuntimeConfigRenderer::forwardZone).toList());
    }
    rateLimit(spec.getRateLimit(), config);
    putIfSet(config, "drain-period", spec.getDrainPeriod());
    putIfSet(config, "query-log", spec.getQueryLog());
    config.put("admin", ADMIN);
    return yaml().dump(config);
  }

  private static Map<String, Object> upstream(Upstream upstream) {
    // Always the structured form: it carries spki-pins and needs no escaping rules.
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("address", upstream.getAddress());
    out.put("port", upstream.getPort() == null ? Upstream.DEFAULT_PORT : upstream.getPort());
    putIfSet(out, "server-name", upstream.getServerName());
    if (upstream.getSpkiPins() != null && !upstream.getSpkiPins().isEmpty()) {
      out.put("spki-pins", List.copyOf(upstream.getSpkiPins()));
    }
    return out;
  }

  private static String forwardZone(ForwardZone zone) {
    return zone.getZone() + "=" + String.join(",", zone.getServers());
  }

  private static void cache(CacheSpec cache, Map<String, Object> config) {
    if (cache == null) {
      return;
    }
    putIfSet(config, "cache-size", cache.getSize());
    putIfSet(config, "cache-min-ttl", cache.getMinTTL());
    putIfSet(config, "cache-max-ttl", cache.getMaxTTL());
    putIfSet(config, "cache-serve-stale", cache.getServeStale());
    putIfSet(config, "cache-prefetch", cache.getPrefetch());
  }

  private static void rateLimit(RateLimitSpec rateLimit, Map<String, Object> config) {
    if (rateLimit == null) {
      return;
    }
    putIfSet(config, "rate-limit-qps", rateLimit.getQps());
    putIfSet(config, "rate-limit-burst", rateLimit.getBurst());
    putIfSet(config, "rate-limit-action", rateLimit.getAction() == null ? null : rateLimit.getAction().runtimeName());
  }

  private static void putIfSet(Map<String, Object> map, String key, Object value) {
    if (value != null) {
      map.put(key, value);
    }
  }

  private static Yaml yaml() {
    var options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndicatorIndent(2);
    options.setIndentWithIndicator(true);
    return new Yaml(options);
  }
}
