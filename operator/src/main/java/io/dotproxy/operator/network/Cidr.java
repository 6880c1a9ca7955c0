package io.dotproxy.operator.network;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;

/**
 * An IP network such as {@code 10.96.0.0/12} or {@code fd00:10:244::/64}, as the API writes them in a
 * Node's {@code spec.podCIDRs} and a ServiceCIDR's {@code spec.cidrs}. Always aligned: the address has
 * no bits set past the prefix.
 */
public record Cidr(InetAddress network, int prefix) implements Comparable<Cidr> {


  /** IPv4 before IPv6, then by address, then the wider network first. */
  private static final Comparator<Cidr> ORDER = Comparator.comparing(Cidr::ipv6)
      .thenComparing(c -> c.network().getAddress(), Arrays::compareUnsigned)
      .thenComparingInt(Cidr::prefix);

  public Cidr {
    if (prefix < 0 || prefix > network.getAddress().length * 8) {
      throw new IllegalArgumentException("prefix /" + prefix + " does not fit " + network.getHostAddress());
    }
    network = masked(network.getAddress(), prefix);
  }

  /** The network of {@code prefix} bits that holds the address of these 4 or 16 bytes. */
  static Cidr of(byte[] address, int prefix) {
    return new Cidr(toAddress(address), prefix);
  }

  /** {@code ADDR/PREFIX}; empty for anything else (the caller skips what it cannot read). */
  public static Optional<Cidr> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    int slash = text.indexOf('/');
    if (slash < 0 || !text.substring(slash + 1).matches("\\d{1,3}")) {
      return Optional.empty();
    }
    return IpLiterals.parse(text.substring(0, slash)).flatMap(address -> {
      int prefix = Integer.parseInt(text.substring(slash + 1));
      return prefix <= address.getAddress().length * 8 ? Optional.of(new Cidr(address, prefix)) : Optional.empty();
    });
  }

  /** The network of {@code prefix} bits that holds the address {@code ip}; empty when {@code ip} is no address. */
  public static Optional<Cidr> around(String ip, int ipv4Prefix, int ipv6Prefix) {
    return IpLiterals.parse(ip).map(address -> new Cidr(address, address instanceof Inet6Address ? ipv6Prefix : ipv4Prefix));
  }

  public boolean ipv6() {
    return network instanceof Inet6Address;
  }

  /** This network, or the wider one of {@code atMost} bits that holds it. */
  public Cidr widenedTo(int atMost) {
    return atMost >= prefix ? this : new Cidr(network, atMost);
  }

  public boolean contains(Cidr other) {
    return other.ipv6() == ipv6() && other.prefix >= prefix && new Cidr(other.network, prefix).equals(this);
  }

  @Override
  public int compareTo(Cidr other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return network.getHostAddress() + "/" + prefix;
  }

  private static InetAddress masked(byte[] bytes, int prefix) {
    byte[] masked = bytes.clone();
    for (int bit = prefix; bit < masked.length * 8; bit++) {
      masked[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
    }
    return toAddress(masked);
  }

  private static InetAddress toAddress(byte[] bytes) {
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("4 or 16 bytes are always an address", e);
    }
  }
}
