package io.dotproxy.operator.network;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The IP families of the cluster's pod network: which addresses the proxies' pods have, and so where
 * the proxies may listen. A bind to {@code [::]} or {@code [::1]} fails in a pod whose kernel has IPv6
 * off, so IPv6 is used only where the pod network has it.
 */
public record IpFamilies(boolean ipv4, boolean ipv6) {

  public static final IpFamilies IPV4 = new IpFamilies(true, false);
  public static final IpFamilies DUAL_STACK = new IpFamilies(true, true);

  /** What {@code --ip-families auto} takes when the operator's own pod IPs are unknown. */
  public static final IpFamilies FALLBACK = IPV4;

  public IpFamilies {
    if (!ipv4 && !ipv6) {
      throw new IllegalArgumentException("at least one IP family");
    }
  }

  /**
   * {@code IPv4}, {@code IPv6} or both, comma-separated, as Kubernetes names them in a Service's
   * {@code spec.ipFamilies}; case does not matter.
   *
   * @throws IllegalArgumentException naming what is accepted
   */
  public static IpFamilies parse(String text) {
    boolean v4 = false;
    boolean v6 = false;
    for (String family : text.split(",")) {
      switch (family.strip().toLowerCase()) {
        case "ipv4" -> v4 = true;
        case "ipv6" -> v6 = true;
        default -> throw new IllegalArgumentException("'" + text + "' is not IPv4, IPv6 or IPv4,IPv6");
      }
    }
    return new IpFamilies(v4, v6);
  }

  /**
   * The families of a pod's addresses, comma-separated as the Downward API gives {@code status.podIPs}
   * (e.g. {@code 10.244.1.7,fd00:10:244:1::7}); empty when there is no address among them.
   */
  public static Optional<IpFamilies> ofAddresses(String podIps) {
    boolean v4 = false;
    boolean v6 = false;
    for (String ip : podIps.split("[,\\s]+")) {
      Optional<InetAddress> address = IpLiterals.parse(ip);
      v4 |= address.filter(a -> a instanceof Inet4Address).isPresent();
      v6 |= address.filter(a -> a instanceof Inet6Address).isPresent();
    }
    return v4 || v6 ? Optional.of(new IpFamilies(v4, v6)) : Optional.empty();
  }

  /** As {@link #parse} reads it: {@code IPv4}, {@code IPv6} or {@code IPv4,IPv6}. */
  @Override
  public String toString() {
    List<String> families = new ArrayList<>();
    if (ipv4) {
      families.add("IPv4");
    }
    if (ipv6) {
      families.add("IPv6");
    }
    return String.join(",", families);
  }
}
