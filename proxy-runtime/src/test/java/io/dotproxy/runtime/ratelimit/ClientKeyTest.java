package io.dotproxy.runtime.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class ClientKeyTest {

  @Test
  void everyIpv4AddressIsItsOwnClient() throws Exception {
    assertThat(key("192.0.2.1")).isNotEqualTo(key("192.0.2.2"));
    assertThat(key("192.0.2.1")).isNotEqualTo(key("198.51.100.1"));
    assertThat(key("192.0.2.1")).isEqualTo(key("192.0.2.1"));
  }

  @Test
  void ipv6AddressesInOneSlash64AreOneClient() throws Exception {
    assertThat(key("2001:db8:1:2::1")).isEqualTo(key("2001:db8:1:2:ffff:ffff:ffff:ffff"));
    assertThat(key("2001:db8:1:2::1")).isEqualTo(key("2001:db8:1:2:a1b2:c3d4:e5f6:789"));
  }

  @Test
  void differentSlash64sAreDifferentClients() throws Exception {
    assertThat(key("2001:db8:1:2::1")).isNotEqualTo(key("2001:db8:1:3::1"));
    assertThat(key("2001:db8:1:2::1")).isNotEqualTo(key("2001:db9:1:2::1"));
  }

  @Test
  void ipv4MappedIpv6IsTheSameIpv4Client() throws Exception {
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xFF;
    mapped[11] = (byte) 0xFF;
    mapped[12] = (byte) 192;
    mapped[13] = 0;
    mapped[14] = 2;
    mapped[15] = 7;
    // getByAddress would turn the mapped form into an Inet4Address; keep it IPv6 as a socket may.
    InetAddress asIpv6 = java.net.Inet6Address.getByAddress(null, mapped, -1);
    assertThat(ClientKey.of(asIpv6)).isEqualTo(key("192.0.2.7"));
    assertThat(ClientKey.of(asIpv6)).isNotEqualTo(key("192.0.2.8"));
  }

  @Test
  void ipv4NeverSharesAKeyWithIpv6() throws Exception {
    // ::/64 holds ::1 and the IPv4-compatible forms; none of them may collide with IPv4 clients.
    assertThat(key("::1")).isNotEqualTo(key("0.0.0.1"));
    assertThat(key("::")).isNotEqualTo(key("0.0.0.0"));
    assertThat(key("::1").low()).isZero();
    assertThat(key("127.0.0.1").high()).isZero();
  }

  private static ClientKey key(String address) throws Exception {
    return ClientKey.of(InetAddress.getByName(address));
  }
}
