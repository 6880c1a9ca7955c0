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
 * @param internalTrafficPolicy give the Service {@code internalTrafficPolicy: Local}. Before 1.22 (the
 *     field is alpha and off by default in 1.21, unknown in 1.20) the API server drops it, and the
 *     Service sends each query to a proxy on any node.
 * @param port53Sysctl the pods listen on port 53, opened to the non-root proxy by the sysctl
 *     net.ipv4.ip_unprivileged_port_start. Kubelets before 1.22 do not have it on their safe list and
 *     refuse such pods (SysctlForbidden), so elsewhere the pods listen on {@link #UNPRIVILEGED_DNS_PORT}
 *     and the Service still answers on 53.
 */
public record FleetCapabilities(boolean daemonSetMaxSurge, boolean internalTrafficPolicy, boolean port53Sysctl) {

  /** DaemonSet maxSurge and Service internalTrafficPolicy are both beta and on by default from 1.22. */
  static final int SURGE_AND_LOCAL_TRAFFIC_MINOR = 22;

  /**
   * Kubelets allow the port sysctl from 1.22, and may be two minors older than the API server
   * (Kubernetes' version skew policy): from an API server of 1.24 on, every kubelet has it.
   */
  static final int PORT_SYSCTL_MINOR = 24;

  /** Where the pods listen without the sysctl; any unprivileged port would do, this is the runtime's own. */
  public static final int UNPRIVILEGED_DNS_PORT = 5353;

  /** A current cluster. */
  public static final FleetCapabilities CURRENT = new FleetCapabilities(true, true, true);

  /** An unknown version gets what every cluster accepts. */
  public static FleetCapabilities of(Optional<Version> version) {
    boolean surgeAndLocal = version.map(v -> v.atLeast(1, SURGE_AND_LOCAL_TRAFFIC_MINOR)).orElse(false);
    boolean portSysctl = version.map(v -> v.atLeast(1, PORT_SYSCTL_MINOR)).orElse(false);
    return new FleetCapabilities(surgeAndLocal, surgeAndLocal, portSysctl);
  }

  /** The port the proxies listen on for DNS inside their pods; the Service maps 53 to it by name. */
  public int podDnsPort() {
    return port53Sysctl ? ProxyNames.DNS_PORT : UNPRIVILEGED_DNS_PORT;
  }

  /** For the operator's startup line. */
  public String describe() {
    return (daemonSetMaxSurge ? "DaemonSet rollouts surge" : "DaemonSet rollouts maxUnavailable 1")
        + ", " + (internalTrafficPolicy ? "node-local Service" : "cluster-wide Service")
        + ", proxies listen on " + podDnsPort() + (port53Sysctl ? " (pod sysctl)" : "");
  }
}
