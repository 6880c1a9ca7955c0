package io.dotproxy.operator.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ReverseZonesTest {

  static List<String> covering(String... cidrs) {
    return ReverseZones.covering(List.of(cidrs).stream().map(c -> Cidr.parse(c).orElseThrow()).toList());
  }

  @Test
  void anIpv4NetworkOnAnOctetBoundaryIsOneZone() {
    assertThat(covering("10.0.0.0/8")).containsExactly("10.in-addr.arpa");
    assertThat(covering("10.244.0.0/16")).containsExactly("244.10.in-addr.arpa");
    assertThat(covering("192.168.7.0/24")).containsExactly("7.168.192.in-addr.arpa");
    assertThat(covering("10.1.2.3/32")).containsExactly("3.2.1.10.in-addr.arpa");
    assertThat(covering("0.0.0.0/0")).containsExactly("in-addr.arpa");
  }

  @Test
  void anIpv4NetworkBetweenBoundariesIsTheZonesOfTheNextOctetThatCoverItExactly() {
    // kubeadm's default service range.
    assertThat(covering("10.96.0.0/12")).containsExactlyElementsOf(
        IntStream.rangeClosed(96, 111).mapToObj(octet -> octet + ".10.in-addr.arpa").toList());
    assertThat(covering("172.16.0.0/12")).hasSize(16).startsWith("16.172.in-addr.arpa").endsWith("31.172.in-addr.arpa");
    assertThat(covering("10.0.0.0/23")).containsExactly("0.0.10.in-addr.arpa", "1.0.10.in-addr.arpa");
    assertThat(covering("10.0.2.0/23")).containsExactly("2.0.10.in-addr.arpa", "3.0.10.in-addr.arpa");
  }

  @Test
  void moreThanSixteenZonesForOneNetworkBecomeTheOneZoneAboveIt() {
    assertThat(covering("10.0.0.0/11")).as("32 zones of /16").containsExactly("10.in-addr.arpa");
    assertThat(covering("100.64.0.0/10")).as("64 zones").containsExactly("100.in-addr.arpa");
    assertThat(covering("10.96.0.0/17")).as("128 zones of /24").containsExactly("96.10.in-addr.arpa");
    assertThat(covering("10.96.0.0/20")).as("16 zones of /24").hasSize(16);
  }

  @Test
  void ipv6ZonesEndOnNibbles() {
    assertThat(covering("fd00::/8")).containsExactly("d.f.ip6.arpa");
    assertThat(covering("fd00:10:244::/48")).containsExactly("4.4.2.0.0.1.0.0.0.0.d.f.ip6.arpa");
    assertThat(covering("fd00:10:96::/108")).containsExactly(
        "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa");
    assertThat(covering("2001:db8::/30")).containsExactly(
        "8.b.d.0.1.0.0.2.ip6.arpa", "9.b.d.0.1.0.0.2.ip6.arpa", "a.b.d.0.1.0.0.2.ip6.arpa", "b.b.d.0.1.0.0.2.ip6.arpa");
    assertThat(covering("fd00:10:244:2::/63")).as("one nibble split in two").containsExactly(
        "2.0.0.0.4.4.2.0.0.1.0.0.0.0.d.f.ip6.arpa", "3.0.0.0.4.4.2.0.0.1.0.0.0.0.d.f.ip6.arpa");
    assertThat(covering("fd00:10:244::/61")).as("eight zones at most").hasSize(8);
  }

  @Test
  void zonesCoveredByAnotherAreLeftOutAndTheOrderDoesNotDependOnTheInput() {
    List<String> zones = covering("fd00:10:244::/48", "10.244.3.0/24", "10.0.0.0/8", "10.244.0.0/16", "192.168.0.0/16");
    assertThat(zones).containsExactly("10.in-addr.arpa", "168.192.in-addr.arpa", "4.4.2.0.0.1.0.0.0.0.d.f.ip6.arpa");
    assertThat(covering("192.168.0.0/16", "10.0.0.0/8", "fd00:10:244::/48", "10.244.3.0/24")).isEqualTo(zones);
    assertThat(covering("10.96.0.0/12", "10.96.0.0/12")).hasSize(16);
  }
}
