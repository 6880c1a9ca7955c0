package io.dotproxy.operator.reconciler;

import io.dotproxy.operator.config.ClusterDnsZone;
import io.dotproxy.operator.config.RuntimeCompatibility;
import io.dotproxy.operator.config.RuntimeConfigRenderer;
import io.dotproxy.operator.config.TrustedCaBundle;
import io.dotproxy.operator.config.TrustedCaResolver;
import io.dotproxy.operator.coredns.CoreDnsSwitch;
import io.dotproxy.operator.dependent.ProxyConfigMapDependent;
import io.dotproxy.operator.dependent.ProxyDaemonSetDependent;
import io.dotproxy.operator.model.CoreDnsState;
import io.dotproxy.operator.model.CoreDnsStatus;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.DnsOverTlsProxyStatus;
import io.dotproxy.operator.model.PriorityClassStatus;
import io.dotproxy.operator.model.ForwardZone;
import io.dotproxy.operator.model.ProxyMode;
import io.dotproxy.operator.model.SpecProblems;
import io.dotproxy.operator.resources.ProxyContainers;
import io.dotproxy.operator.resources.ProxyNames;
import io.dotproxy.operator.resources.ProxyPriority;
import io.dotproxy.operator.status.FleetReadiness;
import io.dotproxy.operator.status.PodCreationRefusals;
import io.dotproxy.operator.status.Observation;
import io.dotproxy.operator.events.ProxyEvents;
import io.dotproxy.operator.status.FleetStatusMetrics;
import io.dotproxy.operator.status.StatusCalculator;
import io.dotproxy.operator.status.UninjectedPodsMetric;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.retry.GradualRetry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Reconciles a DnsOverTlsProxy: resolves its trustedCA, runs the {@link ProxyWorkflow}, writes status.
 *
 * <p>In Sidecar mode the config also needs the cluster DNS Service's IP (see {@link ClusterDnsZone}) and
 * the cluster's service and pod ranges, whose reverse zones go there too.
 *
 * <p>A spec that cannot be applied ({@link SpecProblems}: one the CRD's rules should have refused, or
 * one that cannot even be read) changes nothing either, and the status lists what is wrong with it.
 *
 * <p>When the trustedCA cannot be read nothing is changed: the running proxies keep their last good
 * configuration instead of silently falling back to the system trust store, and the status says which
 * reference is missing.
 *
 * <p>A reconciliation that fails (the API server refuses a write, a conflict, a timeout) is tried again
 * by JOSDK after 0.5 s, 0.5 s, 1 s, 2 s, 4 s and so on, doubling up to one minute, then every minute
 * for as long as it keeps failing: quick enough that a conflict costs half a second, and bounded so a
 * long outage of the API server is not met with a storm of requests. A new event for the proxy (an
 * edit, a change to something it owns) starts an attempt at once. 5xx and 429 answers are first retried
 * inside the fabric8 client (up to 10 times, from 100 ms, doubling up to 3.2 s) before the
 * reconciliation sees them.
 */
@ControllerConfiguration(name = DnsOverTlsProxyReconciler.NAME)
@GradualRetry(initialInterval = 500, intervalMultiplier = 2, maxInterval = 60_000, maxAttempts = -1)
public class DnsOverTlsProxyReconciler implements Reconciler<DnsOverTlsProxy>, Cleaner<DnsOverTlsProxy> {

  public static final String NAME = "dnsovertlsproxy";

  /**
   * A conflict (409) means another writer changed an object since the operator read it, and the retry
   * reads it afresh: routine under optimistic concurrency, so Degraded only says so from this many
   * conflicts in a row.
   */
  static final int CONFLICTS_BEFORE_DEGRADED = 3;

  static final String SIDECAR_INJECTION_OFF = "spec.mode: Sidecar needs the operator's injection webhook, which is turned off"
      + " (--webhook-enabled false; chart value webhook.enabled)";

  static final String CORE_DNS_PATCH_OFF = "this operator may not change CoreDNS's ConfigMap (--coredns-patch false;"
      + " chart value coreDNS.patch)";

  private final ProxyWorkflow dependents;
  private final Clock clock;
  private final UninjectedPodsMetric uninjectedPods;
  private final FleetStatusMetrics statusMetrics;
  private final ProxyEvents events;

  public DnsOverTlsProxyReconciler(ProxyWorkflow dependents, Clock clock, UninjectedPodsMetric uninjectedPods,
      FleetStatusMetrics statusMetrics, ProxyEvents events) {
    this.dependents = dependents;
    this.clock = clock;
    this.uninjectedPods = uninjectedPods;
    this.statusMetrics = statusMetrics;
    this.events = events;
  }

  @Override
  public List<EventSource<?, DnsOverTlsProxy>> prepareEventSources(EventSourceContext<DnsOverTlsProxy> context) {
    return dependents.eventSources(context);
  }

  @Override
  public UpdateControl<DnsOverTlsProxy> reconcile(DnsOverTlsProxy asked, Context<DnsOverTlsProxy> context) {
    List<String> specProblems = SpecProblems.of(asked);
    if (!specProblems.isEmpty()) {
      // Returning normally, not throwing: retrying cannot make the spec valid, its next edit will.
      return withStatus(asked, observe(asked, context, specProblems, Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.empty(), lastCoreDnsStatus(asked)), Optional.empty());
    }
    Optional<CoreDnsSwitch> coreDnsSwitch = switchCoreDns(asked, context, wantsCoreDnsPatch(asked));
    CoreDnsStatus coreDns = coreDnsSwitch.map(DnsOverTlsProxyReconciler::status).orElseGet(() -> coreDnsStatusWithoutPatching(asked));
    // After a switch to Sidecar mode the fleet, and the config it runs, stay as they were while CoreDNS
    // may still forward to it; the webhook injects no sidecars meanwhile (PodInjector).
    DnsOverTlsProxy proxy = coreDnsSwitch.filter(CoreDnsSwitch::fleetInUse).isPresent() && !asked.getSpec().runsAsDaemonSet()
        ? keptAsDaemonSet(asked, context)
        : asked;
    Optional<Duration> recheckIn = coreDnsSwitch.flatMap(CoreDnsSwitch::recheckIn);
    if (!proxy.getSpec().runsAsDaemonSet() && dependents.sidecar.isEmpty()) {
      // Nothing can inject the proxies, so nothing is rendered for them either: a spec this operator
      // cannot apply, until the mode or the operator's settings change.
      return withStatus(asked, observe(proxy, context, List.of(SIDECAR_INJECTION_OFF), Optional.empty(), Optional.empty(),
          Optional.empty(), Optional.empty(), coreDns), recheckIn);
    }
    TrustedCaBundle ca = new TrustedCaResolver(context.getClient(), dependents.trustedCaSecrets).resolve(proxy);
    Optional<String> caProblem = ca instanceof TrustedCaBundle.Unresolved unresolved
        ? Optional.of(unresolved.problem())
        : Optional.empty();
    List<ForwardZone> clusterZones = List.of();
    Optional<String> clusterDnsProblem = Optional.empty();
    if (!proxy.getSpec().runsAsDaemonSet()) {
      SidecarEventSources sidecar = dependents.sidecar.orElseThrow();
      ClusterDnsZone zone = ClusterDnsZone.of(
          sidecar.clusterDns(context),
          dependents.sidecarSettings.clusterDns(),
          dependents.sidecarSettings.clusterDomain());
      if (zone instanceof ClusterDnsZone.Found found) {
        clusterZones = found.withReverseZones(sidecar.clusterRanges(context, found.clusterIps()).reverseZones());
      } else if (zone instanceof ClusterDnsZone.Missing missing) {
        clusterDnsProblem = Optional.of(missing.problem());
      }
    }
    RuntimeCompatibility.Verdict runtime = dependents.runtimes.check(
        ProxyContainers.image(proxy.getSpec(), dependents.proxyImage), RuntimeConfigRenderer.keys(proxy.getSpec()));
    Optional<String> imageProblem = runtime instanceof RuntimeCompatibility.Verdict.Unsupported unsupported
        ? Optional.of(unsupported.problem())
        : Optional.empty();
    // Any of these problems leaves everything as it is: running proxies keep their last good config
    // rather than one that sends cluster names or upstream certificates somewhere unintended, or one
    // their runtime would refuse or only half apply.
    if (caProblem.isEmpty() && clusterDnsProblem.isEmpty() && runtime instanceof RuntimeCompatibility.Verdict.Render render) {
      ProxyConfigMapDependent.provide(context, new ProxyConfigMapDependent.RenderInputs(ca, clusterZones, render.schema()));
      if (proxy.getSpec().runsAsDaemonSet()) {
        ProxyDaemonSetDependent.provide(context, ProxyPriority.decide(proxy, context.getSecondaryResource(DaemonSet.class),
            () -> PodCreationRefusals.newest(context.getClient(), proxy.getMetadata().getNamespace(), ProxyNames.of(proxy))));
      }
      dependents.workflow.reconcile(proxy, context);
    }
    return withStatus(asked, observe(proxy, context, List.of(), caProblem, clusterDnsProblem, imageProblem, Optional.empty(), coreDns),
        recheckIn);
  }

  /**
   * Decides the CoreDNS switch and writes the Corefile it asks for; empty when this operator may not
   * patch CoreDNS.
   */
  private Optional<CoreDnsSwitch> switchCoreDns(DnsOverTlsProxy proxy, Context<DnsOverTlsProxy> context, boolean wanted) {
    return dependents.coreDns.map(coreDns -> {
      CoreDnsSwitch decided = coreDns.decide(proxy, context, wanted, clock.instant());
      decided.newCorefile().ifPresent(corefile -> coreDns.write(proxy, context, corefile));
      return decided;
    });
  }

  private static boolean wantsCoreDnsPatch(DnsOverTlsProxy proxy) {
    return proxy.getSpec().runsAsDaemonSet() && proxy.getSpec().wantsCoreDnsPatch();
  }

  private static CoreDnsStatus status(CoreDnsSwitch decided) {
    return new CoreDnsStatus(decided.state(), decided.message(), decided.since().toString());
  }

  private static DnsOverTlsProxy keptAsDaemonSet(DnsOverTlsProxy proxy, Context<DnsOverTlsProxy> context) {
    DnsOverTlsProxy kept = context.getClient().getKubernetesSerialization().clone(proxy);
    kept.getSpec().setMode(ProxyMode.DAEMON_SET);
    return kept;
  }

  @Override
  public ErrorStatusUpdateControl<DnsOverTlsProxy> updateErrorStatus(
      DnsOverTlsProxy proxy, Context<DnsOverTlsProxy> context, Exception e) {
    int failuresInARow = context.getRetryInfo().map(RetryInfo::getAttemptCount).orElse(0) + 1;
    if (ReconcileErrors.isConflict(e) && failuresInARow < CONFLICTS_BEFORE_DEGRADED) {
      return ErrorStatusUpdateControl.defaultErrorProcessing();
    }
    Observation observation = observe(proxy, context, List.of(), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.of(ReconcileErrors.describe(e)), lastCoreDnsStatus(proxy));
    DnsOverTlsProxyStatus next = StatusCalculator.next(observation, proxy.getStatus(), clock.instant());
    record(proxy, observation, next);
    if (next.equals(proxy.getStatus())) {
      return ErrorStatusUpdateControl.defaultErrorProcessing();
    }
    proxy.setStatus(next);
    return ErrorStatusUpdateControl.patchStatus(proxy);
  }

  /**
   * Owned objects go with the owner (garbage collection); only the CoreDNS block needs undoing here, and
   * the finalizer stays, keeping the fleet, until CoreDNS has stopped forwarding to it.
   */
  @Override
  public DeleteControl cleanup(DnsOverTlsProxy proxy, Context<DnsOverTlsProxy> context) {
    Optional<CoreDnsSwitch> released = switchCoreDns(proxy, context, false).filter(CoreDnsSwitch::fleetInUse);
    if (released.isEmpty()) {
      uninjectedPods.remove(proxy.getMetadata().getNamespace(), proxy.getMetadata().getName());
      statusMetrics.remove(proxy.getMetadata().getNamespace(), proxy.getMetadata().getName());
      return DeleteControl.defaultDelete();
    }
    CoreDnsStatus coreDns = status(released.get());
    if (proxy.getStatus() != null && !coreDns.equals(proxy.getStatus().getCoreDNS())) {
      proxy.getStatus().setCoreDNS(coreDns);
      context.getClient().resource(proxy).patchStatus();
    }
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(released.get().recheckIn().orElse(Duration.ofSeconds(5)));
  }

  private UpdateControl<DnsOverTlsProxy> withStatus(DnsOverTlsProxy proxy, Observation observation, Optional<Duration> recheckIn) {
    DnsOverTlsProxyStatus next = StatusCalculator.next(observation, proxy.getStatus(), clock.instant());
    record(proxy, observation, next);
    UpdateControl<DnsOverTlsProxy> control;
    if (next.equals(proxy.getStatus())) {
      control = UpdateControl.noUpdate();
    } else {
      proxy.setStatus(next);
      control = UpdateControl.patchStatus(proxy);
    }
    recheckIn.ifPresent(control::rescheduleAfter);
    return control;
  }

  /**
   * The metrics mirror the status (status.uninjectedPods only Sidecar mode has), and Events tell what
   * changed since the stored status.
   */
  private void record(DnsOverTlsProxy proxy, Observation observation, DnsOverTlsProxyStatus next) {
    String namespace = proxy.getMetadata().getNamespace();
    String name = proxy.getMetadata().getName();
    statusMetrics.publish(namespace, name, next);
    events.statusChanged(proxy, proxy.getStatus(), next);
    if (observation.daemonSetMode()) {
      uninjectedPods.remove(namespace, name);
    } else {
      uninjectedPods.set(namespace, name, observation.uninjectedPods().size());
    }
  }

  private Observation observe(
      DnsOverTlsProxy proxy,
      Context<DnsOverTlsProxy> context,
      List<String> specProblems,
      Optional<String> caProblem,
      Optional<String> clusterDnsProblem,
      Optional<String> imageProblem,
      Optional<String> error,
      CoreDnsStatus coreDns) {
    boolean daemonSetMode = proxy.getSpec() == null || proxy.getSpec().runsAsDaemonSet();
    return new Observation(
        Objects.requireNonNullElse(proxy.getMetadata().getGeneration(), 0L),
        specProblems,
        daemonSetMode,
        caProblem,
        clusterDnsProblem,
        dependents.configMap.getSecondaryResource(proxy, context).isPresent(),
        daemonSetMode ? FleetReadiness.of(context.getSecondaryResource(DaemonSet.class)) : FleetReadiness.NONE,
        coreDns,
        daemonSetMode ? 0 : dependents.sidecar.map(s -> s.injectedPods(context)).orElse(0),
        daemonSetMode ? List.of() : dependents.sidecar.map(s -> s.uninjectedPods(context)).orElse(List.of()),
        error,
        imageProblem,
        daemonSetMode ? priorityClass(proxy, context) : null);
  }

  /** As decided for this reconciliation's DaemonSet, or, where none was rendered, as spec and status stand. */
  private static PriorityClassStatus priorityClass(DnsOverTlsProxy proxy, Context<DnsOverTlsProxy> context) {
    return context.managedWorkflowAndDependentResourceContext().get(PriorityClassStatus.class, PriorityClassStatus.class)
        .orElseGet(() -> ProxyPriority.decide(proxy, Optional.empty(), Optional::empty));
  }

  /** The status of a proxy whose CoreDNS patch this operator may not touch. */
  private static CoreDnsStatus coreDnsStatusWithoutPatching(DnsOverTlsProxy proxy) {
    return wantsCoreDnsPatch(proxy)
        ? new CoreDnsStatus(CoreDnsState.REFUSED, CORE_DNS_PATCH_OFF)
        : new CoreDnsStatus(CoreDnsState.DISABLED, null);
  }

  /** Where the switch was last seen, for reconciliations that decide nothing about it. */
  private static CoreDnsStatus lastCoreDnsStatus(DnsOverTlsProxy proxy) {
    return Optional.ofNullable(proxy.getStatus()).map(DnsOverTlsProxyStatus::getCoreDNS)
        .orElseGet(() -> new CoreDnsStatus(CoreDnsState.DISABLED, null));
  }
}
