package io.dotproxy.operator.dependent;

import io.dotproxy.operator.config.TrustedCaBundle;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.resources.ProxyConfigMapFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import java.util.Objects;

/** The runtime's config file (and CA bundle), in both modes. */
public class ProxyConfigMapDependent extends OwnedDependent<ConfigMap> {

  public ProxyConfigMapDependent() {
    super(ConfigMap.class);
  }

  /** The reconciler resolves the trustedCA before the workflow runs and leaves it in the context. */
  public static void provideTrustedCa(Context<DnsOverTlsProxy> context, TrustedCaBundle bundle) {
    context.managedWorkflowAndDependentResourceContext().put(TrustedCaBundle.class, bundle);
  }

  @Override
  protected ConfigMap desired(DnsOverTlsProxy primary, Context<DnsOverTlsProxy> context) {
    TrustedCaBundle ca = context.managedWorkflowAndDependentResourceContext()
        .getMandatory(TrustedCaBundle.class, TrustedCaBundle.class);
    return ProxyConfigMapFactory.desired(primary, ca);
  }

  // The data is compared exactly: it is small, the API server does not rewrite it, and a hand edit
  // of the proxies' config should be undone at once.
  @Override
  public Matcher.Result<ConfigMap> match(ConfigMap actual, DnsOverTlsProxy primary, Context<DnsOverTlsProxy> context) {
    ConfigMap desired = desired(primary, context);
    boolean labelsPresent = actual.getMetadata().getLabels() != null
        && actual.getMetadata().getLabels().entrySet().containsAll(desired.getMetadata().getLabels().entrySet());
    return Matcher.Result.computed(labelsPresent && Objects.equals(actual.getData(), desired.getData()), desired);
  }
}
