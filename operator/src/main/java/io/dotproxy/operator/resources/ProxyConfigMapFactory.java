package io.dotproxy.operator.resources;

import io.dotproxy.operator.config.ConfigSchemaVersion;
import io.dotproxy.operator.config.ProxyAddresses;
import io.dotproxy.operator.config.RuntimeConfigRenderer;
import io.dotproxy.operator.config.TrustedCaBundle;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.ForwardZone;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The ConfigMap holding the runtime's config file (and CA bundle) for one DnsOverTlsProxy. */
public final class ProxyConfigMapFactory {

  private ProxyConfigMapFactory() {}

  /**
   * @param ca the resolved trustedCA; an unresolved one has no rendering, the caller reports it instead
   * @param clusterZones Sidecar mode: the cluster domain and the reverse zones of the cluster's ranges,
   *     forwarded to the cluster DNS
   * @param addresses where the proxies listen: the pod network's families and, in DaemonSet mode, the port
   * @param schema the config schema the proxies' runtime reads
   */
  public static ConfigMap desired(DnsOverTlsProxy proxy, TrustedCaBundle ca, List<ForwardZone> clusterZones,
      ProxyAddresses addresses, ConfigSchemaVersion schema) {
    Map<String, String> data = new LinkedHashMap<>();
    Optional<String> caFile = Optional.empty();
    if (ca instanceof TrustedCaBundle.Pem pem) {
      data.put(ProxyNames.CA_BUNDLE_KEY, pem.pem());
      caFile = Optional.of(ProxyNames.CA_BUNDLE_PATH);
    } else if (ca instanceof TrustedCaBundle.Unresolved unresolved) {
      throw new IllegalArgumentException("no config can be rendered: " + unresolved.problem());
    }
    data.put(ProxyNames.CONFIG_FILE_KEY, RuntimeConfigRenderer.render(proxy.getSpec(), caFile, clusterZones, addresses, schema));
    return new ConfigMapBuilder()
        .withMetadata(ProxyMetadata.of(proxy))
        .withData(data)
        .build();
  }
}
