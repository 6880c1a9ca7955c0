package io.dotproxy.operator.status;

import io.dotproxy.operator.model.CoreDnsStatus;
import io.dotproxy.operator.model.PriorityClassStatus;
import java.util.List;
import java.util.Optional;

/**
 * Everything the status is computed from, gathered after a reconciliation.
 *
 * @param generation the metadata.generation the reconciliation worked on
 * @param specProblems what makes the spec impossible to apply (see SpecProblems); empty when it is valid
 * @param daemonSetMode whether the spec asks for a fleet
 * @param trustedCaProblem why the trustedCA could not be read, if it could not
 * @param clusterDnsProblem Sidecar mode: why the cluster DNS Service's IP is unknown, if it is
 * @param configRendered whether the ConfigMap with the runtime's config exists
 * @param fleet the fleet's readiness (DaemonSet mode)
 * @param coreDns the CoreDNS patch state
 * @param injectedPods Sidecar mode: pods with an injected proxy that have not finished
 * @param uninjectedPods Sidecar mode: the names of labelled pods that run without the proxy and did not opt out
 * @param reconcileError the error that stopped the reconciliation, if one did
 * @param proxyImageProblem why the proxies' image cannot run this spec (docs/how-to/upgrade.md), if it cannot
 * @param priorityClass DaemonSet mode: the PriorityClass of the fleet's pods (null in Sidecar mode)
 */
public record Observation(
    long generation,
    List<String> specProblems,
    boolean daemonSetMode,
    Optional<String> trustedCaProblem,
    Optional<String> clusterDnsProblem,
    boolean configRendered,
    FleetReadiness fleet,
    CoreDnsStatus coreDns,
    int injectedPods,
    List<String> uninjectedPods,
    Optional<String> reconcileError,
    Optional<String> proxyImageProblem,
    PriorityClassStatus priorityClass) {

  public Observation {
    uninjectedPods = List.copyOf(uninjectedPods);
  }

  /** An observation without a proxy image problem or a priority class to report. */
  public Observation(long generation, List<String> specProblems, boolean daemonSetMode, Optional<String> trustedCaProblem,
      Optional<String> clusterDnsProblem, boolean configRendered, FleetReadiness fleet, CoreDnsStatus coreDns,
      int injectedPods, List<String> uninjectedPods, Optional<String> reconcileError) {
    this(generation, specProblems, daemonSetMode, trustedCaProblem, clusterDnsProblem, configRendered, fleet, coreDns,
        injectedPods, uninjectedPods, reconcileError, Optional.empty(), null);
  }
}
