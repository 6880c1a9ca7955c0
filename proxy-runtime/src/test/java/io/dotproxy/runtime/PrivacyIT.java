package io.dotproxy.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.privacy.UpstreamQuery;
import io.dotproxy.runtime.testing.DigResult;
import io.dotproxy.runtime.testing.DnsClient;
import io.dotproxy.runtime.testing.FakeDotServer;
import io.dotproxy.runtime.testing.Issued;
import io.dotproxy.runtime.testing.Kdig;
import io.dotproxy.runtime.testing.RunningProxy;
import io.dotproxy.runtime.testing.TestPki;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.CookieOption;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** What a DoT upstream sees of the clients' queries: the bytes a recording upstream received. */
class PrivacyIT {

  @TempDir Path dir;
  private final List<byte[]> received = new CopyOnWriteArrayList<>();
  private final Issued certificate = TestPki.newCa().issue();
  private FakeDotServer upstream;

  @BeforeEach
  void startUpstream() {
    upstream = new FakeDotServer(certificate).behave(query -> {
      received.add(query.wire());
      query.answer();
    });
  }

  @AfterEach
  void stopUpstream() {
    upstream.close();
  }

  @Test
  void queriesArePaddedToBlocksOf128Bytes() throws Exception {
    try (RunningProxy proxy = proxy()) {
      List<String> names = List.of("a.test.", "n12345.test.",
          "a-rather-longer-label-than-usual.and-another-one.test.",
          "x".repeat(63) + "." + "y".repeat(63) + "." + "z".repeat(40) + ".test.");
      for (String name : names) {
        Message plain = proxy.udp(DnsClient.query(name, Type.A));
        assertThat(plain.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(plain.getOPT()).as("no EDNS for a client that sent none").isNull();
        assertThat(proxy.tcp(DnsClient.queryWithEdns(name, Type.AAAA, 1232)).getOPT()).isNotNull();
      }
      // kdig pads its own query (for its own hop); the upstream hop gets padding of its own.
      DigResult padded = Kdig.against(proxy.address()).query("kdig-padded.test.", "A", "+padding");
      assertThat(padded.status()).as("%s", padded).isEqualTo("NOERROR");

      List<Message> sent = sentFor(names, "kdig-padded.test.");
      assertThat(sent).hasSize(names.size() * 2 + 1);
      for (byte[] wire : wires(names, "kdig-padded.test.")) {
        Message query = new Message(wire);
        assertThat(wire.length % 128).as("%s: %d bytes", query.getQuestion(), wire.length).isZero();
        assertThat(query.getOPT().getOptions(EDNSOption.Code.PADDING)).hasSize(1);
      }
    }
  }

  @Test
  void clientSubnetAndCookiesAreStrippedAndEndToEndOptionsPass() throws Exception {
    try (RunningProxy proxy = proxy()) {
      DigResult kdig = Kdig.against(proxy.address())
          .query("kdig-subnet.test.", "A", "+subnet=198.51.100.0/24", "+nsid");
      assertThat(kdig.status()).as("%s", kdig).isEqualTo("NOERROR");

      Message query = DnsClient.query("dnsjava-subnet.test.", Type.A);
      CookieOption cookie = new CookieOption(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
      query.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(
          new ClientSubnetOption(56, InetAddress.getByName("2001:db8:1234:5600::")), cookie)),
          Section.ADDITIONAL);
      assertThat(proxy.udp(query).getRcode()).isEqualTo(Rcode.NOERROR);

      OPTRecord fromKdig = sentFor(List.of("kdig-subnet.test.")).get(0).getOPT();
      assertThat(fromKdig.getOptions(EDNSOption.Code.CLIENT_SUBNET)).isEmpty();
      assertThat(fromKdig.getOptions(EDNSOption.Code.NSID)).hasSize(1);
      OPTRecord fromDnsjava = sentFor(List.of("dnsjava-subnet.test.")).get(0).getOPT();
      assertThat(fromDnsjava.getOptions(EDNSOption.Code.CLIENT_SUBNET)).isEmpty();
      assertThat(fromDnsjava.getOptions(EDNSOption.Code.COOKIE)).as("a client cookie is hop-by-hop").isEmpty();
    }
  }

  @Test
  void withPrivacyTurnedOffTheQueryLeavesAsTheClientSentItAskingForKeepalive() throws Exception {
    try (RunningProxy proxy = proxy("--edns-padding", "false", "--strip-client-subnet", "false")) {
      EDNSOption subnet = new ClientSubnetOption(24, InetAddress.getByName("198.51.100.0"));
      Message query = DnsClient.query("as-sent.test.", Type.A);
      query.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(subnet)), Section.ADDITIONAL);
      assertThat(proxy.udp(query).getRcode()).isEqualTo(Rcode.NOERROR);

      byte[] sent = wires(List.of("as-sent.test.")).get(0);
      Message expected = DnsClient.query("as-sent.test.", Type.A);
      expected.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(subnet, UpstreamQuery.KEEPALIVE_REQUEST)),
          Section.ADDITIONAL);
      byte[] asked = expected.toWire();
      // Byte for byte, except the ID the upstream connection assigns and the proxy's own (empty)
      // edns-tcp-keepalive option, which belongs to its connection (RFC 7828).
      assertThat(Arrays.copyOfRange(sent, 2, sent.length)).isEqualTo(Arrays.copyOfRange(asked, 2, asked.length));
    }
  }

  private RunningProxy proxy(String... extra) throws Exception {
    List<String> flags = new ArrayList<>(RunningProxy.upstreamFlags(upstream.address(), "dot.test",
        certificate.writePem(dir).caCertificate()));
    flags.addAll(List.of(extra));
    return RunningProxy.start(flags.toArray(String[]::new));
  }

  /** The queries the upstream received for these names (health probes and others left out). */
  private List<byte[]> wires(List<String> names, String... more) throws Exception {
    List<Name> wanted = new ArrayList<>();
    for (String name : names) {
      wanted.add(Name.fromString(name));
    }
    for (String name : more) {
      wanted.add(Name.fromString(name));
    }
    List<byte[]> wires = new ArrayList<>();
    for (byte[] wire : received) {
      if (wanted.contains(new Message(wire).getQuestion().getName())) {
        wires.add(wire);
      }
    }
    return wires;
  }

  private List<Message> sentFor(List<String> names, String... more) throws Exception {
    List<Message> messages = new ArrayList<>();
    for (byte[] wire : wires(names, more)) {
      messages.add(new Message(wire));
    }
    return messages;
  }
}
