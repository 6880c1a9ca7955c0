package io.dotproxy.operator.dependent;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.resources.FleetCapabilities;
import io.dotproxy.operator.resources.ProxyServiceFactory;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** The node-local Service in front of the fleet (DaemonSet mode only). */
public class ProxyServiceDependent extends HashMatchedDependent<Service> {

  private final FleetCapabilities capabilities;

  public ProxyServiceDependent(FleetCapabilities capabilities) {
    super(Service.class);
    this.capabilities = capabilities;
  }

  @Override
  protected Service desired(DnsOverTlsProxy primary, Context<DnsOverTlsProxy> context) {
    return ProxyServiceFactory.desired(primary, capabilities);
  }
}
