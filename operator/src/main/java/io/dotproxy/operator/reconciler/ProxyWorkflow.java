package io.dotproxy.operator.reconciler;

import io.dotproxy.operator.app.OperatorFeatures;
import io.dotproxy.operator.app.OperatorSettings;
import io.dotproxy.operator.config.RuntimeCompatibility;
import io.dotproxy.operator.dependent.CoreDnsPatchDependent;
import io.dotproxy.operator.dependent.DaemonSetModeCondition;
import io.dotproxy.operator.dependent.ProxyConfigMapDependent;
import io.dotproxy.operator.dependent.ProxyDaemonSetDependent;
import io.dotproxy.operator.dependent.ProxyServiceDependent;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.resources.FleetCapabilities;
import io.dotproxy.operator.sidecar.SidecarSettings;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceUtils;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Workflow;
import io.javaoperatorsdk.operator.processing.dependent.workflow.WorkflowBuilder;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The dependent resources of a DnsOverTlsProxy and their order.
 *
 * <pre>
 *   ConfigMap ──► DaemonSet      (DaemonSet mode)
 *   Service                      (DaemonSet mode)
 * </pre>
 *
 * The CoreDNS patch is not in the workflow: the reconciler decides it first ({@link CoreDnsPatchDependent}),
 * because whether the fleet may go depends on it. After a switch to Sidecar mode the fleet is kept,
 * and the workflow runs as for DaemonSet mode, until CoreDNS has stopped forwarding to it.
 *
 * Besides these, Sidecar mode watches labelled pods (for the status), and the cluster DNS Service and
 * the cluster's ranges (for the config); see {@link SidecarEventSources}. In both modes a change of a trustedCA ConfigMap
 * reconciles the proxies that name it ({@link TrustedCaConfigMaps}), and so, within seconds, does a
 * change of a trustedCA Secret ({@link TrustedCaSecrets}, polled by name: only with --trusted-ca-secrets).
 *
 * <p>Which of these exist at all follows the operator's {@link OperatorFeatures}: without the CoreDNS
 * patch there is no CoreDNS dependent (nor its informer), without sidecar injection no pod or cluster
 * DNS informer. An informer the RBAC does not allow would stop the operator at start-up.
 *
 * The DaemonSet waits for its ConfigMap so pods never start without a config.
 *
 * <p>A standalone workflow (rather than a managed one declared in annotations) because the dependents
 * take operator settings (default image, where CoreDNS lives) through their constructors.
 */
public final class ProxyWorkflow {

  final ProxyConfigMapDependent configMap;
  final ProxyDaemonSetDependent daemonSet;
  final ProxyServiceDependent service;
  /** Empty when the operator may not patch CoreDNS (--coredns-patch false). */
  final Optional<CoreDnsPatchDependent> coreDns;
  /** Empty when the injection webhook is off. */
  final Optional<SidecarEventSources> sidecar;
  final SidecarSettings sidecarSettings;
  final boolean trustedCaSecrets;
  /** The image of proxies whose spec names none. */
  final String proxyImage;
  /** Which runtimes this operator drives, and the config each reads. */
  final RuntimeCompatibility runtimes;
  final Workflow<DnsOverTlsProxy> workflow;

  /**
   * @param fleet what the cluster accepts in the DaemonSet and the Service
   * @param serviceCidrApi the API server serves ServiceCIDRs, which Sidecar mode reads the service ranges from
   */
  public ProxyWorkflow(OperatorSettings settings, FleetCapabilities fleet, boolean serviceCidrApi) {
    OperatorFeatures features = settings.features();
    configMap = new ProxyConfigMapDependent(fleet, settings.ipFamilies());
    daemonSet = new ProxyDaemonSetDependent(settings.proxyImage(), fleet, settings.proxyScrapeAnnotations());
    service = new ProxyServiceDependent(fleet);
    coreDns = features.coreDnsPatch()
        ? Optional.of(new CoreDnsPatchDependent(settings.coreDns(), settings.sidecar().clusterDns(),
            settings.coreDnsReleaseGrace(), service))
        : Optional.empty();
    sidecarSettings = settings.sidecar();
    sidecar = features.sidecarInjection()
        ? Optional.of(new SidecarEventSources(sidecarSettings, serviceCidrApi))
        : Optional.empty();
    trustedCaSecrets = features.trustedCaSecrets();
    proxyImage = settings.proxyImage();
    runtimes = RuntimeCompatibility.of(OperatorSettings.version());
    var daemonSetMode = new DaemonSetModeCondition();
    workflow = new WorkflowBuilder<DnsOverTlsProxy>()
        .addDependentResource(configMap)
        .addDependentResourceAndConfigure(daemonSet).dependsOn(configMap).withReconcilePrecondition(daemonSetMode)
        .addDependentResourceAndConfigure(service).withReconcilePrecondition(daemonSetMode)
        .build();
  }

  List<EventSource<?, DnsOverTlsProxy>> eventSources(EventSourceContext<DnsOverTlsProxy> context) {
    List<EventSource<?, DnsOverTlsProxy>> sources =
        new ArrayList<>(EventSourceUtils.dependentEventSources(context, configMap, daemonSet, service));
    coreDns.ifPresent(d -> sources.addAll(EventSourceUtils.dependentEventSources(context, d)));
    sidecar.ifPresent(s -> sources.addAll(s.create(context)));
    sources.add(TrustedCaConfigMaps.create(context));
    if (trustedCaSecrets) {
      sources.add(TrustedCaSecrets.create(context));
    }
    return sources;
  }
}
