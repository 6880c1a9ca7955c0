package io.dotproxy.operator.resources;

import io.dotproxy.operator.sidecar.ClusterCapabilities.Version;
import java.util.Optional;

/**
 * What the cluster accepts in a fleet's DaemonSet and Service, decided once at startup from the API
 * server's version. The version is part of what the operator renders, so an operator restarted after
 * a control-plane upgrade rewrites the fleet's objects with what the newer cluster offers.
 *
 * @param daemonSetMaxSurge roll out with {@code maxSurge: 1, maxUnavailable: 0}. Before 1.22 the API
 *     server drops maxSurge and refuses {@code maxUnavailable: 0} (422), so an older cluster gets
 *     {@code maxUnavailable: 1}: each node is briefly without its proxy during a rollout.
 * @param internalTrafficPolicy the API server knows the Service's {@code internalTrafficPolicy} (beta and
 *     on by default from 1.22; alpha and off in 1.21, unknown in 1.20, where it drops the field). It is
 *     written as {@code Cluster}, so that a Service an older operator made {@code Local} is reset.
 * @param locality which proxies the Service prefers (see {@link ServiceLocality})
 * @param port53Sysctl the pods listen on port 53, opened to the non-root proxy by the sysctl
 *     net.ipv4.ip_unprivileged_port_start. Kubelets before 1.22 do not have it on their safe list and
 *     refuse such pods (SysctlForbidden), so elsewhere the pods listen on {@link #UNPRIVILEGED_DNS_PORT}
 *     and the Service still answers on 53.
 * @param dualStackService the Service asks for {@code ipFamilyPolicy: PreferDualStack}: a cluster IP of
 *     each family the cluster has, one where it has one. IPv6DualStack is beta and on by default from
 *     1.21 (GA 1.23); in 1.20 it is alpha and off, and the API server drops the field.
 */
public record FleetCapabilities(
    boolean daemonSetMaxSurge, boolean internalTrafficPolicy, ServiceLocality locality, boolean port53Sysctl,
    boolean dualStackService) {

  /** DaemonSet maxSurge and Service internalTrafficPolicy are both beta and on by default from 1.22. */
  static final int SURGE_AND_TRAFFIC_POLICY_MINOR = 22;

  /**
   * Kubelets allow the port sysctl from 1.22, and may be two minors older than the API server
   * (Kubernetes' version skew policy): from an API server of 1.24 on, every kubelet has it.
   */
  static final int PORT_SYSCTL_MINOR = 24;

  /**
   * trafficDistribution: PreferClose is beta and on by default from 1.31 (KEP-4444; alpha and off in
   * 1.30, where the API server drops the field).
   */
  static final int PREFER_CLOSE_MINOR = 31;

  /** trafficDistribution: PreferSameNode is beta and on by default from 1.34 (KEP-3015; alpha in 1.33). */
  static final int PREFER_SAME_NODE_MINOR = 34;

  /** Service ipFamilyPolicy: the IPv6DualStack feature is beta and on by default from 1.21 (KEP-563). */
  static final int DUAL_STACK_MINOR = 21;

  /** Where the pods listen without the sysctl; any unprivileged port would do, this is the runtime's own. */
  public static final int UNPRIVILEGED_DNS_PORT = 5353;

  /** A current cluster. */
  public static final FleetCapabilities CURRENT = new FleetCapabilities(true, true, ServiceLocality.SAME_NODE, true, true);

  /** An unknown version gets what every cluster accepts. */
  public static FleetCapabilities of(Optional<Version> version) {
    boolean surgeAndPolicy = version.map(v -> v.atLeast(1, SURGE_AND_TRAFFIC_POLICY_MINOR)).orElse(false);
    boolean portSysctl = version.map(v -> v.atLeast(1, PORT_SYSCTL_MINOR)).orElse(false);
    ServiceLocality locality = version.map(v -> v.atLeast(1, PREFER_SAME_NODE_MINOR) ? ServiceLocality.SAME_NODE
        : v.atLeast(1, PREFER_CLOSE_MINOR) ? ServiceLocality.SAME_ZONE
        : ServiceLocality.ANY_NODE).orElse(ServiceLocality.ANY_NODE);
    boolean dualStack = version.map(v -> v.atLeast(1, DUAL_STACK_MINOR)).orElse(false);
    return new FleetCapabilities(surgeAndPolicy, surgeAndPolicy, locality, portSysctl, dualStack);
  }

  /** The port the proxies listen on for DNS inside their pods; the Service maps 53 to it by name. */
  public int podDnsPort() {
    return port53Sysctl ? ProxyNames.DNS_PORT : UNPRIVILEGED_DNS_PORT;
  }

  /** For the operator's startup line. */
  public String describe() {
    return (daemonSetMaxSurge ? "DaemonSet rollouts surge" : "DaemonSet rollouts maxUnavailable 1")
        + ", Service " + switch (locality) {
          case SAME_NODE -> "prefers the node's own proxy (PreferSameNode)";
          case SAME_ZONE -> "prefers proxies in the zone (PreferClose)";
          case ANY_NODE -> "spreads over every node's proxy";
        }
        + (dualStackService ? " (PreferDualStack)" : "")
        + ", proxies listen on " + podDnsPort() + (port53Sysctl ? " (pod sysctl)" : "");
  }
}
