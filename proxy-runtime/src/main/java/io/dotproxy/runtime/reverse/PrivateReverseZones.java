package io.dotproxy.runtime.reverse;

import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.PlainQuery;
import io.dotproxy.runtime.dns.Resolver;
import io.dotproxy.runtime.dns.WireResolver;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Reverse lookups of private and special-use addresses answered here, as RFC 6303 asks of every
 * resolver: a PTR query for 10.1.2.3 or fd00::1 means nothing to a public resolver, and sending it
 * there tells the upstream operator which private addresses this network talks to (and loads the
 * AS112 servers that exist only to absorb such leaks). The answer is the empty zone RFC 6303
 * section 3 describes: NXDOMAIN below the apex, NODATA at it, its SOA and NS at the apex.
 *
 * <p>Sits behind the forward zones: a forward zone that covers one of these zones (a corporate DNS
 * server for {@code 10.in-addr.arpa}, the cluster DNS for the pod range) gets those queries instead.
 */
public final class PrivateReverseZones implements Resolver, WireResolver {

  /** What the query log names as the answerer. */
  public static final String ANSWERED_BY = "local";

  /**
   * The reverse zones of IANA's locally-served DNS zones registry: RFC 6303 section 4 and RFC
   * 6598's shared address space.
   */
  static final List<String> ZONES = zones();

  /** TTL of the SOA, so negative answers are cached for 5 minutes at most. */
  private static final long TTL = 300;
  private static final Name MNAME = Name.fromConstantString("localhost.");
  private static final Name RNAME = Name.fromConstantString("nobody.invalid.");

  private final Resolver next;
  private final Set<Name> zones = new HashSet<>();
  private final int maxLabels;

  public PrivateReverseZones(Resolver next) {
    this.next = next;
    int deepest = 0;
    for (String zone : ZONES) {
      Name name = Name.fromConstantString(zone);
      zones.add(name);
      deepest = Math.max(deepest, name.labels());
    }
    this.maxLabels = deepest;
  }

  @Override
  public CompletableFuture<Message> resolve(ClientQuery query, EventLoop loop) {
    Record question = query.question();
    Name zone = question.getDClass() == DClass.IN ? zoneOf(question.getName()) : null;
    if (zone == null) {
      return next.resolve(query, loop);
    }
    query.trace().answeredBy(ANSWERED_BY);
    return CompletableFuture.completedFuture(answer(query, zone));
  }

  /** Names in these zones are answered here, from messages; the rest go on as bytes if they can. */
  @Override
  public CompletableFuture<byte[]> resolveWire(Name name, byte[] packet, PlainQuery query,
      EventLoop loop) {
    if (query.dclass() == DClass.IN && zoneOf(name) != null || !(next instanceof WireResolver wire)) {
      return null;
    }
    return wire.resolveWire(name, packet, query, loop);
  }

  /** The private reverse zone {@code name} is at or below, or null. */
  Name zoneOf(Name name) {
    int labels = name.labels();
    for (int strip = Math.max(0, labels - maxLabels); strip < labels; strip++) {
      Name suffix = strip == 0 ? name : new Name(name, strip);
      if (zones.contains(suffix)) {
        return suffix;
      }
    }
    return null;
  }

  private static Message answer(ClientQuery query, Name zone) {
    Record question = query.question();
    Message answer = new Message(query.id());
    answer.getHeader().setFlag(Flags.QR);
    answer.getHeader().setFlag(Flags.AA);
    answer.getHeader().setFlag(Flags.RA);
    answer.addRecord(question, Section.QUESTION);
    SOARecord soa = new SOARecord(zone, DClass.IN, TTL, MNAME, RNAME, 1, 604800, 86400, 2419200, TTL);
    boolean apex = question.getName().equals(zone);
    int type = question.getType();
    if (apex && (type == Type.SOA || type == Type.ANY)) {
      answer.addRecord(soa, Section.ANSWER);
    } else if (apex && type == Type.NS) {
      answer.addRecord(new NSRecord(zone, DClass.IN, TTL, MNAME), Section.ANSWER);
    } else {
      answer.getHeader().setRcode(apex ? Rcode.NOERROR : Rcode.NXDOMAIN);
      answer.addRecord(soa, Section.AUTHORITY);
    }
    return answer;
  }

  private static List<String> zones() {
    List<String> zones = new ArrayList<>(List.of(
        "10.in-addr.arpa.", // RFC 1918
        "168.192.in-addr.arpa.",
        "0.in-addr.arpa.", // RFC 1122 "this network"
        "127.in-addr.arpa.", // loopback
        "254.169.in-addr.arpa.", // RFC 3927 link-local
        "2.0.192.in-addr.arpa.", // RFC 5737 documentation
        "100.51.198.in-addr.arpa.",
        "113.0.203.in-addr.arpa.",
        "255.255.255.255.in-addr.arpa.", // broadcast
        "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.", // ::
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.", // ::1
        "d.f.ip6.arpa.", // RFC 4193 unique local fd00::/8
        "8.e.f.ip6.arpa.", // RFC 4291 link-local fe80::/10
        "9.e.f.ip6.arpa.",
        "a.e.f.ip6.arpa.",
        "b.e.f.ip6.arpa.",
        "8.b.d.0.1.0.0.2.ip6.arpa.")); // RFC 3849 documentation
    for (int octet = 16; octet <= 31; octet++) {
      zones.add(octet + ".172.in-addr.arpa."); // RFC 1918 172.16/12
    }
    for (int octet = 64; octet <= 127; octet++) {
      zones.add(octet + ".100.in-addr.arpa."); // RFC 6598 shared address space 100.64/10
    }
    return List.copyOf(zones);
  }
}
