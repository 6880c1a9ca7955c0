package io.dotproxy.runtime.ratelimit;

import java.net.InetAddress;

/**
 * The unit a client is limited as, written into the IPv6 address space as two 64-bit halves: an
 * IPv4 address is limited on its own (as {@code ::ffff:a.b.c.d}), an IPv6 address by its /64
 * network (low half zero), so the two families can never share a key.
 *
 * <p>Why a /64 for IPv6: a /64 is the smallest network handed to a link or a host (RFC 4291,
 * RFC 7421), and every host in it may use as many addresses as it likes (temporary addresses, RFC
 * 8981), so a single machine can send each query from a fresh address. Limiting per /128 would let
 * it escape the limit at will and fill the table; per /64 it is one client, as in dnsdist's
 * {@code MaxQPSIPRule} defaults (IPv4 /32, IPv6 /64).
 */
record ClientKey(long high, long low) {

  static final int IPV6_PREFIX_BITS = 64;
  private static final long IPV4_MAPPED_PREFIX = 0x0000_FFFF_0000_0000L;

  static ClientKey of(InetAddress address) {
    byte[] bytes = address.getAddress();
    if (bytes.length == 4) {
      return ipv4(bytes, 0);
    }
    if (isIpv4Mapped(bytes)) {
      // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d: still the same IPv4 client.
      return ipv4(bytes, 12);
    }
    return new ClientKey(readLong(bytes, 0), 0L);
  }

  private static ClientKey ipv4(byte[] bytes, int offset) {
    long address = ((bytes[offset] & 0xFFL) << 24) | ((bytes[offset + 1] & 0xFFL) << 16)
        | ((bytes[offset + 2] & 0xFFL) << 8) | (bytes[offset + 3] & 0xFFL);
    return new ClientKey(0L, IPV4_MAPPED_PREFIX | address);
  }

  private static boolean isIpv4Mapped(byte[] bytes) {
    for (int i = 0; i < 10; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return bytes[10] == (byte) 0xFF && bytes[11] == (byte) 0xFF;
  }

  private static long readLong(byte[] bytes, int offset) {
    long value = 0;
    for (int i = 0; i < 8; i++) {
      value = (value << 8) | (bytes[offset + i] & 0xFFL);
    }
    return value;
  }
}
