package io.dotproxy.runtime;

import static io.dotproxy.runtime.testing.SyntheticZone.A_ADDRESS;
import static io.dotproxy.runtime.testing.SyntheticZone.A_NAME;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.testing.Dig;
import io.dotproxy.runtime.testing.DigResult;
import io.dotproxy.runtime.testing.DnsClient;
import io.dotproxy.runtime.testing.Issued;
import io.dotproxy.runtime.testing.Kdig;
import io.dotproxy.runtime.testing.RunningProxy;
import io.dotproxy.runtime.testing.SyntheticZone;
import io.dotproxy.runtime.testing.TestPki;
import io.dotproxy.runtime.testing.UnboundServer;
import io.dotproxy.runtime.transport.Transport;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** Real clients (kdig, dig, dnsjava) through the proxy to a real Unbound DoT upstream. */
class ForwardingIT {

  @TempDir static Path dir;
  static UnboundServer unbound;
  static RunningProxy proxy;
  static List<String> upstreamFlags;

  @BeforeAll
  static void start() throws Exception {
    Issued certificate = TestPki.newCa().issue();
    unbound = UnboundServer.dot(certificate).zone(SyntheticZone.standard()).start();
    Path ca = certificate.writePem(dir).caCertificate();
    upstreamFlags = RunningProxy.upstreamFlags(unbound.address(), "dot.test", ca);
    proxy = RunningProxy.start(upstreamFlags.toArray(String[]::new));
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (unbound != null) {
      unbound.close();
    }
  }

  @Test
  void kdigAndDigGetAnswersOverUdpAndTcp() {
    for (String transport : List.of("+notcp", "+tcp")) {
      DigResult kdig = Kdig.against(proxy.address()).query(A_NAME, "A", transport);
      assertThat(kdig.status()).as("kdig %s: %s", transport, kdig).isEqualTo("NOERROR");
      assertThat(kdig.answerData()).containsExactly(A_ADDRESS);
      DigResult dig = Dig.against(proxy.address()).query(A_NAME, "A", transport);
      assertThat(dig.status()).as("dig %s: %s", transport, dig).isEqualTo("NOERROR");
      assertThat(dig.answerData()).containsExactly(A_ADDRESS);
    }
    DigResult missing = Kdig.against(proxy.address()).query(SyntheticZone.MISSING_NAME, "A");
    assertThat(missing.status()).isEqualTo("NXDOMAIN");
  }

  @Test
  void answersEchoTheIdAndTheQuestionExactlyAsAsked() throws Exception {
    Message query = DnsClient.query("MiXeDcAsE.TeSt.", Type.A);
    Message answer = proxy.udp(query);
    assertThat(answer.getHeader().getID()).isEqualTo(query.getHeader().getID());
    assertThat(answer.getQuestion().getName().toString()).isEqualTo("MiXeDcAsE.TeSt.");
    assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(answer.getSection(Section.ANSWER)).isNotEmpty();
  }

  @Test
  void ednsOnlyWhenTheClientUsedIt() {
    DigResult plain = Kdig.against(proxy.address()).query(A_NAME, "A", "+noedns");
    assertThat(plain.ednsPresent()).as(plain.stdout()).isFalse();
    DigResult edns = Kdig.against(proxy.address()).query(A_NAME, "A", "+edns");
    assertThat(edns.ednsPresent()).as(edns.stdout()).isTrue();
  }

  @Test
  void udpAnswersLargerThanTheClientTakesAreTruncatedAndTcpCarriesThemWhole() throws Exception {
    DigResult classic = Dig.against(proxy.address()).query(SyntheticZone.MANY_NAME, "A", "+ignore", "+noedns", "+notcp");
    assertThat(classic.truncated()).as(classic.stdout()).isTrue();
    assertThat(classic.responseBytes()).isLessThanOrEqualTo(512);

    Message edns = DnsClient.queryWithEdns(SyntheticZone.MANY_NAME, Type.A, 4096);
    Message whole = proxy.udp(edns);
    assertThat(whole.getHeader().getFlag(Flags.TC)).isFalse();
    assertThat(whole.getSection(Section.ANSWER)).hasSize(SyntheticZone.MANY_RECORD_COUNT);

    Message big = proxy.tcp(DnsClient.query(SyntheticZone.BIG_NAME, Type.TXT));
    assertThat(big.getHeader().getFlag(Flags.TC)).isFalse();
    List<String> texts = new ArrayList<>();
    for (Record record : big.getSection(Section.ANSWER)) {
      texts.addAll(((TXTRecord) record).getStrings());
    }
    assertThat(texts).containsExactlyInAnyOrderElementsOf(
        IntStream.range(0, SyntheticZone.BIG_RECORD_COUNT).mapToObj(SyntheticZone::bigText).toList());
  }

  @Test
  void udpAnswersAreCappedAt1232BytesWhateverSizeTheClientAdvertises() {
    for (String bufsize : List.of("+bufsize=4096", "+bufsize=65535")) {
      DigResult big = Kdig.against(proxy.address()).query(SyntheticZone.BIG_NAME, "TXT", bufsize, "+notcp");
      assertThat(big.truncated()).as("%s: %s", bufsize, big.stdout()).isTrue();
      assertThat(big.responseBytes()).as(big.stdout()).isPositive().isLessThanOrEqualTo(1232);
    }
    DigResult overTcp = Kdig.against(proxy.address()).query(SyntheticZone.BIG_NAME, "TXT", "+bufsize=65535");
    assertThat(overTcp.answers()).as(overTcp.stdout()).hasSize(SyntheticZone.BIG_RECORD_COUNT);
  }

  @Test
  void theUdpCapIsASetting() throws Exception {
    List<String> flags = new ArrayList<>(upstreamFlags);
    flags.addAll(List.of("--udp-max-size", "512"));
    try (RunningProxy capped = RunningProxy.start(flags.toArray(String[]::new))) {
      DigResult many = Kdig.against(capped.address()).query(SyntheticZone.MANY_NAME, "A", "+bufsize=4096", "+notcp");
      assertThat(many.truncated()).as(many.stdout()).isTrue();
      assertThat(many.responseBytes()).as(many.stdout()).isPositive().isLessThanOrEqualTo(512);
    }
  }

  @Test
  void kdigRetriesTruncatedAnswersOverTcp() {
    DigResult result = Kdig.against(proxy.address()).query(SyntheticZone.BIG_NAME, "TXT");
    assertThat(result.status()).as(result.stdout()).isEqualTo("NOERROR");
    assertThat(result.answers()).hasSize(SyntheticZone.BIG_RECORD_COUNT);
  }

  @Test
  void tcpClientsMayPipelineManyQueriesAndSplitThem() throws Exception {
    try (DnsClient.Stream tcp = DnsClient.tcp(proxy.address())) {
      List<Message> queries = IntStream.range(0, 300)
          .mapToObj(i -> DnsClient.query(SyntheticZone.rangeName(i), Type.A)).toList();
      List<Message> answers = tcp.pipeline(queries, Duration.ofSeconds(20));
      assertThat(answers).hasSize(300);
      // Pipelined answers come back as they are ready, in any order (RFC 7766): match them by ID.
      java.util.Map<Integer, Message> byId = new java.util.HashMap<>();
      answers.forEach(answer -> byId.put(answer.getHeader().getID(), answer));
      assertThat(byId).hasSize(300);
      for (int i = 0; i < 300; i++) {
        Message answer = byId.get(queries.get(i).getHeader().getID());
        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(answer.getSection(Section.ANSWER).get(0).rdataToString())
            .isEqualTo(SyntheticZone.rangeAddress(i));
      }
      Message split = DnsClient.query(A_NAME, Type.A);
      tcp.sendSplit(split.toWire(), 1, Duration.ofMillis(5));
      Message answer = DnsClient.parse(tcp.receive(RunningProxy.CLIENT_TIMEOUT));
      assertThat(answer.getHeader().getID()).isEqualTo(split.getHeader().getID());
      assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
    }
  }

  @Test
  void malformedQueriesGetFormerrOrAreDroppedAndOthersAreStillServed() throws Exception {
    try (DnsClient.Udp udp = DnsClient.udp(proxy.address())) {
      byte[] truncatedQuestion = java.util.Arrays.copyOf(DnsClient.query(A_NAME, Type.A).toWire(), 15);
      truncatedQuestion[0] = (byte) 0xAB;
      truncatedQuestion[1] = (byte) 0xCD;
      udp.send(truncatedQuestion);
      Message formerr = DnsClient.parse(udp.receive(RunningProxy.CLIENT_TIMEOUT));
      assertThat(formerr.getHeader().getID()).isEqualTo(0xABCD);
      assertThat(formerr.getRcode()).isEqualTo(Rcode.FORMERR);

      udp.send(new byte[] {1, 2, 3, 4, 5});
      Message next = udp.exchange(DnsClient.query(A_NAME, Type.A), RunningProxy.CLIENT_TIMEOUT);
      assertThat(next.getRcode()).isEqualTo(Rcode.NOERROR);
    }
  }

  @Test
  void manyClientsAtOnceAllGetTheirOwnAnswers() throws Exception {
    List<Thread> clients = new ArrayList<>();
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int c = 0; c < 8; c++) {
      int client = c;
      Thread thread = new Thread(() -> {
        try (DnsClient.Udp udp = DnsClient.udp(proxy.address())) {
          for (int i = 0; i < 100; i++) {
            int n = client * 100 + i;
            Message answer = udp.exchange(DnsClient.query(SyntheticZone.rangeName(n), Type.A), RunningProxy.CLIENT_TIMEOUT);
            assertThat(answer.getSection(Section.ANSWER).get(0).rdataToString()).isEqualTo(SyntheticZone.rangeAddress(n));
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      thread.start();
      clients.add(thread);
    }
    for (Thread client : clients) {
      client.join(Duration.ofSeconds(60).toMillis());
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void listensOnSeveralAddressesAndIpv6() throws Exception {
    boolean ipv6 = ipv6Loopback();
    List<String> flags = new ArrayList<>(upstreamFlags);
    flags.addAll(List.of("--listen", "127.0.0.1:0", "--listen", "127.0.0.2:0"));
    if (ipv6) {
      flags.addAll(List.of("--listen", "[::1]:0"));
    }
    try (RunningProxy multi = RunningProxy.start(flags.toArray(String[]::new))) {
      List<InetSocketAddress> bound = multi.server().listenAddresses();
      assertThat(bound).hasSize(ipv6 ? 3 : 2);
      for (InetSocketAddress address : bound) {
        DigResult udp = Kdig.against(address).query(A_NAME, "A", "+notcp");
        DigResult tcp = Kdig.against(address).query(A_NAME, "A", "+tcp");
        assertThat(udp.answerData()).as("udp %s", address).containsExactly(A_ADDRESS);
        assertThat(tcp.answerData()).as("tcp %s", address).containsExactly(A_ADDRESS);
      }
    }
  }

  @Test
  void theNioTransportServesToo() throws Exception {
    try (RunningProxy nio = RunningProxy.start(Transport.nio(), upstreamFlags.toArray(String[]::new))) {
      assertThat(nio.server().transport().name()).isEqualTo("nio");
      assertThat(nio.udp(DnsClient.query(A_NAME, Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
      assertThat(nio.tcp(DnsClient.query(A_NAME, Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
    }
  }

  private static boolean ipv6Loopback() {
    try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("::1"), 0))) {
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
