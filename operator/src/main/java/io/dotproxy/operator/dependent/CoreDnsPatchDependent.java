package io.dotproxy.operator.dependent;

import io.dotproxy.operator.coredns.BlockOwner;
import io.dotproxy.operator.coredns.CoreDnsLocation;
import io.dotproxy.operator.coredns.CoreDnsPatchPlan;
import io.dotproxy.operator.coredns.CorefileManager;
import io.dotproxy.operator.coredns.CorefileNotUnderstoodException;
import io.dotproxy.operator.coredns.CorefilePatcher;
import io.dotproxy.operator.coredns.NodeLocalDnsCache;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.status.FleetReadiness;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.FieldSelector;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Deleter;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The marked block in the cluster's Corefile.
 *
 * <p>The coredns ConfigMap is not ours: it is never created or deleted, it gets no owner reference (a
 * namespaced proxy cannot own a kube-system object) and no annotations. "Deleting" this dependent
 * means reverting our block; the workflow does that when the patch is turned off, and on cleanup, which
 * is why the proxy carries a finalizer.
 *
 * <p>The patch is not written when it would not last or not take effect: when the ConfigMap carries the
 * marks of a tool that rewrites it ({@link CorefileManager}), or when NodeLocal DNSCache sends names
 * outside the cluster past CoreDNS ({@link NodeLocalDnsCache}).
 */
public class CoreDnsPatchDependent extends KubernetesDependentResource<ConfigMap, DnsOverTlsProxy>
    implements Updater<ConfigMap, DnsOverTlsProxy>, Deleter<DnsOverTlsProxy> {

  private static final Logger log = LoggerFactory.getLogger(CoreDnsPatchDependent.class);

  private final CoreDnsLocation location;
  private final CoreDnsLocation nodeLocalDns;
  private final ProxyServiceDependent fleetService;

  public CoreDnsPatchDependent(CoreDnsLocation location, ProxyServiceDependent fleetService) {
    super(ConfigMap.class, "coredns-patch");
    this.location = location;
    this.nodeLocalDns = NodeLocalDnsCache.nextTo(location);
    this.fleetService = fleetService;
  }

  public static BlockOwner ownerOf(DnsOverTlsProxy proxy) {
    return new BlockOwner(proxy.getMetadata().getNamespace(), proxy.getMetadata().getName());
  }

  /** The plan for a proxy that wants the patch, from what the operator's caches hold now. */
  public CoreDnsPatchPlan plan(DnsOverTlsProxy primary, Context<DnsOverTlsProxy> context) {
    Optional<String> forwardTo = fleetService.getSecondaryResource(primary, context)
        .map(s -> s.getSpec().getClusterIP())
        .filter(ip -> !ip.isBlank() && !ip.equals("None"));
    boolean fleetReady = FleetReadiness.of(context.getSecondaryResource(DaemonSet.class)).isReady();
    Optional<ConfigMap> coreDns = getSecondaryResource(primary, context);
    return CoreDnsPatchPlan.of(location, corefile(coreDns), ownerOf(primary), forwardTo, fleetReady,
        coreDns.flatMap(c -> obstacle(c, context)));
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
  protected ConfigMap desired(DnsOverTlsProxy primary, Context<DnsOverTlsProxy> context) {
    ConfigMap actual = getSecondaryResource(primary, context).orElseThrow();
    return plan(primary, context).newCorefile().map(c -> withCorefile(actual, c)).orElse(actual);
  }

  @Override
  public Matcher.Result<ConfigMap> match(ConfigMap actual, DnsOverTlsProxy primary, Context<DnsOverTlsProxy> context) {
    ConfigMap desired = desired(primary, context);
    return Matcher.Result.computed(Objects.equals(corefile(Optional.of(actual)), corefile(Optional.of(desired))), desired);
  }

  // A plain replace carrying the resourceVersion we read: if anything changed the Corefile meanwhile,
  // the write fails with a conflict and the next reconciliation patches the new text.
  @Override
  public ConfigMap update(ConfigMap actual, ConfigMap desired, DnsOverTlsProxy primary, Context<DnsOverTlsProxy> context) {
    return context.getClient().resource(desired).update();
  }

  @Override
  protected void handleDelete(DnsOverTlsProxy primary, ConfigMap actual, Context<DnsOverTlsProxy> context) {
    Optional<String> corefile = corefile(Optional.ofNullable(actual));
    if (corefile.isEmpty() || !CorefilePatcher.owners(corefile.get()).contains(ownerOf(primary))) {
      return;
    }
    try {
      String reverted = CorefilePatcher.revert(corefile.get(), ownerOf(primary));
      ConfigMap updated = context.getClient().resource(withCorefile(actual, reverted)).update();
      onUpdated(primary, updated, actual, context);
    } catch (CorefileNotUnderstoodException e) {
      throw new IllegalStateException("cannot remove the dotproxy block from " + location + ": " + e.getMessage(), e);
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
