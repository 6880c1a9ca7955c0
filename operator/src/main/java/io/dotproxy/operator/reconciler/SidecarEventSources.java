package io.dotproxy.operator.reconciler;

import io.dotproxy.operator.informers.TrimmingItemStore;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.network.ClusterRanges;
import io.dotproxy.operator.sidecar.SidecarLabels;
import io.dotproxy.operator.sidecar.SidecarSettings;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.ServiceCIDR;
import io.javaoperatorsdk.operator.api.config.informer.FieldSelector;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a Sidecar-mode proxy's reconciliation watches besides its own objects.
 *
 * <ul>
 *   <li>Pods labelled {@code dotproxy.io/proxy}, to count in the status the injected ones and those that
 *       run without the proxy. Only labelled pods are cached, and only the few fields the counts read
 *       ({@link TrimmedPodStore}).
 *   <li>The cluster DNS Service (kube-dns), whose IP the sidecar config forwards the cluster domain to.
 *   <li>The cluster's ranges ({@link ClusterRanges}), whose reverse zones the sidecar config forwards there
 *       too: every Node, of which only the name and {@code spec.podCIDRs} are kept, and from Kubernetes
 *       1.33 the ServiceCIDRs. Both are cluster-scoped, and only a change of the ranges reconciles.
 * </ul>
 */
final class SidecarEventSources {

  static final String PODS = "injected-pods";
  static final String CLUSTER_DNS = "cluster-dns";
  static final String NODES = "node-pod-ranges";
  static final String SERVICE_CIDRS = "service-cidrs";

  private final SidecarSettings settings;
  private final boolean serviceCidrApi;

  /** @param serviceCidrApi the API server serves ServiceCIDRs ({@link ClusterRanges#servedOn}) */
  SidecarEventSources(SidecarSettings settings, boolean serviceCidrApi) {
    this.settings = settings;
    this.serviceCidrApi = serviceCidrApi;
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
        .withSecondaryToPrimaryMapper(service -> sidecarProxies(context))
        .build();
    List<EventSource<?, DnsOverTlsProxy>> sources = new ArrayList<>(List.of(
        new InformerEventSource<>(pods, context),
        new InformerEventSource<>(clusterDns, context),
        rangesOf(Node.class, NODES, SidecarEventSources::podCidrs, SidecarEventSources::trimNode, context)));
    if (serviceCidrApi) {
      // Small objects, and few: kept whole.
      sources.add(rangesOf(ServiceCIDR.class, SERVICE_CIDRS, SidecarEventSources::serviceCidrs, UnaryOperator.identity(),
          context));
    }
    return sources;
  }

  /**
   * Watches every object of a cluster-scoped kind for the ranges it states; a change of its ranges
   * reconciles every Sidecar-mode proxy, any other change (a Node's status) none.
   */
  private static <R extends HasMetadata> EventSource<R, DnsOverTlsProxy> rangesOf(Class<R> type, String name,
      Function<R, List<String>> ranges, UnaryOperator<R> trim, EventSourceContext<DnsOverTlsProxy> context) {
    var config = InformerEventSourceConfiguration.from(type, DnsOverTlsProxy.class)
        .withName(name)
        .withWatchAllNamespaces()
        .withFollowControllerNamespacesChanges(false)
        .withOnAddFilter(added -> !ranges.apply(added).isEmpty())
        .withOnUpdateFilter((now, before) -> !ranges.apply(now).equals(ranges.apply(before)))
        .withOnDeleteFilter((deleted, unknown) -> !ranges.apply(deleted).isEmpty())
        .withSecondaryToPrimaryMapper(changed -> sidecarProxies(context))
        // Read as a whole from the cache (clusterRanges), never as one proxy's: without this mapper JOSDK
        // would index every Node under every Sidecar-mode proxy.
        .withPrimaryToSecondaryMapper((DnsOverTlsProxy p) -> Set.of())
        .withItemStore(new TrimmingItemStore<>(trim))
        .build();
    return new InformerEventSource<>(config, context);
  }

  private static Set<ResourceID> sidecarProxies(EventSourceContext<DnsOverTlsProxy> context) {
    return context.getPrimaryCache().list()
        .filter(p -> !p.getSpec().runsAsDaemonSet())
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  Optional<Service> clusterDns(Context<DnsOverTlsProxy> context) {
    return context.getSecondaryResource(Service.class, CLUSTER_DNS);
  }

  /**
   * The service and pod ranges as the caches hold them now.
   *
   * @param clusterDnsIps the cluster DNS Service's IPs, inside the service range
   */
  ClusterRanges clusterRanges(Context<DnsOverTlsProxy> context, List<String> clusterDnsIps) {
    List<String> serviceCidrs = serviceCidrApi
        ? cached(context, ServiceCIDR.class, SERVICE_CIDRS).flatMap(c -> serviceCidrs(c).stream()).toList()
        : List.of();
    List<String> podCidrs = cached(context, Node.class, NODES).flatMap(n -> podCidrs(n).stream()).toList();
    return ClusterRanges.of(serviceCidrs, clusterDnsIps, podCidrs);
  }

  /** Every object an event source of {@link #rangesOf} holds: they are the cluster's, not one proxy's. */
  @SuppressWarnings("unchecked")
  private static <R extends HasMetadata> Stream<R> cached(Context<DnsOverTlsProxy> context, Class<R> type, String name) {
    return ((InformerEventSource<R, DnsOverTlsProxy>) context.eventSourceRetriever().getEventSourceFor(type, name)).list();
  }

  /** {@code spec.podCIDRs}, or the older {@code spec.podCIDR} alone. */
  static List<String> podCidrs(Node node) {
    if (node.getSpec() == null) {
      return List.of();
    }
    List<String> cidrs = node.getSpec().getPodCIDRs();
    return cidrs != null && !cidrs.isEmpty() ? List.copyOf(cidrs) : Stream.ofNullable(node.getSpec().getPodCIDR()).toList();
  }

  static List<String> serviceCidrs(ServiceCIDR serviceCidr) {
    return serviceCidr.getSpec() == null || serviceCidr.getSpec().getCidrs() == null
        ? List.of()
        : serviceCidr.getSpec().getCidrs().stream().filter(Objects::nonNull).toList();
  }

  /** What the reverse zones read of a Node: a full Node, with its images and conditions, is tens of kilobytes. */
  static Node trimNode(Node node) {
    return new NodeBuilder()
        .withMetadata(TrimmingItemStore.versionOnly(node.getMetadata()))
        .withNewSpec().withPodCIDRs(podCidrs(node)).endSpec()
        .build();
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
