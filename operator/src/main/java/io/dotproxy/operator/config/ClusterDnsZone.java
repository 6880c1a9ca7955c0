package io.dotproxy.operator.config;

import io.dotproxy.operator.model.ForwardZone;
import io.dotproxy.operator.sidecar.ServiceRef;
import io.fabric8.kubernetes.api.model.Service;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The forward zone that sends the cluster domain from a sidecar to the cluster's DNS Service.
 *
 * <p>A sidecar is its pod's only nameserver, so without this zone Service names would be asked of the
 * public DoT upstreams, which cannot answer them and should not learn them.
 */
public sealed interface ClusterDnsZone {

  /**
   * The zone to render, e.g. {@code cluster.local=10.96.0.10}.
   *
   * @param clusterIps the Service's cluster IPs, the first of which the zone names
   */
  record Found(ForwardZone zone, List<String> clusterIps) implements ClusterDnsZone {

    public Found {
      clusterIps = List.copyOf(clusterIps);
    }

    /**
     * The cluster domain's zone, then these reverse zones (of the cluster's service and pod ranges,
     * {@link io.dotproxy.operator.network.ClusterRanges}) to the same server: PTR lookups of cluster
     * IPs are the cluster DNS's to answer, and would otherwise get NXDOMAIN from the sidecar (RFC 6303)
     * or, for public ranges, go to the DoT upstreams.
     */
    public List<ForwardZone> withReverseZones(List<String> reverseZones) {
      List<ForwardZone> zones = new ArrayList<>();
      zones.add(zone);
      reverseZones.forEach(reverse -> zones.add(new ForwardZone(reverse, zone.getServers())));
      return zones;
    }
  }

  /** The Service is missing or has no cluster IP; {@code problem} says which. */
  record Missing(String problem) implements ClusterDnsZone {}

  /** From the cluster DNS Service as the operator's cache holds it (empty: not found). */
  static ClusterDnsZone of(Optional<Service> service, ServiceRef ref, String clusterDomain) {
    if (service.isEmpty()) {
      return new Missing("cluster DNS Service " + ref + " not found; sidecars need it to resolve " + clusterDomain
          + " (see --cluster-dns-service)");
    }
    var spec = service.get().getSpec();
    List<String> ips = (spec == null ? List.<String>of() : spec.getClusterIPs() != null && !spec.getClusterIPs().isEmpty()
        ? spec.getClusterIPs()
        : spec.getClusterIP() == null ? List.<String>of() : List.of(spec.getClusterIP()))
        .stream().filter(s -> s != null && !s.isBlank() && !"None".equals(s)).toList();
    if (ips.isEmpty()) {
      return new Missing("cluster DNS Service " + ref + " has no cluster IP");
    }
    String ip = ips.get(0);
    // The runtime wants IPv6 servers in brackets: [fd00::a]:53.
    String server = ip.contains(":") ? "[" + ip + "]:53" : ip + ":53";
    return new Found(new ForwardZone(clusterDomain, List.of(server)), ips);
  }
}
