package io.dotproxy.operator.dependent;

import io.dotproxy.operator.coredns.BlockOwner;
import io.dotproxy.operator.coredns.CoreDnsLocation;
import io.dotproxy.operator.coredns.CoreDnsSwitch;
import io.dotproxy.operator.coredns.CorefileManager;
import io.dotproxy.operator.coredns.CorefilePatcher;
import io.dotproxy.operator.coredns.NodeLocalDnsCache;
import io.dotproxy.operator.coredns.ReadyWhereCoreDnsRuns;
import io.dotproxy.operator.model.CoreDnsState;
import io.dotproxy.operator.model.CoreDnsStatus;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.DnsOverTlsProxyStatus;
import io.dotproxy.operator.sidecar.ServiceRef;
import io.dotproxy.operator.status.FleetReadiness;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.FieldSelector;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The marked block in the cluster's Corefile: the Corefile watched, the {@link CoreDnsSwitch} decided
 * from it, and the Corefile written.
 *
 * <p>The coredns ConfigMap is not ours: it is never created or deleted, it gets no owner reference (a
 * namespaced proxy cannot own a kube-system object) and no annotations. So it is not part of the
 * workflow, which would delete it: the reconciler decides the switch first, because whether the fleet
 * may go (after a switch to Sidecar mode, or on deletion) depends on it, then writes the Corefile here.
 *
 * <p>The patch is not written when it would not last or not take effect: when the ConfigMap carries the
 * marks of a tool that rewrites it ({@link CorefileManager}), or when NodeLocal DNSCache sends names
 * outside the cluster past CoreDNS ({@link NodeLocalDnsCache}).
 */
public class CoreDnsPatchDependent extends KubernetesDependentResource<ConfigMap, DnsOverTlsProxy> {

  private static final Logger log = LoggerFactory.getLogger(CoreDnsPatchDependent.class);

  private final CoreDnsLocation location;
  private final CoreDnsLocation nodeLocalDns;
  private final ServiceRef clusterDns;
  private final Duration releaseGrace;
  private final ProxyServiceDependent fleetService;

  /**
   * @param clusterDns the Service in front of CoreDNS, whose endpoints say where CoreDNS runs
   * @param releaseGrace how long a fleet outlives its block in the Corefile
   */
  public CoreDnsPatchDependent(CoreDnsLocation location, ServiceRef clusterDns, Duration releaseGrace,
      ProxyServiceDependent fleetService) {
    super(ConfigMap.class, "coredns-patch");
    this.location = location;
    this.nodeLocalDns = NodeLocalDnsCache.nextTo(location);
    this.clusterDns = clusterDns;
    this.releaseGrace = releaseGrace;
    this.fleetService = fleetService;
  }

  public static BlockOwner ownerOf(DnsOverTlsProxy proxy) {
    return new BlockOwner(proxy.getMetadata().getNamespace(), proxy.getMetadata().getName());
  }

  /**
   * The switch for {@code primary}, from what the operator's caches hold now and the state it reported
   * last.
   *
   * @param wanted DaemonSet mode, spec.coreDNS.patch, and not being deleted
   */
  public CoreDnsSwitch decide(DnsOverTlsProxy primary, Context<DnsOverTlsProxy> context, boolean wanted, Instant now) {
    Optional<Service> service = fleetService.getSecondaryResource(primary, context);
    Optional<String> forwardTo = service.map(s -> s.getSpec().getClusterIP()).filter(ip -> !ip.isBlank() && !ip.equals("None"));
    Optional<ConfigMap> coreDns = getSecondaryResource(primary, context);
    Optional<CoreDnsStatus> previous = Optional.ofNullable(primary.getStatus()).map(DnsOverTlsProxyStatus::getCoreDNS);
    return CoreDnsSwitch.decide(new CoreDnsSwitch.Facts(
        location,
        corefile(coreDns),
        ownerOf(primary),
        wanted,
        forwardTo,
        () -> ReadyWhereCoreDnsRuns.check(
            endpoints(context, clusterDns.namespace(), clusterDns.name()),
            service.flatMap(s -> endpoints(context, s.getMetadata().getNamespace(), s.getMetadata().getName())),
            FleetReadiness.of(context.getSecondaryResource(DaemonSet.class)).isComplete()),
        wanted ? coreDns.flatMap(c -> obstacle(c, context)) : Optional.empty(),
        previous.map(CoreDnsStatus::getState).orElse(CoreDnsState.DISABLED),
        previous.map(CoreDnsStatus::getLastTransitionTime).map(Instant::parse),
        now,
        releaseGrace));
  }

  /**
   * A plain replace carrying the resourceVersion we read: if anything changed the Corefile meanwhile,
   * the write fails with a conflict and the next reconciliation decides on the new text.
   */
  public void write(DnsOverTlsProxy primary, Context<DnsOverTlsProxy> context, String corefile) {
    ConfigMap actual = getSecondaryResource(primary, context).orElseThrow();
    ConfigMap updated = context.getClient().resource(withCorefile(actual, corefile)).update();
    onUpdated(primary, updated, actual, context);
  }

  /** Read by name, only before the first switch; forbidden reads as absent (RBAC from before this check). */
  private static Optional<Endpoints> endpoints(Context<DnsOverTlsProxy> context, String namespace, String name) {
    try {
      return Optional.ofNullable(context.getClient().endpoints().inNamespace(namespace).withName(name).get());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403) {
        throw e;
      }
      log.debug("may not read Endpoints {}/{}; where CoreDNS runs counts as unknown", namespace, name);
      return Optional.empty();
    }
  }

  private Optional<String> obstacle(ConfigMap coreDns, Context<DnsOverTlsProxy> context) {
    if (CorefileManager.allowed(coreDns.getMetadata())) {
      return Optional.empty();
    }
    return CorefileManager.of(coreDns.getMetadata()).map(m -> m.refusal(location))
        .or(() -> NodeLocalDnsCache.bypass(location, nodeLocalCorefile(context)));
  }

  /** NodeLocal DNSCache's Corefile as read in this reconciliation; the plan is made more than once per reconciliation. */
  private record NodeLocalRead(Optional<String> corefile) {}

  /**
   * Read by name when a plan needs it, once per reconciliation, rather than watched: it is one object
   * that rarely changes, and the periodic reconciliation notices it. Forbidden reads as absent, so an
   * operator whose RBAC predates this check still patches as before.
   */
  private Optional<String> nodeLocalCorefile(Context<DnsOverTlsProxy> context) {
    var memo = context.managedWorkflowAndDependentResourceContext();
    Optional<NodeLocalRead> read = memo.get(NodeLocalRead.class, NodeLocalRead.class);
    if (read.isEmpty()) {
      read = Optional.of(readNodeLocal(context));
      memo.put(NodeLocalRead.class, read.get());
    }
    return read.get().corefile();
  }

  private NodeLocalRead readNodeLocal(Context<DnsOverTlsProxy> context) {
    try {
      return new NodeLocalRead(corefile(Optional.ofNullable(context.getClient().configMaps()
          .inNamespace(nodeLocalDns.namespace()).withName(nodeLocalDns.configMapName()).get())));
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403) {
        throw e;
      }
      log.debug("may not read ConfigMap {}; NodeLocal DNSCache counts as absent", nodeLocalDns);
      return new NodeLocalRead(Optional.empty());
    }
  }

  @Override
  protected InformerEventSourceConfiguration.Builder<ConfigMap> informerConfigurationBuilder(
      EventSourceContext<DnsOverTlsProxy> context) {
    ResourceID corefileId = new ResourceID(location.configMapName(), location.namespace());
    return super.informerConfigurationBuilder(context)
        .withNamespaces(Set.of(location.namespace()))
        .withFollowControllerNamespacesChanges(false)
        .withFieldSelector(new FieldSelector(new FieldSelector.Field("metadata.name", location.configMapName())))
        .withPrimaryToSecondaryMapper((DnsOverTlsProxy p) -> Set.of(corefileId));
  }

  /** A change of the Corefile concerns every proxy that wants the patch or still has a block in it. */
  @Override
  protected Optional<SecondaryToPrimaryMapper<ConfigMap>> getSecondaryToPrimaryMapper(
      EventSourceContext<DnsOverTlsProxy> context) {
    return Optional.of(configMap -> {
      Set<BlockOwner> owners = corefile(Optional.of(configMap)).map(CorefilePatcher::owners).orElse(Set.of());
      return context.getPrimaryCache().list()
          .filter(p -> p.getSpec().wantsCoreDnsPatch() || owners.contains(ownerOf(p)))
          .map(ResourceID::fromResource)
          .collect(Collectors.toSet());
    });
  }

  @Override
  protected ResourceID targetSecondaryResourceID(DnsOverTlsProxy primary, Context<DnsOverTlsProxy> context) {
    return new ResourceID(location.configMapName(), location.namespace());
  }

  @Override
  public Optional<ConfigMap> getSecondaryResource(DnsOverTlsProxy primary, Context<DnsOverTlsProxy> context) {
    return eventSource().flatMap(es -> es.getSecondaryResource(primary));
  }

  private static Optional<String> corefile(Optional<ConfigMap> configMap) {
    return configMap.map(ConfigMap::getData).map(d -> d.get(CoreDnsLocation.COREFILE_KEY));
  }

  private static ConfigMap withCorefile(ConfigMap actual, String corefile) {
    return new ConfigMapBuilder(actual).addToData(CoreDnsLocation.COREFILE_KEY, corefile).build();
  }
}
