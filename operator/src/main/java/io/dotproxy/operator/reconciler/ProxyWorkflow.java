package io.dotproxy.operator.reconciler;

import io.dotproxy.operator.coredns.CoreDnsLocation;
import io.dotproxy.operator.dependent.CoreDnsPatchDependent;
import io.dotproxy.operator.dependent.CoreDnsPatchWantedCondition;
import io.dotproxy.operator.dependent.DaemonSetModeCondition;
import io.dotproxy.operator.dependent.ProxyConfigMapDependent;
import io.dotproxy.operator.dependent.ProxyDaemonSetDependent;
import io.dotproxy.operator.resources.DaemonSetRollout;
import io.dotproxy.operator.dependent.ProxyServiceDependent;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.sidecar.SidecarSettings;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceUtils;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Workflow;
import io.javaoperatorsdk.operator.processing.dependent.workflow.WorkflowBuilder;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.util.ArrayList;
import java.util.List;

/**
 * The dependent resources of a DnsOverTlsProxy and their order.
 *
 * <pre>
 *   ConfigMap ──► DaemonSet      (DaemonSet mode)
 *   Service                      (DaemonSet mode)
 *   CoreDNS patch                (DaemonSet mode and spec.coreDNS.patch)
 * </pre>
 *
 * Besides these, Sidecar mode watches labelled pods (for the status) and the cluster DNS Service (for
 * the config); see {@link SidecarEventSources}.
 *
 * The DaemonSet waits for its ConfigMap so pods never start without a config. The CoreDNS patch depends
 * on nothing in the workflow, so that turning it off reverts it even while the fleet is broken; it
 * checks the fleet's readiness itself before first switching CoreDNS over.
 *
 * <p>A standalone workflow (rather than a managed one declared in annotations) because the dependents
 * take operator settings (default image, where CoreDNS lives) through their constructors.
 */
public final class ProxyWorkflow {

  final ProxyConfigMapDependent configMap = new ProxyConfigMapDependent();
  final ProxyDaemonSetDependent daemonSet;
  final ProxyServiceDependent service = new ProxyServiceDependent();
  final CoreDnsPatchDependent coreDns;
  final SidecarEventSources sidecar;
  final SidecarSettings sidecarSettings;
  final Workflow<DnsOverTlsProxy> workflow;

  public ProxyWorkflow(
      String defaultImage, DaemonSetRollout rollout, CoreDnsLocation coreDnsLocation, SidecarSettings sidecarSettings) {
    daemonSet = new ProxyDaemonSetDependent(defaultImage, rollout);
    coreDns = new CoreDnsPatchDependent(coreDnsLocation, service);
    this.sidecarSettings = sidecarSettings;
    sidecar = new SidecarEventSources(sidecarSettings);
    var daemonSetMode = new DaemonSetModeCondition();
    workflow = new WorkflowBuilder<DnsOverTlsProxy>()
        .addDependentResource(configMap)
        .addDependentResourceAndConfigure(daemonSet).dependsOn(configMap).withReconcilePrecondition(daemonSetMode)
        .addDependentResourceAndConfigure(service).withReconcilePrecondition(daemonSetMode)
        .addDependentResourceAndConfigure(coreDns).withReconcilePrecondition(new CoreDnsPatchWantedCondition())
        .build();
  }

  List<EventSource<?, DnsOverTlsProxy>> eventSources(EventSourceContext<DnsOverTlsProxy> context) {
    List<EventSource<?, DnsOverTlsProxy>> sources =
        new ArrayList<>(EventSourceUtils.dependentEventSources(context, configMap, daemonSet, service, coreDns));
    sources.addAll(sidecar.create(context));
    return sources;
  }
}
