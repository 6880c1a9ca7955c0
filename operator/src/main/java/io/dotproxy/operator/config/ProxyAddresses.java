package io.dotproxy.operator.config;

import io.dotproxy.operator.network.IpFamilies;
import io.dotproxy.operator.resources.ProxyNames;
import java.util.List;

/**
 * Where a proxy listens for DNS and serves its admin endpoint, by mode and the pod network's IP families.
 *
 * <p>With IPv6 in the pod network a wildcard is {@code [::]}: the runtime opens IPv6 sockets that take
 * IPv4 too (IPV6_V6ONLY off), so one address serves both families, and the runtime refuses
 * {@code 0.0.0.0} beside it on the same port. Without IPv6 it is {@code 0.0.0.0}, never {@code [::]}: in a
 * pod whose kernel has IPv6 off that bind fails and the proxy would not start.
 *
 * @param families the pod network's IP families
 * @param daemonSetDnsPort where a DaemonSet proxy listens inside its pod (53, or 5353 where the pod
 *     sysctl is not allowed; see {@link io.dotproxy.operator.resources.FleetCapabilities#podDnsPort})
 */
public record ProxyAddresses(IpFamilies families, int daemonSetDnsPort) {

  /** An IPv4 pod network, port 53. */
  public static final ProxyAddresses IPV4 = new ProxyAddresses(IpFamilies.IPV4, ProxyNames.DNS_PORT);

  /**
   * DaemonSet mode: every address of the pod, since the Service reaches the proxy on the pod IP (of
   * either family in a dual-stack cluster). Sidecar mode: loopback only, so that the application pod
   * never becomes a resolver for anyone else; the pod's resolv.conf names 127.0.0.1, and {@code ::1}
   * serves what asks there.
   */
  public List<String> dns(boolean daemonSet) {
    if (daemonSet) {
      return List.of(wildcard() + ":" + daemonSetDnsPort);
    }
    String port = ":" + ProxyNames.DNS_PORT;
    return families.ipv6() ? List.of("127.0.0.1" + port, "[::1]" + port) : List.of("127.0.0.1" + port);
  }

  /**
   * On every address in both modes: the kubelet sends httpGet probes to the pod IP (the IPv6 one in an
   * IPv6 or IPv6-first cluster), so a loopback-only admin endpoint could not be probed.
   */
  public String admin() {
    return wildcard() + ":" + ProxyNames.ADMIN_PORT;
  }

  private String wildcard() {
    return families.ipv6() ? "[::]" : "0.0.0.0";
  }
}
