package io.dotproxy.operator.resources;

/**
 * Where the fleet's Service sends a client's query, given what the API server offers. Every choice
 * falls over to proxies on other nodes when the client's own node has no ready one: a node whose proxy
 * is restarting, draining or not yet started (a node the autoscaler just added) must not lose DNS.
 * That is why {@code internalTrafficPolicy: Local}, which drops such queries, is never used.
 */
public enum ServiceLocality {

  /** No preference (before 1.31): kube-proxy spreads queries over every ready proxy. */
  ANY_NODE(null),

  /**
   * {@code trafficDistribution: PreferClose} (beta and on by default from 1.31): proxies in the client's
   * zone first, any other when the zone has none ready.
   */
  SAME_ZONE("PreferClose"),

  /**
   * {@code trafficDistribution: PreferSameNode} (beta and on by default from 1.34): the proxy on the
   * client's node, any other when that one is not ready. What NodeLocal DNSCache users expect, without
   * its single point of failure per node.
   */
  SAME_NODE("PreferSameNode");

  private final String trafficDistribution;

  ServiceLocality(String trafficDistribution) {
    this.trafficDistribution = trafficDistribution;
  }

  /** The Service's spec.trafficDistribution, null for none. */
  public String trafficDistribution() {
    return trafficDistribution;
  }
}
