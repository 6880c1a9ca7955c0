package io.dotproxy.operator.reconciler;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.sidecar.SidecarLabels;
import io.dotproxy.operator.sidecar.SidecarSettings;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.config.informer.FieldSelector;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a Sidecar-mode proxy's reconciliation watches besides its own objects.
 *
 * <ul>
 *   <li>Pods labelled {@code dotproxy.io/proxy}, to count in the status the injected ones and those that
 *       run without the proxy. Only labelled pods are cached, and only the few fields the counts read
 *       ({@link TrimmedPodStore}).
 *   <li>The cluster DNS Service (kube-dns), whose IP the sidecar config forwards the cluster domain to.
 * </ul>
 */
final class SidecarEventSources {

  static final String PODS = "injected-pods";
  static final String CLUSTER_DNS = "cluster-dns";

  private final SidecarSettings settings;

  SidecarEventSources(SidecarSettings settings) {
    this.settings = settings;
  }

  List<EventSource<?, DnsOverTlsProxy>> create(EventSourceContext<DnsOverTlsProxy> context) {
    var pods = InformerEventSourceConfiguration.from(Pod.class, DnsOverTlsProxy.class)
        .withName(PODS)
        .withLabelSelector(SidecarLabels.PROXY) // the key alone: "label exists"
        .withSecondaryToPrimaryMapper(pod -> SidecarLabels.proxyName(pod)
            .map(name -> Set.of(new ResourceID(name, pod.getMetadata().getNamespace())))
            .orElse(Set.of()))
        // Pods change status often; only changes that move a count are worth a reconciliation.
        .withOnUpdateFilter((now, before) -> SidecarLabels.countsAsInjected(now) != SidecarLabels.countsAsInjected(before)
            || SidecarLabels.countsAsUninjected(now) != SidecarLabels.countsAsUninjected(before)
            || !SidecarLabels.proxyName(now).equals(SidecarLabels.proxyName(before)))
        .withItemStore(TrimmedPodStore.create())
        .build();
    ResourceID clusterDnsId = new ResourceID(settings.clusterDns().name(), settings.clusterDns().namespace());
    var clusterDns = InformerEventSourceConfiguration.from(Service.class, DnsOverTlsProxy.class)
        .withName(CLUSTER_DNS)
        .withNamespaces(Set.of(settings.clusterDns().namespace()))
        .withFollowControllerNamespacesChanges(false)
        .withFieldSelector(new FieldSelector(new FieldSelector.Field("metadata.name", settings.clusterDns().name())))
        .withPrimaryToSecondaryMapper((DnsOverTlsProxy p) -> Set.of(clusterDnsId))
        .withSecondaryToPrimaryMapper(service -> context.getPrimaryCache().list()
            .filter(p -> !p.getSpec().runsAsDaemonSet())
            .map(ResourceID::fromResource)
            .collect(Collectors.toSet()))
        .build();
    return List.of(new InformerEventSource<>(pods, context), new InformerEventSource<>(clusterDns, context));
  }

  Optional<Service> clusterDns(Context<DnsOverTlsProxy> context) {
    return context.getSecondaryResource(Service.class, CLUSTER_DNS);
  }

  int injectedPods(Context<DnsOverTlsProxy> context) {
    return SidecarLabels.countInjected(context.getSecondaryResources(Pod.class));
  }

  /** The names of the proxy's labelled pods that run without it, sorted. */
  List<String> uninjectedPods(Context<DnsOverTlsProxy> context) {
    return context.getSecondaryResources(Pod.class).stream()
        .filter(SidecarLabels::countsAsUninjected)
        .map(pod -> pod.getMetadata().getName())
        .sorted()
        .toList();
  }
}
