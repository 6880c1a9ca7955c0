package io.dotproxy.runtime.reverse;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.DecodedQuery;
import io.dotproxy.runtime.dns.QueryDecoder;
import io.dotproxy.runtime.dns.Resolver;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** RFC 6303: reverse lookups of private and special-use addresses never leave the proxy. */
class PrivateReverseZonesTest {

  private final List<Name> passedOn = new ArrayList<>();
  private final Resolver upstreams = (query, loop) -> {
    passedOn.add(query.question().getName());
    return CompletableFuture.completedFuture(new Message(query.id()));
  };
  private final PrivateReverseZones zones = new PrivateReverseZones(upstreams);

  @Test
  void privateAndSpecialUseAddressesAreNxdomainWithTheZonesSoa() throws Exception {
    String[][] cases = {
        {"10.1.2.3", "10.in-addr.arpa."},
        {"172.16.0.1", "16.172.in-addr.arpa."},
        {"172.31.255.254", "31.172.in-addr.arpa."},
        {"192.168.1.1", "168.192.in-addr.arpa."},
        {"100.64.0.1", "64.100.in-addr.arpa."},
        {"169.254.1.1", "254.169.in-addr.arpa."},
        {"127.0.0.1", "127.in-addr.arpa."},
        {"fd12:3456::1", "d.f.ip6.arpa."},
        {"fe80::1", "8.e.f.ip6.arpa."},
        {"2001:db8::1", "8.b.d.0.1.0.0.2.ip6.arpa."},
    };
    for (String[] c : cases) {
      Message answer = ask(ReverseMap.fromAddress(c[0]), Type.PTR);
      assertThat(answer.getRcode()).as(c[0]).isEqualTo(Rcode.NXDOMAIN);
      assertThat(answer.getSection(Section.AUTHORITY)).as(c[0]).singleElement()
          .isInstanceOfSatisfying(SOARecord.class, soa -> assertThat(soa.getName()).hasToString(c[1]));
    }
    assertThat(passedOn).isEmpty();
  }

  @Test
  void publicAddressesAndOtherNamesGoToTheUpstreams() throws Exception {
    for (String address : List.of("8.8.8.8", "172.32.0.1", "172.15.0.1", "100.128.0.1", "192.169.0.1",
        "2606:4700::1111", "fc00::1")) {
      ask(ReverseMap.fromAddress(address), Type.PTR);
    }
    ask(Name.fromConstantString("example.com."), Type.A);
    ask(Name.fromConstantString("10.in-addr.arpa.example."), Type.A);
    assertThat(passedOn).hasSize(9);
  }

  @Test
  void theApexHasItsSoaAndNsAndNoOtherData() throws Exception {
    Name apex = Name.fromConstantString("168.192.IN-ADDR.ARPA.");
    Message soa = ask(apex, Type.SOA);
    assertThat(soa.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(soa.getSection(Section.ANSWER)).singleElement().isInstanceOf(SOARecord.class);
    assertThat(ask(apex, Type.NS).getSection(Section.ANSWER)).singleElement()
        .satisfies(ns -> assertThat(ns.rdataToString()).isEqualTo("localhost."));
    Message noData = ask(apex, Type.A);
    assertThat(noData.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(noData.getSection(Section.ANSWER)).isEmpty();
    assertThat(noData.getSection(Section.AUTHORITY)).singleElement().isInstanceOf(SOARecord.class);

    // ::1's zone is the one name itself (RFC 6303 section 4.3): its PTR is NODATA.
    Message loopback = ask(ReverseMap.fromAddress("::1"), Type.PTR);
    assertThat(loopback.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(loopback.getSection(Section.AUTHORITY)).singleElement().isInstanceOf(SOARecord.class);
    assertThat(passedOn).isEmpty();
  }

  private Message ask(Name name, int type) throws Exception {
    Message query = Message.newQuery(Record.newRecord(name, type, DClass.IN));
    ClientQuery decoded = ((DecodedQuery.Resolve) QueryDecoder.decode(ByteBuffer.wrap(query.toWire()), true)).query();
    return zones.resolve(decoded, null).get();
  }
}
