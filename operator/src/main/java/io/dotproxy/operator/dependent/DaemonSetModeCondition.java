package io.dotproxy.operator.dependent;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** Fleet objects exist only in DaemonSet mode; when it fails JOSDK deletes them (e.g. after a switch to Sidecar). */
public class DaemonSetModeCondition implements Condition<Object, DnsOverTlsProxy> {

  @Override
  public boolean isMet(
      DependentResource<Object, DnsOverTlsProxy> dependentResource,
      DnsOverTlsProxy primary,
      Context<DnsOverTlsProxy> context) {
    return primary.getSpec().runsAsDaemonSet();
  }
}
