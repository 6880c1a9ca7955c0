package io.dotproxy.operator.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class IpFamiliesTest {

  @Test
  void namesAsKubernetesWritesThem() {
    assertThat(IpFamilies.parse("IPv4")).isEqualTo(IpFamilies.IPV4);
    assertThat(IpFamilies.parse("ipv6")).isEqualTo(new IpFamilies(false, true));
    assertThat(IpFamilies.parse("IPv6, IPv4")).isEqualTo(IpFamilies.DUAL_STACK).hasToString("IPv4,IPv6");
    assertThatThrownBy(() -> IpFamilies.parse("dual")).hasMessageContaining("is not IPv4, IPv6 or IPv4,IPv6");
    assertThatThrownBy(() -> IpFamilies.parse("")).hasMessageContaining("is not IPv4, IPv6 or IPv4,IPv6");
  }

  @Test
  void fromAPodsAddressesAsTheDownwardApiGivesThem() {
    assertThat(IpFamilies.ofAddresses("10.244.1.7")).contains(IpFamilies.IPV4);
    assertThat(IpFamilies.ofAddresses("10.244.1.7,fd00:10:244:1::7")).contains(IpFamilies.DUAL_STACK);
    assertThat(IpFamilies.ofAddresses("fd00:10:244:1::7")).contains(new IpFamilies(false, true));
    assertThat(IpFamilies.ofAddresses("")).isEmpty();
    assertThat(IpFamilies.ofAddresses("pending")).as("never looked up").isEqualTo(Optional.empty());
  }
}
