package io.dotproxy.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.testing.Dig;
import io.dotproxy.runtime.testing.DigResult;
import io.dotproxy.runtime.testing.DnsClient;
import io.dotproxy.runtime.testing.FreePorts;
import io.dotproxy.runtime.testing.Issued;
import io.dotproxy.runtime.testing.Kdig;
import io.dotproxy.runtime.testing.RunningProxy;
import io.dotproxy.runtime.testing.SyntheticZone;
import io.dotproxy.runtime.testing.TestPki;
import io.dotproxy.runtime.testing.UnboundServer;
import java.nio.file.Path;
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
import org.xbill.DNS.Type;

/**
 * Conditional forwarding with two real Unbounds: a DoT one serving {@code test.} and a plain one
 * serving {@code cluster.local.}, as kube-dns would. Neither answers the other's zone, so every
 * answer shows which way the query went.
 */
class ForwardZoneIT {

  static final String ZONE = "cluster.local.";
  static final String KUBE_DNS = "kube-dns.kube-system.svc.cluster.local.";
  static final String KUBE_DNS_ADDRESS = "10.96.0.10";
  static final String KUBE_DNS_REVERSE = "10.0.96.10.in-addr.arpa.";
  static final String SERVICE_REVERSE_ZONE = "96.10.in-addr.arpa.";
  /** 100 A records: about 1.7 kB, more than the 1232 bytes the proxy accepts over UDP. */
  static final String BIG = "big.cluster.local.";
  static final int BIG_COUNT = 100;

  @TempDir static Path dir;
  static UnboundServer dot;
  static UnboundServer plain;
  static List<String> upstreamFlags;
  static RunningProxy proxy;

  @BeforeAll
  static void start() throws Exception {
    Issued certificate = TestPki.newCa().issue();
    dot = UnboundServer.dot(certificate).zone(SyntheticZone.standard(100)).start();
    SyntheticZone cluster = SyntheticZone.staticZone(ZONE)
        .record(KUBE_DNS + " 30 IN A " + KUBE_DNS_ADDRESS);
    for (int i = 0; i < BIG_COUNT; i++) {
      cluster.record(BIG + " 30 IN A " + bigAddress(i));
    }
    plain = UnboundServer.plain().zone(cluster)
        .config("local-zone: \"" + SERVICE_REVERSE_ZONE + "\" static")
        .config("local-data: \"" + KUBE_DNS_REVERSE + " 30 IN PTR " + KUBE_DNS + "\"")
        .start();
    upstreamFlags = RunningProxy.upstreamFlags(
        dot.address(), "dot.test", certificate.writePem(dir).caCertificate());
    proxy = proxy("cluster.local=127.0.0.1:" + plain.port());
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    for (UnboundServer server : new UnboundServer[] {plain, dot}) {
      if (server != null) {
        server.close();
      }
    }
  }

  @Test
  void eachUnboundAnswersOnlyItsOwnZone() {
    // The premise of every test below.
    DigResult viaDot = Kdig.against(dot.address()).query(KUBE_DNS, "A", "+notcp");
    assertThat(viaDot.status()).as("%s", viaDot).isEqualTo("REFUSED");
    // Unbound keeps "test." to itself (NXDOMAIN) unless it serves it.
    DigResult viaPlain = Kdig.against(plain.address()).query(SyntheticZone.A_NAME, "A");
    assertThat(viaPlain.status()).as("%s", viaPlain).isEqualTo("NXDOMAIN");
    assertThat(Kdig.against(plain.address()).query(KUBE_DNS, "A").answerData()).containsExactly(KUBE_DNS_ADDRESS);
  }

  @Test
  void namesInTheZoneAreAnsweredByItsPlainDnsServer() throws Exception {
    double before = forwarded(proxy);
    for (String transport : List.of("+notcp", "+tcp")) {
      DigResult kdig = Kdig.against(proxy.address()).query(KUBE_DNS, "A", transport);
      assertThat(kdig.status()).as("%s", kdig).isEqualTo("NOERROR");
      assertThat(kdig.answerData()).containsExactly(KUBE_DNS_ADDRESS);
    }
    Message apex = proxy.udp(DnsClient.query(ZONE, Type.SOA));
    assertThat(apex.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(apex.getSection(Section.ANSWER)).hasSize(1);
    Message missing = proxy.udp(DnsClient.query("nothing-here." + ZONE, Type.A));
    assertThat(missing.getRcode()).isEqualTo(Rcode.NXDOMAIN);
    assertThat(forwarded(proxy) - before).isEqualTo(4);
  }

  @Test
  void matchingIgnoresCaseAndTheAnswerKeepsTheClientsCase() throws Exception {
    Message answer = proxy.udp(DnsClient.query("KUBE-DNS.Kube-System.svc.CLUSTER.Local.", Type.A));
    assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(answer.getQuestion().getName().toString()).isEqualTo("KUBE-DNS.Kube-System.svc.CLUSTER.Local.");
    assertThat(answer.getSection(Section.ANSWER).get(0).rdataToString()).isEqualTo(KUBE_DNS_ADDRESS);
  }

  @Test
  void namesOutsideTheZoneStillGoOverDot() throws Exception {
    double before = forwarded(proxy);
    DigResult inTest = Kdig.against(proxy.address()).query(SyntheticZone.A_NAME, "A");
    assertThat(inTest.answerData()).containsExactly(SyntheticZone.A_ADDRESS);
    Message lookalike = proxy.udp(DnsClient.query("cluster.local.test.", Type.A));
    assertThat(lookalike.getRcode()).as("not in the zone, so asked over DoT").isEqualTo(Rcode.NXDOMAIN);
    assertThat(forwarded(proxy)).isEqualTo(before);
  }

  @Test
  void aTruncatedUdpAnswerIsFetchedAgainOverTcp() throws Exception {
    // Premise: over UDP at the 1232 bytes the proxy asks for, the zone's server truncates.
    DigResult direct = Dig.against(plain.address()).query(BIG, "A", "+bufsize=1232", "+notcp", "+ignore");
    assertThat(direct.truncated()).as("%s", direct).isTrue();

    // A client taking 4096 bytes over UDP from a proxy allowed to send that much gets everything,
    // which the proxy can only have had over TCP.
    try (RunningProxy large = proxy(ZONE + "=127.0.0.1:" + plain.port(), "--udp-max-size", "4096")) {
      Message udp = large.udp(DnsClient.queryWithEdns(BIG, Type.A, 4096));
      assertThat(udp.getHeader().getFlag(Flags.TC)).isFalse();
      assertThat(addresses(udp)).containsExactlyInAnyOrderElementsOf(bigAddresses());
    }
    // At the default cap of 1232 bytes the same client gets TC=1.
    assertThat(proxy.udp(DnsClient.queryWithEdns(BIG, Type.A, 4096)).getHeader().getFlag(Flags.TC)).isTrue();

    Message tcp = proxy.tcp(DnsClient.query(BIG, Type.A));
    assertThat(addresses(tcp)).containsExactlyInAnyOrderElementsOf(bigAddresses());

    // A classic client gets TC from the proxy and retries over TCP itself.
    DigResult kdig = Kdig.against(proxy.address()).query(BIG, "A");
    assertThat(kdig.status()).as("%s", kdig).isEqualTo("NOERROR");
    assertThat(kdig.answerData()).containsExactlyInAnyOrderElementsOf(bigAddresses());
  }

  @Test
  void serversAreTriedInOrderPastOneThatIsDown() throws Exception {
    int dead = FreePorts.pick(false);
    try (RunningProxy failover = proxy("cluster.local=127.0.0.1:" + dead + ",127.0.0.1:" + plain.port())) {
      for (int i = 0; i < 3; i++) {
        Message answer = failover.udp(DnsClient.query(KUBE_DNS, Type.A));
        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(answer.getSection(Section.ANSWER).get(0).rdataToString()).isEqualTo(KUBE_DNS_ADDRESS);
      }
    }
  }

  @Test
  void aZoneWhoseServersAreDownGetsServfailAndNeverLeaksToDot() throws Exception {
    int dead = FreePorts.pick(false);
    try (RunningProxy down = proxy("cluster.local=127.0.0.1:" + dead, "--timeout", "1s")) {
      Message answer = down.udp(DnsClient.query(KUBE_DNS, Type.A));
      // Not the REFUSED the DoT side would give, and the DoT upstream was never asked.
      assertThat(answer.getRcode()).isEqualTo(Rcode.SERVFAIL);
      assertThat(LoopbackClient.metric(down,
          "dotproxy_upstream_requests_total{upstream=\"127.0.0.1@" + dot.port() + "\"}")).isZero();
      // The rest of the namespace is unaffected.
      assertThat(down.udp(DnsClient.query(SyntheticZone.A_NAME, Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
    }
  }

  /** RFC 6303: a PTR for a private address never reaches the DoT upstream; a forward zone may take it. */
  @Test
  void privateReverseLookupsStayLocalUnlessAForwardZoneCoversThem() throws Exception {
    String upstreamRequests = "dotproxy_upstream_requests_total{upstream=\"127.0.0.1@" + dot.port() + "\"}";
    double before = LoopbackClient.metric(proxy, upstreamRequests);
    double forwardedBefore = forwarded(proxy);
    Message local = proxy.udp(DnsClient.query(KUBE_DNS_REVERSE, Type.PTR));
    assertThat(local.getRcode()).isEqualTo(Rcode.NXDOMAIN);
    assertThat(local.getSection(Section.AUTHORITY)).singleElement()
        .satisfies(soa -> assertThat(soa.getName()).hasToString("10.in-addr.arpa."));
    assertThat(LoopbackClient.metric(proxy, upstreamRequests)).isEqualTo(before);
    assertThat(forwarded(proxy)).isEqualTo(forwardedBefore);

    try (RunningProxy covered = proxy(SERVICE_REVERSE_ZONE + "=127.0.0.1:" + plain.port())) {
      DigResult ptr = Kdig.against(covered.address()).query(KUBE_DNS_REVERSE, "PTR");
      assertThat(ptr.status()).as("%s", ptr).isEqualTo("NOERROR");
      assertThat(ptr.answerData()).containsExactly(KUBE_DNS);
    }
  }

  private static RunningProxy proxy(String zone, String... extra) throws Exception {
    List<String> flags = new ArrayList<>(upstreamFlags);
    // The cache would answer repeated names itself; these tests count what reaches each server.
    flags.addAll(List.of("--forward-zone", zone, "--cache-size", "0"));
    flags.addAll(List.of(extra));
    return RunningProxy.start(flags.toArray(String[]::new));
  }

  private static double forwarded(RunningProxy proxy) throws Exception {
    return LoopbackClient.metric(proxy, "dotproxy_forward_zone_requests_total{zone=\"" + ZONE + "\"}");
  }

  private static String bigAddress(int i) {
    return "10.100.0." + (i + 1);
  }

  private static List<String> bigAddresses() {
    return IntStream.range(0, BIG_COUNT).mapToObj(ForwardZoneIT::bigAddress).toList();
  }

  private static List<String> addresses(Message answer) {
    return answer.getSection(Section.ANSWER).stream().map(Record::rdataToString).toList();
  }
}
