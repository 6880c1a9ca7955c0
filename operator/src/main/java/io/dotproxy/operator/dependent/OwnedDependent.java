package io.dotproxy.operator.dependent;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.resources.ProxyLabels;
import io.dotproxy.operator.resources.ProxyNames;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/**
 * An object the operator makes and owns (owner reference, so Kubernetes deletes it with the proxy).
 *
 * <p>Its informer only sees objects labelled as ours, so the operator never caches the cluster's other
 * ConfigMaps, DaemonSets or Services.
 */
abstract class OwnedDependent<R extends HasMetadata> extends CRUDKubernetesDependentResource<R, DnsOverTlsProxy> {

  OwnedDependent(Class<R> resourceType) {
    super(resourceType);
  }

  @Override
  protected InformerEventSourceConfiguration.Builder<R> informerConfigurationBuilder(
      EventSourceContext<DnsOverTlsProxy> context) {
    return super.informerConfigurationBuilder(context).withLabelSelector(ProxyLabels.MANAGED_BY_SELECTOR);
  }

  // Known from the primary alone, so finding the actual object never needs a full rendering.
  @Override
  protected ResourceID targetSecondaryResourceID(DnsOverTlsProxy primary, Context<DnsOverTlsProxy> context) {
    return new ResourceID(ProxyNames.of(primary), primary.getMetadata().getNamespace());
  }
}
