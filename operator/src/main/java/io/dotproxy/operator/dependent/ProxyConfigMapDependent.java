package io.dotproxy.operator.dependent;

import io.dotproxy.operator.config.ConfigSchemaVersion;
import io.dotproxy.operator.config.TrustedCaBundle;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.ForwardZone;
import io.dotproxy.operator.resources.FleetCapabilities;
import io.dotproxy.operator.resources.ProxyConfigMapFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import java.util.Objects;
import java.util.Optional;

/** The runtime's config file (and CA bundle), in both modes. */
public class ProxyConfigMapDependent extends OwnedDependent<ConfigMap> {

  private final FleetCapabilities fleet;

  public ProxyConfigMapDependent(FleetCapabilities fleet) {
    super(ConfigMap.class);
    this.fleet = fleet;
  }

  /**
   * What rendering needs besides the spec: the reconciler resolves these before the workflow runs and
   * leaves them in the context.
   *
   * @param ca the resolved trustedCA
   * @param clusterZone Sidecar mode: where the cluster domain is forwarded
   * @param schema the config schema the proxies' runtime reads
   */
  public record RenderInputs(TrustedCaBundle ca, Optional<ForwardZone> clusterZone, ConfigSchemaVersion schema) {}

  public static void provide(Context<DnsOverTlsProxy> context, RenderInputs inputs) {
    context.managedWorkflowAndDependentResourceContext().put(RenderInputs.class, inputs);
  }

  @Override
  protected ConfigMap desired(DnsOverTlsProxy primary, Context<DnsOverTlsProxy> context) {
    RenderInputs inputs = context.managedWorkflowAndDependentResourceContext()
        .getMandatory(RenderInputs.class, RenderInputs.class);
    return ProxyConfigMapFactory.desired(primary, inputs.ca(), inputs.clusterZone(), fleet, inputs.schema());
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
