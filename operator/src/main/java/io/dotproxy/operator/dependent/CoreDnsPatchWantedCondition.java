package io.dotproxy.operator.dependent;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** When this fails JOSDK "deletes" the CoreDNS patch dependent, which reverts our block. */
public class CoreDnsPatchWantedCondition implements Condition<Object, DnsOverTlsProxy> {

  @Override
  public boolean isMet(
      DependentResource<Object, DnsOverTlsProxy> dependentResource,
      DnsOverTlsProxy primary,
      Context<DnsOverTlsProxy> context) {
    return primary.getSpec().runsAsDaemonSet() && primary.getSpec().wantsCoreDnsPatch();
  }
}
