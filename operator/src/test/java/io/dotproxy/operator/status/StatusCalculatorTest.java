package io.dotproxy.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.model.CoreDnsState;
import io.dotproxy.operator.model.CoreDnsStatus;
import io.dotproxy.operator.model.DnsOverTlsProxyStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class StatusCalculatorTest {

  static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  static final Instant T1 = Instant.parse("2025-01-01T00:05:00Z");

  static Observation fleet(long generation, int desired, int ready) {
    return new Observation(generation, List.of(), true, Optional.empty(), Optional.empty(), true,
        new FleetReadiness(desired, ready, ready, true), new CoreDnsStatus(CoreDnsState.DISABLED, null), 0, List.of(), Optional.empty());
  }

  static Observation sidecar(Optional<String> clusterDnsProblem, int injectedPods) {
    return sidecar(clusterDnsProblem, injectedPods, List.of());
  }

  static Observation sidecar(Optional<String> clusterDnsProblem, int injectedPods, List<String> uninjectedPods) {
    return new Observation(1, List.of(), false, Optional.empty(), clusterDnsProblem, clusterDnsProblem.isEmpty(), FleetReadiness.NONE,
        new CoreDnsStatus(CoreDnsState.DISABLED, null), injectedPods, uninjectedPods, Optional.empty());
  }

  @Test
  void everyConditionCarriesTheGenerationItDescribes() {
    DnsOverTlsProxyStatus status = StatusCalculator.next(fleet(7, 2, 2), null, T0);

    assertThat(status.getObservedGeneration()).isEqualTo(7);
    assertThat(status.getConditions()).extracting(Condition::getObservedGeneration).containsOnly(7L);
    assertThat(status.condition("Ready").orElseThrow().getStatus()).isEqualTo("True");
  }

  @Test
  void aTransitionTimeOnlyMovesWhenTheStatusFlips() {
    DnsOverTlsProxyStatus first = StatusCalculator.next(fleet(1, 2, 0), null, T0);
    DnsOverTlsProxyStatus same = StatusCalculator.next(fleet(1, 2, 0), first, T1);
    DnsOverTlsProxyStatus flipped = StatusCalculator.next(fleet(1, 2, 2), same, T1);

    assertThat(same).isEqualTo(first);
    assertThat(flipped.condition("Ready").orElseThrow().getLastTransitionTime()).isEqualTo("2025-01-01T00:05:00Z");
    assertThat(flipped.condition("Degraded").orElseThrow().getLastTransitionTime()).isEqualTo("2025-01-01T00:00:00Z");
  }

  @Test
  void oneNodeWithoutAReadyProxyIsToleratedAndNamedInTheMessageWithHonestCounts() {
    DnsOverTlsProxyStatus status = StatusCalculator.next(fleet(1, 4, 3), null, T0);

    Condition ready = status.condition("Ready").orElseThrow();
    assertThat(ready.getStatus()).isEqualTo("True");
    assertThat(ready.getReason()).isEqualTo("ProxiesReady");
    assertThat(ready.getMessage()).isEqualTo("3 of 4 proxies ready, 3 up to date; 1 node lacks a ready, up-to-date proxy"
        + " (a NotReady node, a node just added or a rollout; kubectl get pods -o wide), tolerated: up to 1 may");
    assertThat(status.condition("Progressing").orElseThrow().getStatus()).as("still waiting for that node").isEqualTo("True");
    assertThat(List.of(status.getDesiredProxies(), status.getReadyProxies())).containsExactly(4, 3);
  }

  @Test
  void moreLaggingNodesThanToleratedAreNotReadyAndSaySo() {
    Condition ready = StatusCalculator.next(fleet(1, 4, 2), null, T0).condition("Ready").orElseThrow();

    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("ProxiesNotReady");
    assertThat(ready.getMessage()).endsWith("2 nodes lack a ready, up-to-date proxy (a NotReady node, a node just added or"
        + " a rollout; kubectl get pods -o wide), more than the 1 tolerated");
    assertThat(StatusCalculator.next(fleet(1, 2, 0), null, T0).condition("Ready").orElseThrow().getMessage())
        .isEqualTo("0 of 2 proxies ready, 0 up to date; no proxy is ready");
  }

  @Test
  void noEligibleNodeIsNotReadyAndSaysWhy() {
    DnsOverTlsProxyStatus status = StatusCalculator.next(fleet(1, 0, 0), null, T0);

    assertThat(status.condition("Ready").orElseThrow().getReason()).isEqualTo("NoNodes");
    assertThat(status.condition("Progressing").orElseThrow().getStatus()).isEqualTo("False");
  }

  @Test
  void aRefusedCoreDnsPatchIsDegraded() {
    var o = new Observation(1, List.of(), true, Optional.empty(), Optional.empty(), true, new FleetReadiness(1, 1, 1, true),
        new CoreDnsStatus(CoreDnsState.REFUSED, "the Corefile cannot be patched safely: x"), 0, List.of(), Optional.empty());

    DnsOverTlsProxyStatus status = StatusCalculator.next(o, null, T0);

    assertThat(status.condition("Degraded").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(status.condition("Degraded").orElseThrow().getMessage()).contains("cannot be patched safely");
    assertThat(status.condition("Ready").orElseThrow().getStatus()).isEqualTo("False");
  }

  @Test
  void sidecarModeCountsInjectedPodsAndHasNoFleetCounts() {
    DnsOverTlsProxyStatus status = StatusCalculator.next(sidecar(Optional.empty(), 3), null, T0);

    assertThat(status.getInjectedPods()).isEqualTo(3);
    assertThat(status.getUninjectedPods()).isZero();
    assertThat(status.getDesiredProxies()).isNull();
    assertThat(status.condition("Ready").orElseThrow().getReason()).isEqualTo("ConfigRendered");
    assertThat(status.condition("Degraded").orElseThrow().getReason()).isEqualTo("AsExpected");
  }

  @Test
  void labelledPodsWithoutTheProxyAreCountedNamedAndDegradedButTheConfigStaysReady() {
    DnsOverTlsProxyStatus status = StatusCalculator.next(sidecar(Optional.empty(), 2, List.of("web-a", "web-b")), null, T0);

    assertThat(status.getInjectedPods()).isEqualTo(2);
    assertThat(status.getUninjectedPods()).isEqualTo(2);
    Condition degraded = status.condition("Degraded").orElseThrow();
    assertThat(degraded.getStatus()).isEqualTo("True");
    assertThat(degraded.getReason()).isEqualTo("PodsWithoutProxy");
    assertThat(degraded.getMessage()).startsWith("2 labelled pods run without the proxy").contains("web-a, web-b;")
        .contains("rollout restart");
    // New pods are still injected: the config is there.
    assertThat(status.condition("Ready").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(status.condition("Progressing").orElseThrow().getStatus()).isEqualTo("False");
  }

  @Test
  void manyPodsWithoutTheProxyAreCountedInFullButOnlyTheFirstAreNamed() {
    List<String> pods = IntStream.range(0, 8).mapToObj(i -> "job-" + i).toList();

    DnsOverTlsProxyStatus status = StatusCalculator.next(sidecar(Optional.empty(), 0, pods), null, T0);

    assertThat(status.getUninjectedPods()).isEqualTo(8);
    assertThat(status.condition("Degraded").orElseThrow().getMessage())
        .contains("job-0, job-1, job-2, job-3, job-4 and 3 more;").doesNotContain("job-5");
    assertThat(StatusCalculator.next(sidecar(Optional.empty(), 0, List.of("solo")), null, T0)
        .condition("Degraded").orElseThrow().getMessage()).startsWith("1 labelled pod runs without the proxy").contains(": solo;");
  }

  @Test
  void aMissingClusterDnsOutranksPodsWithoutTheProxy() {
    DnsOverTlsProxyStatus status = StatusCalculator.next(
        sidecar(Optional.of("cluster DNS Service kube-system/kube-dns not found"), 0, List.of("web-a")), null, T0);

    assertThat(status.condition("Degraded").orElseThrow().getReason()).isEqualTo("ClusterDNSNotFound");
    assertThat(status.getUninjectedPods()).isEqualTo(1);
  }

  @Test
  void aMissingClusterDnsServiceIsDegradedAndNamesIt() {
    DnsOverTlsProxyStatus status = StatusCalculator.next(
        sidecar(Optional.of("cluster DNS Service kube-system/kube-dns not found"), 0), null, T0);

    assertThat(status.condition("Degraded").orElseThrow().getReason()).isEqualTo("ClusterDNSNotFound");
    assertThat(status.condition("Degraded").orElseThrow().getMessage()).contains("kube-system/kube-dns");
    assertThat(status.condition("Ready").orElseThrow().getStatus()).isEqualTo("False");
  }

  @Test
  void anInvalidSpecOutranksEveryOtherProblemAndListsThemAll() {
    var o = new Observation(3, List.of("spec.upstreams: at least one upstream is required", "spec.cache.size: must be 0 or more"),
        true, Optional.of("trustedCA: ConfigMap dns/ca not found"), Optional.empty(), false, FleetReadiness.NONE,
        new CoreDnsStatus(CoreDnsState.DISABLED, null), 0, List.of(), Optional.empty());

    DnsOverTlsProxyStatus status = StatusCalculator.next(o, null, T0);

    assertThat(status.getConditions()).extracting(Condition::getType, Condition::getStatus, Condition::getReason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Ready", "False", "InvalidSpec"),
            org.assertj.core.groups.Tuple.tuple("Progressing", "False", "InvalidSpec"),
            org.assertj.core.groups.Tuple.tuple("Degraded", "True", "InvalidSpec"));
    assertThat(status.condition("Degraded").orElseThrow().getMessage())
        .isEqualTo("spec.upstreams: at least one upstream is required; spec.cache.size: must be 0 or more");
  }

  @Test
  void aProxyImageThatCannotRunTheSpecIsDegradedAndNamesWhy() {
    String problem = "proxy image r:0.2.5 runs proxy runtime 0.2, which reads config schema 1.0 and so not: cache-shards";
    Observation o = new Observation(1, List.of(), true, Optional.empty(), Optional.empty(), true,
        new FleetReadiness(2, 2, 2, true), new CoreDnsStatus(CoreDnsState.DISABLED, null), 0, List.of(), Optional.empty(),
        Optional.of(problem), null);

    DnsOverTlsProxyStatus status = StatusCalculator.next(o, null, T0);

    assertThat(status.getConditions()).extracting(Condition::getType, Condition::getStatus, Condition::getReason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Ready", "False", "UnsupportedProxyImage"),
            org.assertj.core.groups.Tuple.tuple("Progressing", "False", "UnsupportedProxyImage"),
            org.assertj.core.groups.Tuple.tuple("Degraded", "True", "UnsupportedProxyImage"));
    assertThat(status.condition("Degraded").orElseThrow().getMessage()).isEqualTo(problem);
    assertThat(status.condition("Ready").orElseThrow().getMessage()).isEqualTo("the spec cannot be applied: " + problem);
  }
}
