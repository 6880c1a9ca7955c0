package io.dotproxy.operator.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.sidecar.ClusterCapabilities.Version;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ClusterRangesTest {

  static final List<String> KUBEADM_SERVICE_ZONES =
      IntStream.rangeClosed(96, 111).mapToObj(octet -> octet + ".10.in-addr.arpa").toList();

  @Test
  void withoutServiceCidrsTheServiceRangeIsTheWidestTheApiServerAllowsAroundTheClusterDnsIp() {
    ClusterRanges ranges = ClusterRanges.of(List.of(), List.of("10.96.0.10"), List.of());

    assertThat(ranges.services()).extracting(Cidr::toString).containsExactly("10.96.0.0/12");
    assertThat(ranges.reverseZones()).isEqualTo(KUBEADM_SERVICE_ZONES);
    // A service range of 10.100.0.0/16 lies inside the /12 around any IP it hands out.
    assertThat(ClusterRanges.of(List.of(), List.of("10.100.200.10"), List.of()).reverseZones())
        .isEqualTo(KUBEADM_SERVICE_ZONES);
    assertThat(ClusterRanges.of(List.of(), List.of("fd00:10:96::a"), List.of()).services())
        .extracting(Cidr::toString).containsExactly("fd00:10:96:0:0:0:0:0/108");
  }

  @Test
  void serviceCidrsWhereTheApiHasThemWin() {
    ClusterRanges ranges = ClusterRanges.of(List.of("10.0.0.0/24", "fd00:10:96::/112"), List.of("10.0.0.10"), List.of());

    assertThat(ranges.reverseZones()).containsExactly(
        "0.0.10.in-addr.arpa", "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa");
  }

  @Test
  void nodePodRangesAreWidenedToTheirSixteenOrFortyEightSoNodesComingAndGoingChangeNothing() {
    List<String> oneNode = ClusterRanges.of(List.of(), List.of("10.96.0.10"),
        List.of("10.244.0.0/24", "fd00:10:244::/64")).reverseZones();
    List<String> threeNodes = ClusterRanges.of(List.of(), List.of("10.96.0.10"),
        List.of("10.244.0.0/24", "fd00:10:244::/64", "10.244.1.0/24", "fd00:10:244:1::/64", "10.244.2.0/24")).reverseZones();

    assertThat(oneNode).isEqualTo(threeNodes);
    assertThat(oneNode).endsWith("244.10.in-addr.arpa", "4.4.2.0.0.1.0.0.0.0.d.f.ip6.arpa").hasSize(18);
  }

  @Test
  void serviceCidrsAreReadFrom133WhereTheyAreGaAndAlwaysServed() {
    assertThat(ClusterRanges.servedOn(Version.parse("1", "32"))).as("beta and off by default").isFalse();
    assertThat(ClusterRanges.servedOn(Version.parse("1", "33"))).isTrue();
    assertThat(ClusterRanges.servedOn(Version.parse("1", "34+"))).isTrue();
    assertThat(ClusterRanges.servedOn(Version.parse("1", "20"))).isFalse();
    assertThat(ClusterRanges.servedOn(Optional.empty())).isFalse();
  }

  @Test
  void whatCannotBeReadIsLeftOut() {
    ClusterRanges ranges = ClusterRanges.of(List.of("none"), List.of("None", ""), List.of("10.244.0.0", "10.244.0.0/33", "x/8"));

    assertThat(ranges.services()).isEmpty();
    assertThat(ranges.pods()).isEmpty();
    assertThat(ranges.reverseZones()).isEmpty();
  }
}
