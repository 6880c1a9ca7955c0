package io.dotproxy.operator.coredns;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.testing.Corefiles;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NodeLocalDnsCacheTest {

  static final CoreDnsLocation KUBE_SYSTEM = CoreDnsLocation.kubeadmDefault();

  @Test
  void itIsLookedForNextToCoreDns() {
    assertThat(NodeLocalDnsCache.nextTo(new CoreDnsLocation("dns-system", "coredns")))
        .isEqualTo(new CoreDnsLocation("dns-system", "node-local-dns"));
  }

  @Test
  void withoutNodeLocalDnsCacheNothingStandsInTheWay() {
    assertThat(NodeLocalDnsCache.bypass(KUBE_SYSTEM, Optional.empty())).isEmpty();
  }

  @Test
  void theStockConfigurationSendsNamesOutsideTheClusterPastCoreDns() {
    assertThat(NodeLocalDnsCache.bypass(KUBE_SYSTEM, Optional.of(Corefiles.NODE_LOCAL_DNS))).hasValueSatisfying(m -> assertThat(m)
        .startsWith("NodeLocal DNSCache (ConfigMap kube-system/node-local-dns) answers names outside the cluster itself "
            + "(forward . __PILLAR__UPSTREAM__SERVERS__)")
        .contains("the patch would encrypt nothing")
        .contains("forward . __PILLAR__CLUSTER__DNS__")
        .contains("Sidecar mode")
        .endsWith("annotate ConfigMap kube-system/coredns dotproxy.io/patch=allow"));
  }

  @Test
  void aDefaultZoneForwardedToCoreDnsLetsThePatchTakeEffect() {
    assertThat(NodeLocalDnsCache.bypass(KUBE_SYSTEM, Optional.of(Corefiles.NODE_LOCAL_DNS_THROUGH_COREDNS))).isEmpty();
  }

  @Test
  void aDefaultZoneForwardedAnywhereElseIsABypass() {
    String toGoogle = Corefiles.NODE_LOCAL_DNS.replace("__PILLAR__UPSTREAM__SERVERS__", "8.8.8.8");

    assertThat(NodeLocalDnsCache.bypass(KUBE_SYSTEM, Optional.of(toGoogle))).hasValueSatisfying(m -> assertThat(m)
        .contains("(forward . 8.8.8.8)"));
  }

  @Test
  void aCacheOnlyForTheClusterDomainIsNoBypass() {
    String clusterOnly = Corefiles.NODE_LOCAL_DNS.substring(0, Corefiles.NODE_LOCAL_DNS.indexOf(".:53 {"));

    assertThat(NodeLocalDnsCache.bypass(KUBE_SYSTEM, Optional.of(clusterOnly))).isEmpty();
  }

  @Test
  void aCorefileThatCannotBeReadCountsAsABypassAndSaysWhy() {
    assertThat(NodeLocalDnsCache.bypass(KUBE_SYSTEM, Optional.of(".:53 { forward . 1.1.1.1 }\n"))).hasValueSatisfying(m -> assertThat(m)
        .startsWith("NodeLocal DNSCache (ConfigMap kube-system/node-local-dns) is installed and its Corefile cannot be read (line 1")
        .contains("cannot tell whether names outside the cluster reach CoreDNS"));
  }
}
