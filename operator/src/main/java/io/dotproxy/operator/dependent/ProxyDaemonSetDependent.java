package io.dotproxy.operator.dependent;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.resources.DaemonSetRollout;
import io.dotproxy.operator.resources.ProxyDaemonSetFactory;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** The fleet: one proxy per node (DaemonSet mode only). */
public class ProxyDaemonSetDependent extends HashMatchedDependent<DaemonSet> {

  private final String defaultImage;
  private final DaemonSetRollout rollout;

  public ProxyDaemonSetDependent(String defaultImage, DaemonSetRollout rollout) {
    super(DaemonSet.class);
    this.defaultImage = defaultImage;
    this.rollout = rollout;
  }

  @Override
  protected DaemonSet desired(DnsOverTlsProxy primary, Context<DnsOverTlsProxy> context) {
    return ProxyDaemonSetFactory.desired(primary, defaultImage, rollout);
  }
}
