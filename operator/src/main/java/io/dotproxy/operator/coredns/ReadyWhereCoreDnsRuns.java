package io.dotproxy.operator.coredns;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Whether CoreDNS may be switched to a fleet: on every node where a CoreDNS pod runs, a proxy of the
 * fleet is ready. Where the fleet's Service keeps traffic on the node, a CoreDNS pod on a node without
 * a ready proxy would get no answer at all.
 *
 * <p>Read from the Endpoints of the cluster DNS Service (where CoreDNS runs, ready or not) and of the
 * fleet's Service (where a proxy is ready): two reads by name, needed only until the first switch.
 * When the cluster DNS Service's endpoints name no node (no such Service, or pods the endpoints
 * controller has not seen), the whole fleet must be ready instead.
 */
public final class ReadyWhereCoreDnsRuns {

  private ReadyWhereCoreDnsRuns() {}

  /**
   * @param clusterDns the Endpoints of the Service in front of CoreDNS
   * @param fleet the Endpoints of the fleet's Service
   * @param wholeFleetReady whether every proxy of the fleet is ready and up to date
   * @return why CoreDNS may not be switched yet; empty when it may
   */
  public static Optional<String> check(Optional<Endpoints> clusterDns, Optional<Endpoints> fleet, boolean wholeFleetReady) {
    Set<String> coreDnsNodes = nodes(clusterDns, s -> Stream.concat(list(s.getAddresses()), list(s.getNotReadyAddresses())));
    if (coreDnsNodes.isEmpty()) {
      return wholeFleetReady
          ? Optional.empty()
          : Optional.of("waiting for every proxy to be ready before CoreDNS forwards to them (where CoreDNS runs is not known)");
    }
    Set<String> readyProxyNodes = nodes(fleet, s -> list(s.getAddresses()));
    Set<String> missing = new TreeSet<>(coreDnsNodes);
    missing.removeAll(readyProxyNodes);
    if (missing.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of("waiting for a ready proxy on " + (missing.size() == 1 ? "node " : "nodes ")
        + String.join(", ", missing) + ", where CoreDNS runs, before CoreDNS forwards to the fleet");
  }

  private static Set<String> nodes(Optional<Endpoints> endpoints, Function<EndpointSubset, Stream<EndpointAddress>> addresses) {
    return endpoints.map(Endpoints::getSubsets).orElse(List.of()).stream()
        .flatMap(addresses)
        .map(EndpointAddress::getNodeName)
        .filter(Objects::nonNull)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static <T> Stream<T> list(List<T> items) {
    return items == null ? Stream.empty() : items.stream();
  }
}
