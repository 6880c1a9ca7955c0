package io.dotproxy.operator.dependent;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.resources.FleetCapabilities;
import io.dotproxy.operator.resources.ProxyDaemonSetFactory;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** The fleet: one proxy per node (DaemonSet mode only). */
public class ProxyDaemonSetDependent extends HashMatchedDependent<DaemonSet> {

  private final String defaultImage;
  private final FleetCapabilities capabilities;

  public ProxyDaemonSetDependent(String defaultImage, FleetCapabilities capabilities) {
    super(DaemonSet.class);
    this.defaultImage = defaultImage;
    this.capabilities = capabilities;
  }

  @Override
  protected DaemonSet desired(DnsOverTlsProxy primary, Context<DnsOverTlsProxy> context) {
    return ProxyDaemonSetFactory.desired(primary, defaultImage, capabilities);
  }
}
