package io.dotproxy.operator.uninstall;

import io.dotproxy.operator.app.OperatorFeatures;
import io.dotproxy.operator.app.OperatorSettings;
import io.dotproxy.operator.coredns.BlockOwner;
import io.dotproxy.operator.coredns.CoreDnsLocation;
import io.dotproxy.operator.coredns.CorefileNotUnderstoodException;
import io.dotproxy.operator.coredns.CorefilePatcher;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.ReconcilerUtils;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the chart's pre-delete hook runs ({@code operator.jar uninstall}), so that removing the operator
 * leaves nothing behind that cannot be deleted:
 *
 * <ol>
 *   <li>stops the operator: scales its Deployment to zero and waits until none of its pods is left and
 *       (with leader election) its Lease is free, because a running operator would put back a finalizer
 *       the moment it is removed, and patch CoreDNS again;
 *   <li>removes every dotproxy block of the watched namespaces from CoreDNS's Corefile, putting back the
 *       lines each one replaced, because nothing will maintain them any more and a block left behind
 *       would send the cluster's DNS to a fleet that may later be deleted;
 *   <li>removes the operator's finalizer from every DnsOverTlsProxy of the watched namespaces, so that
 *       they, and namespaces holding them, can be deleted later without the operator;
 *   <li>deletes the webhook's certificate Secret (operator certificate mode), which Helm did not create.
 * </ol>
 *
 * <p>The DnsOverTlsProxies themselves, and so their fleets, stay: deleting them deletes the fleets, which
 * is the user's choice to make (docs/how-to/uninstall.md). The steps are idempotent, so a failed hook can be run
 * again. If a step fails, the later ones are not attempted: a finalizer is only released once CoreDNS no
 * longer points at its fleet.
 */
public final class Uninstall {

  private static final Logger log = LoggerFactory.getLogger(Uninstall.class);

  /** The finalizer JOSDK puts on every DnsOverTlsProxy (the reconciler names none of its own). */
  public static final String FINALIZER = ReconcilerUtils.getDefaultFinalizerName(DnsOverTlsProxy.class);

  /** How long the operator's pods may take to stop: their grace period (30 s) with room to spare. */
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(120);

  /** JOSDK's lease duration: a Lease not renewed for this long has no live holder. */
  static final Duration LEASE_DURATION = Duration.ofSeconds(15);

  private static final int ATTEMPTS = 5;

  private final KubernetesClient client;
  private final UninstallSettings settings;
  private final OperatorFeatures features;
  private final Clock clock;
  private final Duration poll;

  public Uninstall(KubernetesClient client, UninstallSettings settings, Clock clock, Duration poll) {
    this.client = client;
    this.settings = settings;
    this.features = settings.operator().features();
    this.clock = clock;
    this.poll = poll;
  }

  /** What was done, for the hook's log. */
  public record Report(List<BlockOwner> blocksReverted, List<String> finalizersReleased, boolean webhookSecretDeleted) {}

  public Report run() {
    stopOperator();
    List<BlockOwner> reverted = features.coreDnsPatch() ? revertCoreDns() : List.of();
    List<String> released = releaseFinalizers();
    boolean secretDeleted = features.managedWebhookCertificates() && deleteWebhookSecret();
    Report report = new Report(reverted, released, secretDeleted);
    log.info("uninstall: CoreDNS blocks removed {}, finalizers removed from {}, webhook Secret {}; "
            + "DnsOverTlsProxies and their fleets are left in place", reverted, released,
        secretDeleted ? "deleted" : "not there or not the operator's");
    return report;
  }

  private void stopOperator() {
    String namespace = settings.operatorNamespace();
    var resource = client.apps().deployments().inNamespace(namespace).withName(settings.deployment());
    Deployment deployment = resource.get();
    if (deployment == null) {
      log.info("uninstall: Deployment {}/{} not found; not scaling it", namespace, settings.deployment());
    } else {
      if (!Objects.equals(deployment.getSpec().getReplicas(), 0)) {
        client.resource(deployment).patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"add\",\"path\":\"/spec/replicas\",\"value\":0}]");
        log.info("uninstall: scaled Deployment {}/{} to 0 replicas", namespace, settings.deployment());
      }
      Map<String, String> selector = deployment.getSpec().getSelector().getMatchLabels();
      await("the operator's pods to stop", () -> client.pods().inNamespace(namespace).withLabels(selector).list().getItems().isEmpty());
    }
    if (settings.operator().leaderElection()) {
      await("the operator's leader Lease to be released or to expire", this::leaseFree);
    }
  }

  private boolean leaseFree() {
    Lease lease = client.resources(Lease.class).inNamespace(settings.leaseNamespace())
        .withName(settings.operator().leaseName()).get();
    LeaseSpec spec = lease == null ? null : lease.getSpec();
    if (spec == null || spec.getHolderIdentity() == null || spec.getHolderIdentity().isEmpty() || spec.getRenewTime() == null) {
      return true;
    }
    Duration duration = spec.getLeaseDurationSeconds() == null ? LEASE_DURATION : Duration.ofSeconds(spec.getLeaseDurationSeconds());
    return spec.getRenewTime().toInstant().plus(duration).isBefore(clock.instant());
  }

  private List<BlockOwner> revertCoreDns() {
    CoreDnsLocation location = settings.operator().coreDns();
    for (int attempt = 1; ; attempt++) {
      ConfigMap configMap = client.configMaps().inNamespace(location.namespace()).withName(location.configMapName()).get();
      String corefile = configMap == null || configMap.getData() == null ? null : configMap.getData().get(CoreDnsLocation.COREFILE_KEY);
      if (corefile == null) {
        return List.of();
      }
      List<BlockOwner> ours = CorefilePatcher.owners(corefile).stream().filter(o -> watched(o.namespace())).toList();
      if (ours.isEmpty()) {
        return List.of();
      }
      String reverted = corefile;
      try {
        for (BlockOwner owner : ours) {
          reverted = CorefilePatcher.revert(reverted, owner);
        }
      } catch (CorefileNotUnderstoodException e) {
        throw new IllegalStateException("cannot remove the dotproxy blocks " + ours + " from ConfigMap " + location
            + ": " + e.getMessage() + "; remove them by hand (docs/how-to/uninstall.md), then run the uninstall again", e);
      }
      try {
        // A plain replace carrying the resourceVersion read: a concurrent edit is a conflict, not overwritten.
        client.resource(new ConfigMapBuilder(configMap).addToData(CoreDnsLocation.COREFILE_KEY, reverted).build()).update();
        return ours;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  private List<String> releaseFinalizers() {
    List<String> released = new ArrayList<>();
    for (DnsOverTlsProxy proxy : proxies()) {
      for (int attempt = 1; proxy != null; attempt++) {
        List<String> finalizers = proxy.getMetadata().getFinalizers();
        int index = finalizers == null ? -1 : finalizers.indexOf(FINALIZER);
        if (index < 0) {
          break;
        }
        String path = "/metadata/finalizers/" + index;
        // The test makes the removal fail, rather than remove someone else's finalizer, if the list moved.
        String patch = "[{\"op\":\"test\",\"path\":\"" + path + "\",\"value\":\"" + FINALIZER + "\"},"
            + "{\"op\":\"remove\",\"path\":\"" + path + "\"}]";
        try {
          // On the object read, not by name: fabric8 would GET it first, which the hook may not.
          client.resource(proxy).patch(PatchContext.of(PatchType.JSON), patch);
          released.add(proxy.getMetadata().getNamespace() + "/" + proxy.getMetadata().getName());
          break;
        } catch (KubernetesClientException e) {
          if (e.getCode() == 404) {
            break;
          }
          if (attempt == ATTEMPTS || (e.getCode() != 409 && e.getCode() != 422)) {
            throw e;
          }
          log.info("uninstall: the finalizers of {}/{} changed meanwhile ({}); reading them again",
              proxy.getMetadata().getNamespace(), proxy.getMetadata().getName(), e.getMessage());
          proxy = client.resources(DnsOverTlsProxy.class).inNamespace(proxy.getMetadata().getNamespace())
              .withField("metadata.name", proxy.getMetadata().getName()).list().getItems().stream().findFirst().orElse(null);
        }
      }
    }
    return released;
  }

  private List<DnsOverTlsProxy> proxies() {
    try {
      if (settings.operator().watchNamespaces().isEmpty()) {
        return client.resources(DnsOverTlsProxy.class).inAnyNamespace().list().getItems();
      }
      List<DnsOverTlsProxy> proxies = new ArrayList<>();
      for (String namespace : settings.operator().watchNamespaces()) {
        proxies.addAll(client.resources(DnsOverTlsProxy.class).inNamespace(namespace).list().getItems());
      }
      return proxies;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return List.of(); // the CRD is gone, and with it every DnsOverTlsProxy
      }
      throw e;
    }
  }

  private boolean deleteWebhookSecret() {
    String secret = settings.operator().webhook().secretName();
    return !client.secrets().inNamespace(settings.operatorNamespace()).withName(secret).delete().isEmpty();
  }

  private boolean watched(String namespace) {
    return settings.operator().watchNamespaces().isEmpty() || settings.operator().watchNamespaces().contains(namespace);
  }

  private void await(String what, BooleanSupplier done) {
    Instant deadline = clock.instant().plus(STOP_TIMEOUT);
    while (!done.getAsBoolean()) {
      if (clock.instant().isAfter(deadline)) {
        throw new IllegalStateException("gave up after " + STOP_TIMEOUT.toSeconds() + " s waiting for " + what);
      }
      try {
        Thread.sleep(poll.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what, e);
      }
    }
    log.info("uninstall: {}: done", what);
  }
}
