package io.dotproxy.operator.status;

import io.dotproxy.operator.model.CoreDnsState;
import io.dotproxy.operator.model.DnsOverTlsProxyStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns an {@link Observation} into the status users and health checks read.
 *
 * <p>Pure: the previous status is only consulted to keep a condition's lastTransitionTime when its
 * status did not change, so that a reconciliation that changes nothing writes nothing.
 */
public final class StatusCalculator {

  /** The reason of all three conditions while the spec cannot be applied. */
  public static final String INVALID_SPEC = "InvalidSpec";

  /** The reason of all three conditions while the proxies' image cannot run the spec (docs/how-to/upgrade.md). */
  public static final String UNSUPPORTED_PROXY_IMAGE = "UnsupportedProxyImage";

  /** Degraded's reason while labelled pods run without the proxy (Sidecar mode). */
  public static final String PODS_WITHOUT_PROXY = "PodsWithoutProxy";

  /** Degraded's reason while the API server refuses pods with the priority class the spec names. */
  public static final String PRIORITY_CLASS_REFUSED = "PriorityClassRefused";

  /** How many of those pods the message names; the count covers them all. */
  static final int NAMED_PODS = 5;

  private StatusCalculator() {}

  public static DnsOverTlsProxyStatus next(Observation o, DnsOverTlsProxyStatus previous, Instant now) {
    var status = new DnsOverTlsProxyStatus();
    status.setObservedGeneration(o.generation());
    if (o.daemonSetMode()) {
      status.setDesiredProxies(o.fleet().desired());
      status.setReadyProxies(o.fleet().ready());
      status.setUpdatedProxies(o.fleet().updated());
      status.setProxies(o.fleet().ready() + "/" + o.fleet().desired());
      status.setPriorityClass(o.priorityClass());
    } else {
      status.setInjectedPods(o.injectedPods());
      status.setUninjectedPods(o.uninjectedPods().size());
      status.setProxies(o.injectedPods() + "/" + (o.injectedPods() + o.uninjectedPods().size()));
    }
    status.setCoreDNS(o.coreDns());
    List<Condition> conditions = new ArrayList<>();
    conditions.add(carryOver(ready(o), o.generation(), previous, now));
    conditions.add(carryOver(progressing(o), o.generation(), previous, now));
    conditions.add(carryOver(degraded(o), o.generation(), previous, now));
    status.setConditions(conditions);
    return status;
  }

  private static Verdict ready(Observation o) {
    if (!o.specProblems().isEmpty()) {
      return Verdict.no(ConditionTypes.READY, INVALID_SPEC, "the spec cannot be applied: " + specProblems(o));
    }
    if (o.trustedCaProblem().isPresent()) {
      return Verdict.no(ConditionTypes.READY, "TrustedCANotFound", "the spec cannot be applied: " + o.trustedCaProblem().get());
    }
    if (o.clusterDnsProblem().isPresent()) {
      return Verdict.no(ConditionTypes.READY, "ClusterDNSNotFound", "the spec cannot be applied: " + o.clusterDnsProblem().get());
    }
    if (o.proxyImageProblem().isPresent()) {
      return Verdict.no(ConditionTypes.READY, UNSUPPORTED_PROXY_IMAGE, "the spec cannot be applied: " + o.proxyImageProblem().get());
    }
    if (o.reconcileError().isPresent()) {
      return Verdict.no(ConditionTypes.READY, "ReconcileError", o.reconcileError().get());
    }
    if (!o.configRendered()) {
      return Verdict.no(ConditionTypes.READY, "ConfigNotRendered", "the proxy configuration has not been written yet");
    }
    if (!o.daemonSetMode()) {
      return Verdict.yes(ConditionTypes.READY, "ConfigRendered", "configuration rendered for injected sidecars");
    }
    FleetReadiness fleet = o.fleet();
    if (fleet.statusCurrent() && fleet.desired() == 0) {
      return Verdict.no(ConditionTypes.READY, "NoNodes", "no node is eligible to run a proxy; check spec.placement");
    }
    if (!fleet.isReady()) {
      return Verdict.no(ConditionTypes.READY, "ProxiesNotReady", proxiesMessage(fleet));
    }
    return switch (o.coreDns().getState()) {
      case PENDING -> Verdict.no(ConditionTypes.READY, "CoreDNSPending", o.coreDns().getMessage());
      case REFUSED -> Verdict.no(ConditionTypes.READY, "CoreDNSPatchRefused", o.coreDns().getMessage());
      default -> Verdict.yes(ConditionTypes.READY, "ProxiesReady", proxiesMessage(fleet));
    };
  }

  private static Verdict progressing(Observation o) {
    if (!o.specProblems().isEmpty()) {
      return Verdict.no(ConditionTypes.PROGRESSING, INVALID_SPEC, "waiting for a spec that can be applied");
    }
    if (o.trustedCaProblem().isPresent()) {
      return Verdict.no(ConditionTypes.PROGRESSING, "TrustedCANotFound", "waiting for the trustedCA reference to resolve");
    }
    if (o.clusterDnsProblem().isPresent()) {
      return Verdict.no(ConditionTypes.PROGRESSING, "ClusterDNSNotFound", "waiting for the cluster DNS Service");
    }
    if (o.proxyImageProblem().isPresent()) {
      return Verdict.no(ConditionTypes.PROGRESSING, UNSUPPORTED_PROXY_IMAGE, "waiting for a proxy image that can run the spec");
    }
    if (o.reconcileError().isPresent()) {
      return Verdict.no(ConditionTypes.PROGRESSING, "ReconcileError", "retrying after an error");
    }
    if (o.daemonSetMode()) {
      FleetReadiness fleet = o.fleet();
      if (!fleet.statusCurrent()) {
        return Verdict.yes(ConditionTypes.PROGRESSING, "RollingOut", "waiting for the DaemonSet controller");
      }
      if (fleet.desired() > 0 && !fleet.isComplete()) {
        return Verdict.yes(ConditionTypes.PROGRESSING, "RollingOut", proxiesMessage(fleet));
      }
      if (o.coreDns().getState() == CoreDnsState.PENDING) {
        return Verdict.yes(ConditionTypes.PROGRESSING, "CoreDNSPending", o.coreDns().getMessage());
      }
      if (o.coreDns().getState() == CoreDnsState.REVERTING) {
        return Verdict.yes(ConditionTypes.PROGRESSING, "CoreDNSReverting", o.coreDns().getMessage());
      }
    }
    return Verdict.no(ConditionTypes.PROGRESSING, "Complete", "nothing left to roll out");
  }

  private static Verdict degraded(Observation o) {
    if (!o.specProblems().isEmpty()) {
      return Verdict.yes(ConditionTypes.DEGRADED, INVALID_SPEC, specProblems(o));
    }
    if (o.trustedCaProblem().isPresent()) {
      return Verdict.yes(ConditionTypes.DEGRADED, "TrustedCANotFound", o.trustedCaProblem().get());
    }
    if (o.clusterDnsProblem().isPresent()) {
      return Verdict.yes(ConditionTypes.DEGRADED, "ClusterDNSNotFound", o.clusterDnsProblem().get());
    }
    if (o.proxyImageProblem().isPresent()) {
      return Verdict.yes(ConditionTypes.DEGRADED, UNSUPPORTED_PROXY_IMAGE, o.proxyImageProblem().get());
    }
    if (o.coreDns().getState() == CoreDnsState.REFUSED) {
      return Verdict.yes(ConditionTypes.DEGRADED, "CoreDNSPatchRefused", o.coreDns().getMessage());
    }
    if (o.reconcileError().isPresent()) {
      return Verdict.yes(ConditionTypes.DEGRADED, "ReconcileError", o.reconcileError().get());
    }
    if (o.priorityClass() != null && o.priorityClass().getDefaultRefused() == null && o.priorityClass().getMessage() != null) {
      return Verdict.yes(ConditionTypes.DEGRADED, PRIORITY_CLASS_REFUSED, "pods with spec.placement.priorityClassName "
          + o.priorityClass().getName() + " are refused: " + o.priorityClass().getMessage());
    }
    if (!o.daemonSetMode() && !o.uninjectedPods().isEmpty()) {
      return Verdict.yes(ConditionTypes.DEGRADED, PODS_WITHOUT_PROXY, podsWithoutProxyMessage(o.uninjectedPods()));
    }
    return Verdict.no(ConditionTypes.DEGRADED, "AsExpected", "no problem found");
  }

  /**
   * Their DNS goes unencrypted to the cluster DNS, although they asked for the proxy; only re-creating
   * them helps, because the webhook sees a pod only when it is created.
   */
  private static String podsWithoutProxyMessage(List<String> pods) {
    String names = String.join(", ", pods.subList(0, Math.min(pods.size(), NAMED_PODS)))
        + (pods.size() > NAMED_PODS ? " and " + (pods.size() - NAMED_PODS) + " more" : "");
    return pods.size() + (pods.size() == 1 ? " labelled pod runs" : " labelled pods run")
        + " without the proxy (created while the webhook was unreachable, or skipped by it): " + names
        + "; re-create them (e.g. kubectl rollout restart) to inject it";
  }

  private static String specProblems(Observation o) {
    return String.join("; ", o.specProblems());
  }

  /**
   * The counts, and when nodes lag, how many and whether that is within the tolerance; the pods
   * themselves are found with {@code kubectl get pods -o wide} (the operator reads only the DaemonSet).
   */
  private static String proxiesMessage(FleetReadiness fleet) {
    String counts = fleet.ready() + " of " + fleet.desired() + " proxies ready, " + fleet.updated() + " up to date";
    if (fleet.lagging() <= 0 || !fleet.statusCurrent()) {
      return counts;
    }
    int tolerated = FleetReadiness.tolerated(fleet.desired());
    String lagging = (fleet.lagging() == 1 ? "1 node lacks" : fleet.lagging() + " nodes lack")
        + " a ready, up-to-date proxy (a NotReady node, a node just added or a rollout; kubectl get pods -o wide)";
    if (fleet.ready() == 0) {
      return counts + "; no proxy is ready";
    }
    return counts + "; " + lagging + (fleet.lagging() <= tolerated
        ? ", tolerated: up to " + tolerated + " may"
        : ", more than the " + tolerated + " tolerated");
  }

  private static Condition carryOver(Verdict verdict, long generation, DnsOverTlsProxyStatus previous, Instant now) {
    String lastTransition = previous == null
        ? null
        : previous.condition(verdict.type())
            .filter(c -> verdict.status().equals(c.getStatus()))
            .map(Condition::getLastTransitionTime)
            .orElse(null);
    return new ConditionBuilder()
        .withType(verdict.type())
        .withStatus(verdict.status())
        .withReason(verdict.reason())
        .withMessage(verdict.message())
        // Set by hand: JOSDK 5 no longer fills in observedGeneration.
        .withObservedGeneration(generation)
        .withLastTransitionTime(lastTransition != null ? lastTransition : timestamp(now))
        .build();
  }

  private static String timestamp(Instant now) {
    return DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
  }

  /** A condition before its timestamps: type, "True"/"False", reason and message. */
  private record Verdict(String type, String status, String reason, String message) {

    static Verdict yes(String type, String reason, String message) {
      return new Verdict(type, "True", reason, message);
    }

    static Verdict no(String type, String reason, String message) {
      return new Verdict(type, "False", reason, message);
    }
  }
}
