package io.dotproxy.operator.config;

import io.dotproxy.operator.model.ForwardZone;
import io.dotproxy.operator.sidecar.ServiceRef;
import io.fabric8.kubernetes.api.model.Service;
import java.util.List;
import java.util.Optional;

/**
 * The forward zone that sends the cluster domain from a sidecar to the cluster's DNS Service.
 *
 * <p>A sidecar is its pod's only nameserver, so without this zone Service names would be asked of the
 * public DoT upstreams, which cannot answer them and should not learn them.
 */
public sealed interface ClusterDnsZone {

  /** The zone to render, e.g. {@code cluster.local=10.96.0.10}. */
  record Found(ForwardZone zone) implements ClusterDnsZone {}

  /** The Service is missing or has no cluster IP; {@code problem} says which. */
  record Missing(String problem) implements ClusterDnsZone {}

  /** From the cluster DNS Service as the operator's cache holds it (empty: not found). */
  static ClusterDnsZone of(Optional<Service> service, ServiceRef ref, String clusterDomain) {
    if (service.isEmpty()) {
      return new Missing("cluster DNS Service " + ref + " not found; sidecars need it to resolve " + clusterDomain
          + " (see --cluster-dns-service)");
    }
    var spec = service.get().getSpec();
    List<String> ips = spec == null ? List.of() : spec.getClusterIPs() != null && !spec.getClusterIPs().isEmpty()
        ? spec.getClusterIPs()
        : spec.getClusterIP() == null ? List.of() : List.of(spec.getClusterIP());
    Optional<String> ip = ips.stream().filter(s -> !s.isBlank() && !"None".equals(s)).findFirst();
    if (ip.isEmpty()) {
      return new Missing("cluster DNS Service " + ref + " has no cluster IP");
    }
    // The runtime wants IPv6 servers in brackets: [fd00::a]:53.
    String server = ip.get().contains(":") ? "[" + ip.get() + "]:53" : ip.get() + ":53";
    return new Found(new ForwardZone(clusterDomain, List.of(server)));
  }
}
