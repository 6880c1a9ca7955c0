package io.dotproxy.operator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.PodDNSConfigBuilder;
import io.fabric8.kubernetes.api.model.PodDNSConfigOption;
import org.junit.jupiter.api.Test;

class PodDnsSettingsTest {

  static final ClusterCapabilities CURRENT = new ClusterCapabilities(true, 32, 2048);
  static final ClusterCapabilities OLD = new ClusterCapabilities(false, 6, 256);

  @Test
  void clusterFirstGetsWhatTheKubeletWouldWriteWithTheProxyAsNameserver() {
    PodDnsSettings.Result result = PodDnsSettings.of(null, null, "shop", "cluster.local", CURRENT);

    assertThat(result.dnsConfig().getNameservers()).containsExactly("127.0.0.1");
    assertThat(result.dnsConfig().getSearches()).containsExactly("shop.svc.cluster.local", "svc.cluster.local", "cluster.local");
    assertThat(result.dnsConfig().getOptions()).extracting(PodDNSConfigOption::getName, PodDNSConfigOption::getValue)
        .containsExactly(tuple("ndots", "5"));
    assertThat(result.warnings()).isEmpty();
  }

  @Test
  void defaultAndNonePoliciesKeepTheirOwnSearchesWithoutTheClusterList() {
    var own = new PodDNSConfigBuilder().withSearches("corp.example").addNewOption().withName("timeout").withValue("1").endOption()
        .withNameservers("192.0.2.53").build();

    for (String policy : new String[] {"Default", "None"}) {
      PodDnsSettings.Result result = PodDnsSettings.of(policy, own, "shop", "cluster.local", CURRENT);

      assertThat(result.dnsConfig().getNameservers()).as(policy).containsExactly("127.0.0.1");
      assertThat(result.dnsConfig().getSearches()).as(policy).containsExactly("corp.example");
      assertThat(result.dnsConfig().getOptions()).as(policy).extracting(PodDNSConfigOption::getName).containsExactly("timeout");
      assertThat(result.warnings()).as(policy).singleElement().asString().contains("192.0.2.53");
    }
  }

  @Test
  void aSearchListOverTheApiServersLimitIsShortenedWithAWarning() {
    var own = new PodDNSConfigBuilder().withSearches("a.example", "b.example", "c.example", "d.example").build();

    PodDnsSettings.Result result = PodDnsSettings.of("ClusterFirst", own, "shop", "cluster.local", OLD);

    assertThat(result.dnsConfig().getSearches())
        .containsExactly("shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "a.example", "b.example", "c.example");
    assertThat(result.warnings()).singleElement().asString().contains("shortened to 6");
  }
}
