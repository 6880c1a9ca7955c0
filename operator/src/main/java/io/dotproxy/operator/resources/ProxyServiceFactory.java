package io.dotproxy.operator.resources;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;

/** The Service in front of a DaemonSet fleet. */
public final class ProxyServiceFactory {

  private ProxyServiceFactory() {}

  public static Service desired(DnsOverTlsProxy proxy, FleetCapabilities capabilities) {
    Service service = new ServiceBuilder()
        .withMetadata(ProxyMetadata.of(proxy))
        .withNewSpec()
        .withType("ClusterIP")
        // Never Local: a node whose own proxy is not ready (starting, draining, crashed) would get no
        // answer at all. Where the cluster offers it, trafficDistribution keeps queries on the node (or
        // in the zone) and falls over to other nodes only then. Neither field is sent where the API
        // server would drop it, so that once the cluster supports it the rendering (and its hash)
        // changes and the Service is rewritten with it.
        .withInternalTrafficPolicy(capabilities.internalTrafficPolicy() ? "Cluster" : null)
        .withTrafficDistribution(capabilities.locality().trafficDistribution())
        // A cluster IP of each family the cluster has, so that CoreDNS and clients reach the fleet over
        // either. No ipFamilies: the API server fills them in, the cluster's primary family first. Changing
        // the policy of an existing Service is allowed (a secondary IP is added), so an operator upgrade
        // or a cluster upgrade past 1.21 rewrites it once.
        .withIpFamilyPolicy(capabilities.dualStackService() ? "PreferDualStack" : null)
        .withSelector(ProxyLabels.selector(proxy))
        .withPorts(port(ProxyPorts.DNS_UDP, "UDP"), port(ProxyPorts.DNS_TCP, "TCP"))
        .endSpec()
        .build();
    return DesiredStateHash.stamp(service);
  }

  private static ServicePort port(String name, String protocol) {
    return new ServicePortBuilder()
        .withName(name)
        .withProtocol(protocol)
        .withPort(ProxyNames.DNS_PORT)
        .withTargetPort(new IntOrString(name))
        .build();
  }
}
