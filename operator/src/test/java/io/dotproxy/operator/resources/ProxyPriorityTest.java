package io.dotproxy.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.DnsOverTlsProxyStatus;
import io.dotproxy.operator.model.Placement;
import io.dotproxy.operator.model.PriorityClassStatus;
import io.dotproxy.operator.testing.TestProxies;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class ProxyPriorityTest {

  /** What the v1.20 API server answers where ResourceQuota admission limits the class (seen on the real one). */
  static final String QUOTA_REFUSAL = "Error creating: insufficient quota to match these scopes:"
      + " [{PriorityClass In [system-node-critical system-cluster-critical]}]";

  @Test
  void systemNodeCriticalByDefault() {
    DnsOverTlsProxy proxy = TestProxies.quad9("dns", "edge");

    assertThat(ProxyPriority.decide(proxy, Optional.of(complete("system-node-critical")), never()))
        .isEqualTo(new PriorityClassStatus("system-node-critical", null, null));
    assertThat(ProxyDaemonSetFactory.desired(proxy, "img", FleetCapabilities.CURRENT).getSpec().getTemplate().getSpec()
        .getPriorityClassName()).isEqualTo("system-node-critical");
  }

  @Test
  void theDefaultRefusedFallsBackToNoneSaysWhyAndStaysThere() {
    DnsOverTlsProxy proxy = TestProxies.quad9("dns", "edge");

    PriorityClassStatus fallback = ProxyPriority.decide(proxy, Optional.of(neverCreated("system-node-critical")),
        () -> Optional.of(QUOTA_REFUSAL));

    assertThat(fallback.getName()).isEmpty();
    assertThat(fallback.getDefaultRefused()).isTrue();
    assertThat(fallback.getMessage()).contains("system-node-critical is refused in namespace dns", QUOTA_REFUSAL,
        "spec.placement.priorityClassName: system-node-critical");
    assertThat(ProxyPriority.forPods(proxy, Optional.of(fallback))).isNull();

    proxy.setStatus(new DnsOverTlsProxyStatus());
    proxy.getStatus().setPriorityClass(fallback);
    assertThat(ProxyPriority.decide(proxy, Optional.of(complete(null)), never())).as("sticky").isEqualTo(fallback);
    assertThat(ProxyDaemonSetFactory.desired(proxy, "img", FleetCapabilities.CURRENT).getSpec().getTemplate().getSpec()
        .getPriorityClassName()).isNull();
  }

  @Test
  void otherRefusalsAndFleetsWithEveryPodDoNotFallBack() {
    DnsOverTlsProxy proxy = TestProxies.quad9("dns", "edge");
    AtomicInteger lookups = new AtomicInteger();

    assertThat(ProxyPriority.decide(proxy, Optional.of(neverCreated("system-node-critical")),
        () -> Optional.of("Error creating: pods \"x\" is forbidden: exceeded quota: pods, requested: pods=1")).getName())
        .isEqualTo("system-node-critical");
    assertThat(ProxyPriority.decide(proxy, Optional.of(complete("system-node-critical")), () -> {
      lookups.incrementAndGet();
      return Optional.of(QUOTA_REFUSAL);
    }).getName()).as("an old event while every pod exists").isEqualTo("system-node-critical");
    assertThat(lookups).as("events are read only while pods are missing").hasValue(0);
  }

  @Test
  void anExplicitClassIsUsedAsItIsAndARefusalOfItIsReported() {
    DnsOverTlsProxy proxy = withClass("tenant-high");
    PriorityClassStatus refused = ProxyPriority.decide(proxy, Optional.of(neverCreated("tenant-high")),
        () -> Optional.of("Error creating: pods \"x\" is forbidden: no PriorityClass with name tenant-high was found"));

    assertThat(refused.getName()).isEqualTo("tenant-high");
    assertThat(refused.getDefaultRefused()).isNull();
    assertThat(refused.getMessage()).contains("no PriorityClass with name tenant-high");
    assertThat(ProxyPriority.forPods(proxy, Optional.of(refused))).isEqualTo("tenant-high");

    DnsOverTlsProxy none = withClass("");
    assertThat(ProxyPriority.decide(none, Optional.of(neverCreated(null)), never()).getName()).isEmpty();
    assertThat(ProxyDaemonSetFactory.desired(none, "img", FleetCapabilities.CURRENT).getSpec().getTemplate().getSpec()
        .getPriorityClassName()).isNull();
  }

  private static DnsOverTlsProxy withClass(String name) {
    DnsOverTlsProxy proxy = TestProxies.quad9("dns", "edge");
    Placement placement = new Placement();
    placement.setPriorityClassName(name);
    proxy.getSpec().setPlacement(placement);
    return proxy;
  }

  private static Supplier<Optional<String>> never() {
    return () -> {
      throw new AssertionError("events read although no pod is missing");
    };
  }

  private static DaemonSet complete(String priorityClass) {
    return daemonSet(priorityClass).editStatus().withObservedGeneration(1L).withDesiredNumberScheduled(3)
        .withCurrentNumberScheduled(3).endStatus().build();
  }

  /** What the v1.20 DaemonSet controller leaves when every pod creation fails: no status at all. */
  private static DaemonSet neverCreated(String priorityClass) {
    return daemonSet(priorityClass).build();
  }

  private static DaemonSetBuilder daemonSet(String priorityClass) {
    return new DaemonSetBuilder()
        .withNewMetadata().withName("dotproxy-edge").withNamespace("dns").withGeneration(1L).endMetadata()
        .withNewSpec().withNewTemplate().withNewSpec().withPriorityClassName(priorityClass).endSpec().endTemplate().endSpec()
        .withNewStatus().endStatus();
  }
}
