package io.dotproxy.operator.config;

import io.dotproxy.operator.model.CacheSpec;
import io.dotproxy.operator.model.CrossCheckSpec;
import io.dotproxy.operator.model.DnsOverTlsProxySpec;
import io.dotproxy.operator.model.ForwardZone;
import io.dotproxy.operator.model.RateLimitSpec;
import io.dotproxy.operator.model.Upstream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Renders the proxy-runtime's YAML config file (docs/reference/config-file.md) from a spec.
 *
 * <p>Only settings present in the spec are written, so the runtime's own defaults apply to the rest and
 * stay the runtime's business. Keys keep the order of the format document to make diffs readable.
 *
 * <p>The file starts with the config schema it is written in, the one the proxies' runtime reads
 * ({@link RuntimeCompatibility}); the keys the operator adds on its own (version, listen, upstream,
 * ca-file, the cluster zones' forward-zone, admin) are in every schema, so only what the spec asks for
 * can be missing from an older one ({@link #keys}).
 */
public final class RuntimeConfigRenderer {

  private RuntimeConfigRenderer() {}

  /**
   * @param caFile where the trusted-CA bundle is mounted in the proxy container, when the spec has one
   */
  public static String render(DnsOverTlsProxySpec spec, Optional<String> caFile) {
    return render(spec, caFile, Optional.empty());
  }

  /** The keys rendering this spec writes, for checking them against an older runtime's schema. */
  public static List<String> keys(DnsOverTlsProxySpec spec) {
    return List.copyOf(settings(spec, Optional.empty(), List.of(), ProxyAddresses.IPV4).keySet());
  }

  /** An IPv4 pod network, the cluster domain forwarded to {@code clusterZone} in Sidecar mode. */
  public static String render(DnsOverTlsProxySpec spec, Optional<String> caFile, Optional<ForwardZone> clusterZone) {
    return render(spec, caFile, clusterZone.stream().toList(), ProxyAddresses.IPV4, RuntimeCompatibility.NEWEST);
  }

  /**
   * @param caFile where the trusted-CA bundle is mounted in the proxy container, when the spec has one
   * @param clusterZones Sidecar mode: the cluster domain, and the reverse zones of the cluster's ranges,
   *     to the cluster DNS Service's IP. A sidecar is the pod's only resolver, so cluster names must go to
   *     kube-dns (in plain DNS, inside the cluster) rather than to the DoT upstreams. A forward zone for
   *     the same zone in the spec wins.
   * @param addresses where the proxy listens, see {@link ProxyAddresses}
   * @param schema the config schema the proxies' runtime reads; the caller has checked that it has
   *     every key of this spec ({@link RuntimeCompatibility#check})
   */
  public static String render(DnsOverTlsProxySpec spec, Optional<String> caFile, List<ForwardZone> clusterZones,
      ProxyAddresses addresses, ConfigSchemaVersion schema) {
    Map<String, Object> config = new LinkedHashMap<>();
    // A string, not a number: YAML would read 1.10 as 1.1.
    config.put("version", schema.toString());
    config.putAll(settings(spec, caFile, clusterZones, addresses));
    return yaml().dump(config);
  }

  private static Map<String, Object> settings(
      DnsOverTlsProxySpec spec, Optional<String> caFile, List<ForwardZone> clusterZones, ProxyAddresses addresses) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("listen", addresses.dns(spec.runsAsDaemonSet()));
    config.put("upstream", spec.getUpstreams().stream().map(RuntimeConfigRenderer::upstream).toList());
    caFile.ifPresent(path -> config.put("ca-file", path));
    putIfSet(config, "policy", spec.getPolicy() == null ? null : spec.getPolicy().runtimeName());
    putIfSet(config, "parallel-upstreams", spec.getParallelUpstreams());
    putIfSet(config, "hedge-after", spec.getHedgeAfter());
    crossCheck(spec.getCrossCheck(), config);
    putIfSet(config, "timeout", spec.getTimeout());
    putIfSet(config, "udp-max-size", spec.getUdpMaxSize());
    cache(spec.getCache(), config);
    List<ForwardZone> zones = forwardZones(spec, clusterZones);
    if (!zones.isEmpty()) {
      config.put("forward-zone", zones.stream().map(RuntimeConfigRenderer::forwardZone).toList());
    }
    rateLimit(spec.getRateLimit(), config);
    if (spec.getPrivacy() != null) {
      putIfSet(config, "edns-padding", spec.getPrivacy().getEdnsPadding());
      putIfSet(config, "strip-client-subnet", spec.getPrivacy().getStripClientSubnet());
    }
    putIfSet(config, "drain-period", spec.getDrainPeriod());
    putIfSet(config, "query-log", spec.getQueryLog());
    config.put("admin", addresses.admin());
    return config;
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

  private static List<ForwardZone> forwardZones(DnsOverTlsProxySpec spec, List<ForwardZone> clusterZones) {
    List<ForwardZone> zones = new ArrayList<>();
    List<ForwardZone> fromSpec = spec.getForwardZones() == null ? List.of() : spec.getForwardZones();
    clusterZones.stream()
        .filter(cluster -> fromSpec.stream().noneMatch(z -> sameZone(z.getZone(), cluster.getZone())))
        .forEach(zones::add);
    zones.addAll(fromSpec);
    return zones;
  }

  private static boolean sameZone(String a, String b) {
    return stripDot(a).equalsIgnoreCase(stripDot(b));
  }

  private static String stripDot(String zone) {
    return zone.endsWith(".") ? zone.substring(0, zone.length() - 1) : zone;
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

  private static void crossCheck(CrossCheckSpec crossCheck, Map<String, Object> config) {
    if (crossCheck == null) {
      return;
    }
    putIfSet(config, "cross-check", crossCheck.getEnabled());
    putIfSet(config, "cross-check-upstreams", crossCheck.getUpstreams());
    putIfSet(config, "cross-check-compare", runtimeName(crossCheck.getCompare()));
    putIfSet(config, "cross-check-on-mismatch", runtimeName(crossCheck.getOnMismatch()));
    putIfSet(config, "cross-check-on-unverified", runtimeName(crossCheck.getOnUnverified()));
  }

  private static String runtimeName(CrossCheckSpec.RuntimeValue value) {
    return value == null ? null : value.runtimeName();
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
