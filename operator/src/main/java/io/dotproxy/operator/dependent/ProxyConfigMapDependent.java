package io.dotproxy.operator.dependent;

import io.dotproxy.operator.config.ConfigSchemaVersion;
import io.dotproxy.operator.config.ProxyAddresses;
import io.dotproxy.operator.config.TrustedCaBundle;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.ForwardZone;
import io.dotproxy.operator.network.IpFamilies;
import io.dotproxy.operator.resources.FleetCapabilities;
import io.dotproxy.operator.resources.ProxyConfigMapFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import java.util.List;
import java.util.Objects;

/** The runtime's config file (and CA bundle), in both modes. */
public class ProxyConfigMapDependent extends OwnedDependent<ConfigMap> {

  private final ProxyAddresses addresses;

  /**
   * @param fleet which port the DaemonSet's proxies listen on in their pods
   * @param families the pod network's IP families
   */
  public ProxyConfigMapDependent(FleetCapabilities fleet, IpFamilies families) {
    super(ConfigMap.class);
    this.addresses = new ProxyAddresses(families, fleet.podDnsPort());
  }

  /**
   * What rendering needs besides the spec: the reconciler resolves these before the workflow runs and
   * leaves them in the context.
   *
   * @param ca the resolved trustedCA
   * @param clusterZones Sidecar mode: the cluster domain and the reverse zones of the cluster's ranges,
   *     forwarded to the cluster DNS
   * @param schema the config schema the proxies' runtime reads
   */
  public record RenderInputs(TrustedCaBundle ca, List<ForwardZone> clusterZones, ConfigSchemaVersion schema) {

    public RenderInputs {
      clusterZones = List.copyOf(clusterZones);
    }
  }

  public static void provide(Context<DnsOverTlsProxy> context, RenderInputs inputs) {
    context.managedWorkflowAndDependentResourceContext().put(RenderInputs.class, inputs);
  }

  @Override
  protected ConfigMap desired(DnsOverTlsProxy primary, Context<DnsOverTlsProxy> context) {
    RenderInputs inputs = context.managedWorkflowAndDependentResourceContext()
        .getMandatory(RenderInputs.class, RenderInputs.class);
    return ProxyConfigMapFactory.desired(primary, inputs.ca(), inputs.clusterZones(), addresses, inputs.schema());
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
