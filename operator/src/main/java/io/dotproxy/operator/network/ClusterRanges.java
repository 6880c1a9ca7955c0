package io.dotproxy.operator.network;

import io.dotproxy.operator.sidecar.ClusterCapabilities.Version;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The cluster's service and pod ranges as far as the API tells them, for the reverse zones a sidecar
 * sends to the cluster DNS: PTR lookups of Service and pod IPs are the cluster DNS's to answer.
 *
 * <p><b>Services.</b> From Kubernetes 1.33 the ServiceCIDR objects ({@code networking.k8s.io/v1}) list
 * every range. Before, no API states the range, but it is never wider than {@code /12} (IPv4) or
 * {@code /108} (IPv6): kube-apiserver refuses a larger {@code --service-cluster-ip-range} (at most 20 host
 * bits). So the {@code /12} or {@code /108} around the cluster DNS Service's IP, which came from that
 * range, holds all of it: for kubeadm's {@code 10.96.0.0/12} exactly that range, for a smaller one a few
 * more zones than needed, all of which the cluster DNS answers as any pod without a sidecar would have it.
 *
 * <p><b>Pods.</b> Each Node's {@code spec.podCIDRs}, widened to the {@code /16} (IPv4) or {@code /48}
 * (IPv6) that holds it: a node's range is a slice of the cluster's pod range (a {@code /24} of
 * {@code 10.244.0.0/16}), and one zone for the whole {@code /16} keeps the config the same as nodes come and
 * go, instead of one zone per node. Where the network plugin allocates pod addresses itself (Calico's or
 * Cilium's own IPAM, cloud VPC plugins), Nodes carry no pod range and there are no pod zones.
 */
public record ClusterRanges(List<Cidr> services, List<Cidr> pods) {

  /** kube-apiserver: "specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12". */
  static final int WIDEST_IPV4_SERVICE_RANGE = 12;
  static final int WIDEST_IPV6_SERVICE_RANGE = 108;
  static final int IPV4_POD_ZONE = 16;
  static final int IPV6_POD_ZONE = 48;

  /**
   * ServiceCIDR ({@code networking.k8s.io/v1}, KEP-1880) is GA and always served from 1.33; in 1.31 and
   * 1.32 it is beta, off by default (a beta API), and so not counted on.
   */
  static final int SERVICE_CIDR_MINOR = 33;

  public ClusterRanges {
    services = List.copyOf(services);
    pods = List.copyOf(pods);
  }

  /**
   * @param serviceCidrs the ranges of the ServiceCIDR objects (Kubernetes 1.33 and later; empty before)
   * @param clusterDnsIps the cluster DNS Service's cluster IPs, for when there are no ServiceCIDRs
   * @param nodePodCidrs every Node's {@code spec.podCIDRs}
   */
  public static ClusterRanges of(Collection<String> serviceCidrs, Collection<String> clusterDnsIps,
      Collection<String> nodePodCidrs) {
    List<Cidr> services = parsed(serviceCidrs.stream()).toList();
    if (services.isEmpty()) {
      services = clusterDnsIps.stream()
          .flatMap(ip -> Cidr.around(ip, WIDEST_IPV4_SERVICE_RANGE, WIDEST_IPV6_SERVICE_RANGE).stream())
          .toList();
    }
    List<Cidr> pods = parsed(nodePodCidrs.stream())
        .map(range -> range.widenedTo(range.ipv6() ? IPV6_POD_ZONE : IPV4_POD_ZONE))
        .distinct()
        .toList();
    return new ClusterRanges(services, pods);
  }

  /** Whether an API server of this version serves ServiceCIDRs; an unknown version is taken not to. */
  public static boolean servedOn(Optional<Version> version) {
    return version.map(v -> v.atLeast(1, SERVICE_CIDR_MINOR)).orElse(false);
  }

  /** The reverse zones covering both, see {@link ReverseZones#covering}. */
  public List<String> reverseZones() {
    List<Cidr> all = new ArrayList<>(services);
    all.addAll(pods);
    return ReverseZones.covering(all);
  }

  private static Stream<Cidr> parsed(Stream<String> texts) {
    return texts.map(Cidr::parse).flatMap(Optional::stream);
  }
}
