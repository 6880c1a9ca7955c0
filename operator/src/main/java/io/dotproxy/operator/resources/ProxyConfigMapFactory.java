package io.dotproxy.operator.resources;

import io.dotproxy.operator.config.ConfigSchemaVersion;
import io.dotproxy.operator.config.RuntimeConfigRenderer;
import io.dotproxy.operator.config.TrustedCaBundle;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.ForwardZone;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The ConfigMap holding the runtime's config file (and CA bundle) for one DnsOverTlsProxy. */
public final class ProxyConfigMapFactory {

  private ProxyConfigMapFactory() {}

  /**
   * @param ca the resolved trustedCA; an unresolved one has no rendering, the caller reports it instead
   * @param clusterZone Sidecar mode: where the cluster domain is forwarded
   * @param fleet DaemonSet mode: which port the proxies listen on in their pods
   * @param schema the config schema the proxies' runtime reads
   */
  public static ConfigMap desired(DnsOverTlsProxy proxy, TrustedCaBundle ca, Optional<ForwardZone> clusterZone,
      FleetCapabilities fleet, ConfigSchemaVersion schema) {
    Map<String, String> data = new LinkedHashMap<>();
    Optional<String> caFile = Optional.empty();
    if (ca instanceof TrustedCaBundle.Pem pem) {
      data.put(ProxyNames.CA_BUNDLE_KEY, pem.pem());
      caFile = Optional.of(ProxyNames.CA_BUNDLE_PATH);
    } else if (ca instanceof TrustedCaBundle.Unresolved unresolved) {
      throw new IllegalArgumentException("no config can be rendered: " + unresolved.problem());
    }
    data.put(ProxyNames.CONFIG_FILE_KEY, RuntimeConfigRenderer.render(
        proxy.getSpec(), caFile, clusterZone, RuntimeConfigRenderer.daemonSetListen(fleet.podDnsPort()), schema));
    return new ConfigMapBuilder()
        .withMetadata(ProxyMetadata.of(proxy))
        .withData(data)
        .build();
  }
}
