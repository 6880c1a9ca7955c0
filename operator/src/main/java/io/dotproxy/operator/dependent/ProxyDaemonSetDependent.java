package io.dotproxy.operator.dependent;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.PriorityClassStatus;
import io.dotproxy.operator.resources.FleetCapabilities;
import io.dotproxy.operator.resources.ProxyDaemonSetFactory;
import io.dotproxy.operator.resources.ProxyPriority;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.Optional;

/** The fleet: one proxy per node (DaemonSet mode only). */
public class ProxyDaemonSetDependent extends HashMatchedDependent<DaemonSet> {

  private final String defaultImage;
  private final FleetCapabilities capabilities;
  private final boolean scrapeAnnotations;

  public ProxyDaemonSetDependent(String defaultImage, FleetCapabilities capabilities) {
    this(defaultImage, capabilities, false);
  }

  /** @param scrapeAnnotations whether the pods carry the prometheus.io annotations (--proxy-scrape-annotations) */
  public ProxyDaemonSetDependent(String defaultImage, FleetCapabilities capabilities, boolean scrapeAnnotations) {
    super(DaemonSet.class);
    this.defaultImage = defaultImage;
    this.capabilities = capabilities;
    this.scrapeAnnotations = scrapeAnnotations;
  }

  /** The priority class decided for this reconciliation (see ProxyPriority), before the workflow renders the DaemonSet. */
  public static void provide(Context<DnsOverTlsProxy> context, PriorityClassStatus priorityClass) {
    context.managedWorkflowAndDependentResourceContext().put(PriorityClassStatus.class, priorityClass);
  }

  @Override
  protected DaemonSet desired(DnsOverTlsProxy primary, Context<DnsOverTlsProxy> context) {
    Optional<PriorityClassStatus> decided =
        context.managedWorkflowAndDependentResourceContext().get(PriorityClassStatus.class, PriorityClassStatus.class);
    return ProxyDaemonSetFactory.desired(primary, defaultImage, capabilities, ProxyPriority.forPods(primary, decided),
        scrapeAnnotations);
  }
}
