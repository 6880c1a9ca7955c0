package io.dotproxy.operator.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.model.CoreDnsState;
import io.dotproxy.operator.model.CoreDnsStatus;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.DnsOverTlsProxyStatus;
import io.dotproxy.operator.testing.TestProxies;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which status changes become which Events. */
class ProxyEventsTest {

  final List<String> recorded = new ArrayList<>();
  final ProxyEvents events = new ProxyEvents(new EventRecorder(null, java.time.Clock.systemUTC()) {
    @Override
    public void normal(HasMetadata object, String reason, String message) {
      recorded.add("Normal " + reason + ": " + message);
    }

    @Override
    public void warning(HasMetadata object, String reason, String message) {
      recorded.add("Warning " + reason + ": " + message);
    }
  });
  final DnsOverTlsProxy proxy = TestProxies.quad9("dns", "edge");

  static DnsOverTlsProxyStatus status(String ready, String reason, String degraded, String degradedReason, CoreDnsState coreDns) {
    DnsOverTlsProxyStatus status = new DnsOverTlsProxyStatus();
    status.setConditions(List.of(
        new ConditionBuilder().withType("Ready").withStatus(ready).withReason(reason).withMessage(reason + " message").build(),
        new ConditionBuilder().withType("Degraded").withStatus(degraded).withReason(degradedReason)
            .withMessage(degradedReason + " message").build()));
    status.setCoreDNS(new CoreDnsStatus(coreDns, "coredns " + coreDns));
    return status;
  }

  @Test
  void readyAndNotReadyWithTheirReasonsAndNothingWhileNothingChanges() {
    DnsOverTlsProxyStatus starting = status("False", "ConfigNotRendered", "False", "AsExpected", CoreDnsState.DISABLED);
    DnsOverTlsProxyStatus waiting = status("False", "ProxiesNotReady", "False", "AsExpected", CoreDnsState.DISABLED);
    DnsOverTlsProxyStatus ready = status("True", "ProxiesReady", "False", "AsExpected", CoreDnsState.DISABLED);

    events.statusChanged(proxy, null, starting);
    events.statusChanged(proxy, starting, waiting);
    events.statusChanged(proxy, waiting, waiting);
    events.statusChanged(proxy, waiting, ready);
    events.statusChanged(proxy, ready, ready);

    assertThat(recorded).containsExactly(
        "Warning ProxiesNotReady: ProxiesNotReady message",
        "Normal ProxiesReady: ProxiesReady message");
  }

  @Test
  void anInvalidSpecIsOneWarningNotTwo() {
    events.statusChanged(proxy, null, status("False", "InvalidSpec", "True", "InvalidSpec", CoreDnsState.DISABLED));

    assertThat(recorded).containsExactly("Warning InvalidSpec: InvalidSpec message");
  }

  @Test
  void degradedIsAWarningWithItsReason() {
    DnsOverTlsProxyStatus ready = status("True", "ProxiesReady", "False", "AsExpected", CoreDnsState.DISABLED);
    events.statusChanged(proxy, ready, status("True", "ProxiesReady", "True", "PodsWithoutProxy", CoreDnsState.DISABLED));

    assertThat(recorded).containsExactly("Warning Degraded: PodsWithoutProxy: PodsWithoutProxy message");
  }

  @Test
  void theCoreDnsPatchIsRecordedWhenAppliedRefusedAndReverted() {
    DnsOverTlsProxyStatus pending = status("False", "CoreDNSPending", "False", "AsExpected", CoreDnsState.PENDING);
    DnsOverTlsProxyStatus patched = status("True", "ProxiesReady", "False", "AsExpected", CoreDnsState.PATCHED);
    DnsOverTlsProxyStatus reverting = status("True", "ProxiesReady", "False", "AsExpected", CoreDnsState.REVERTING);
    DnsOverTlsProxyStatus disabled = status("True", "ProxiesReady", "False", "AsExpected", CoreDnsState.DISABLED);
    disabled.getCoreDNS().setMessage(null); // as the operator writes it
    DnsOverTlsProxyStatus refused = status("False", "CoreDNSPatchRefused", "False", "AsExpected", CoreDnsState.REFUSED);

    events.statusChanged(proxy, pending, patched);
    events.statusChanged(proxy, patched, reverting);
    events.statusChanged(proxy, reverting, disabled);
    recorded.removeIf(e -> e.startsWith("Normal ProxiesReady"));
    events.statusChanged(proxy, disabled, refused);

    assertThat(recorded).containsExactly(
        "Normal CoreDNSPatched: coredns PATCHED",
        "Normal CoreDNSReverted: CoreDNS no longer forwards to this fleet",
        "Warning CoreDNSPatchRefused: coredns REFUSED");
  }
}
