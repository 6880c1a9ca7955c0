package io.dotproxy.operator.coredns;

import io.dotproxy.operator.coredns.ServerBlocks.Directive;
import java.util.List;
import java.util.Optional;

/**
 * NodeLocal DNSCache (the {@code node-local-dns} DaemonSet): a cache on every node that pods ask
 * first. Its stock Corefile forwards the cluster domain to CoreDNS but everything else straight to
 * the node's resolvers ({@code forward . __PILLAR__UPSTREAM__SERVERS__}), so names outside the cluster
 * never reach CoreDNS and the patch would encrypt nothing. Only a default zone that goes to CoreDNS
 * ({@code forward . __PILLAR__CLUSTER__DNS__}) lets the patch take effect.
 */
public final class NodeLocalDnsCache {

  /** The ConfigMap's name; it lives next to CoreDNS's. */
  public static final String CONFIG_MAP = "node-local-dns";
  /** Replaced by node-cache with the cluster DNS Service's address when it loads its Corefile. */
  static final String CLUSTER_DNS = "__PILLAR__CLUSTER__DNS__";

  private NodeLocalDnsCache() {}

  public static CoreDnsLocation nextTo(CoreDnsLocation coreDns) {
    return new CoreDnsLocation(coreDns.namespace(), CONFIG_MAP);
  }

  /**
   * Why the patch would not take effect, given NodeLocal DNSCache's Corefile (empty when it is not
   * installed); empty when its default zone goes to CoreDNS or it has none.
   */
  public static Optional<String> bypass(CoreDnsLocation coreDns, Optional<String> nodeLocalCorefile) {
    if (nodeLocalCorefile.isEmpty()) {
      return Optional.empty();
    }
    String where = "NodeLocal DNSCache (ConfigMap " + nextTo(coreDns) + ")";
    String instead = ". To use this fleet, make its default zone forward to CoreDNS (forward . " + CLUSTER_DNS
        + "), or use Sidecar mode; if it reaches CoreDNS another way, annotate ConfigMap " + coreDns + " "
        + CorefileManager.ALLOW_ANNOTATION + "=" + CorefileManager.ALLOW_VALUE;
    try {
      List<Directive> forwards = ServerBlocks.parse(CorefileLines.split(nodeLocalCorefile.get())).stream()
          .filter(b -> b.keys().stream().anyMatch(ServerBlocks::isRootZoneOnPort53))
          .flatMap(b -> b.directives().stream())
          .filter(d -> d.name().equals("forward"))
          .toList();
      return forwards.stream()
          .filter(d -> !d.args().equals(List.of(".", CLUSTER_DNS)))
          .findFirst()
          .map(d -> where + " answers names outside the cluster itself (forward " + String.join(" ", d.args())
              + "), so they never reach CoreDNS and the patch would encrypt nothing" + instead);
    } catch (CorefileNotUnderstoodException e) {
      return Optional.of(where + " is installed and its Corefile cannot be read (" + e.getMessage()
          + "), so dotproxy cannot tell whether names outside the cluster reach CoreDNS" + instead);
    }
  }
}
