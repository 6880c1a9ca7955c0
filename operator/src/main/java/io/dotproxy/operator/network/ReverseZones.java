package io.dotproxy.operator.network;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * The reverse-lookup zones ({@code in-addr.arpa}, {@code ip6.arpa}) that cover IP networks. A reverse
 * name has one label per octet of an IPv4 address and one per nibble (4 bits) of an IPv6 address, so a
 * zone can only end at those boundaries: a network whose prefix falls between two is covered by the
 * zones one boundary further down, {@code 10.96.0.0/12} by {@code 96.10.in-addr.arpa} to
 * {@code 111.10.in-addr.arpa}.
 *
 * <p>That takes up to 128 zones for an IPv4 prefix just past a boundary ({@code /9}, {@code /17}); above
 * {@link #MAX_ZONES_PER_NETWORK} the one zone at the boundary above is used instead, which covers at most
 * eight times the network. An IPv6 network never needs more than eight.
 */
public final class ReverseZones {

  /** Up to a /12 spelled out in /16 zones, as kubeadm's default service range needs. */
  static final int MAX_ZONES_PER_NETWORK = 16;

  private ReverseZones() {}

  /**
   * The zones covering every network, without a zone that another one already covers, IPv4 first and
   * then by address: the same networks in any order give the same list.
   */
  public static List<String> covering(Collection<Cidr> networks) {
    TreeSet<Cidr> zones = new TreeSet<>();
    networks.forEach(network -> zones.addAll(zonesOf(network)));
    List<String> names = new ArrayList<>();
    Cidr kept = null;
    // Sorted by address and then wider first, so a covering zone comes right before what it covers.
    for (Cidr zone : zones) {
      if (kept == null || !kept.contains(zone)) {
        names.add(name(zone));
        kept = zone;
      }
    }
    return names;
  }

  /** The zones of one network, as networks on label boundaries. */
  static List<Cidr> zonesOf(Cidr network) {
    int step = network.ipv6() ? 4 : 8;
    int deeper = (network.prefix() + step - 1) / step * step;
    int zones = 1 << (deeper - network.prefix());
    if (zones == 1) {
      return List.of(network);
    }
    if (zones > MAX_ZONES_PER_NETWORK) {
      return List.of(network.widenedTo(deeper - step));
    }
    List<Cidr> result = new ArrayList<>();
    byte[] first = network.network().getAddress();
    // The zones differ in the bits from the prefix to the boundary, the last bits of one octet: an
    // octet or nibble step never spans two octets.
    int lastBit = deeper - 1;
    for (int i = 0; i < zones; i++) {
      byte[] address = first.clone();
      address[lastBit / 8] |= (byte) (i << (7 - lastBit % 8));
      result.add(Cidr.of(address, deeper));
    }
    return result;
  }

  /** The zone's name, e.g. {@code 96.10.in-addr.arpa} or {@code 4.4.2.0.0.1.0.0.0.0.d.f.ip6.arpa}. */
  static String name(Cidr zone) {
    byte[] address = zone.network().getAddress();
    StringBuilder name = new StringBuilder();
    if (zone.ipv6()) {
      for (int nibble = zone.prefix() / 4 - 1; nibble >= 0; nibble--) {
        int value = (address[nibble / 2] >> (nibble % 2 == 0 ? 4 : 0)) & 0xf;
        name.append(Character.forDigit(value, 16)).append('.');
      }
      return name.append("ip6.arpa").toString();
    }
    for (int octet = zone.prefix() / 8 - 1; octet >= 0; octet--) {
      name.append(address[octet] & 0xff).append('.');
    }
    return name.append("in-addr.arpa").toString();
  }
}
