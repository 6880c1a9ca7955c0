package io.dotproxy.runtime.transport;

import java.net.Inet6Address;
import java.net.InetAddress;

/** What a client's address says about the client, whichever way the socket reported it. */
public final class ClientAddresses {

  private ClientAddresses() {}

  /**
   * Whether the client speaks IPv6. A dual-stack socket (bound to {@code [::]}) reports IPv4
   * clients as {@code ::ffff:a.b.c.d}; they are IPv4 clients all the same, as CoreDNS counts them.
   * Only IPv6 addresses are copied to look at, so IPv4 clients cost no allocation.
   */
  public static boolean isIpv6(InetAddress client) {
    return client instanceof Inet6Address && !isIpv4Mapped(client.getAddress());
  }

  /** Whether the 16 bytes are an IPv4-mapped IPv6 address ({@code ::ffff:0:0/96}, RFC 4291). */
  public static boolean isIpv4Mapped(byte[] bytes) {
    if (bytes.length != 16) {
      return false;
    }
    for (int i = 0; i < 10; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return bytes[10] == (byte) 0xFF && bytes[11] == (byte) 0xFF;
  }
}
