package io.dotproxy.runtime.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class UnboundServerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final TestPki PKI = TestPki.newCa();
    private static UnboundServer dot;
    private static UnboundServer plain;

    @BeforeAll
    static void startServers() {
        dot = UnboundServer.dot(PKI.issue()).start();
        plain = UnboundServer.plain().start();
    }

    @AfterAll
    static void stopServers() {
        dot.close();
        plain.close();
    }

    @Test
    void dotAnswersOverJavaTlsTrustingTheTestCa() throws Exception {
        try (DnsClient.Stream tls = DnsClient.tls(dot.address(), PKI.clientSslContext(), "dot.test")) {
            Message response = tls.exchange(DnsClient.query(SyntheticZone.A_NAME, Type.A), TIMEOUT);

            assertThat(response.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(response.getSection(Section.ANSWER)).singleElement().satisfies(record -> {
                assertThat(((ARecord) record).getAddress().getHostAddress()).isEqualTo(SyntheticZone.A_ADDRESS);
                assertThat(record.getTTL()).isEqualTo(SyntheticZone.TTL);
            });
            assertThat(tls.tlsSession().getProtocol()).isEqualTo("TLSv1.3");
        }
    }

    @Test
    void dotIsRejectedByAClientTrustingAnotherCa() {
        assertThatThrownBy(() -> DnsClient.tls(dot.address(), TestPki.newCa("other").clientSslContext(), "dot.test").close())
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void bigAnswerArrivesIntactOverTls() throws Exception {
        try (DnsClient.Stream tls = DnsClient.tls(dot.address(), PKI.clientSslContext(), "127.0.0.1")) {
            Message response = tls.exchange(DnsClient.query(SyntheticZone.BIG_NAME, Type.TXT), TIMEOUT);

            List<String> texts = response.getSection(Section.ANSWER).stream()
                    .map(record -> String.join("", DnsClient.txtStrings(record))).toList();
            assertThat(texts).containsExactlyElementsOf(
                    IntStream.range(0, SyntheticZone.BIG_RECORD_COUNT).mapToObj(SyntheticZone::bigText).toList());
            assertThat(response.toWire().length).isGreaterThan(8000);
        }
    }

    @Test
    void plainServesZoneSemanticsOverUdpAndTcp() throws Exception {
        try (DnsClient.Udp udp = DnsClient.udp(plain.address()); DnsClient.Stream tcp = DnsClient.tcp(plain.address())) {
            assertThat(udp.exchange(DnsClient.query(SyntheticZone.MISSING_NAME, Type.A), TIMEOUT).getRcode())
                    .isEqualTo(Rcode.NXDOMAIN);
            Message nodata = udp.exchange(DnsClient.query(SyntheticZone.A_NAME, Type.MX), TIMEOUT);
            assertThat(nodata.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(nodata.getSection(Section.ANSWER)).isEmpty();
            assertThat(nodata.getSection(Section.AUTHORITY)).singleElement()
                    .satisfies(soa -> assertThat(soa.getTTL()).isEqualTo(SyntheticZone.NEGATIVE_TTL));
            assertThat(udp.exchange(DnsClient.query("example.com.", Type.A), TIMEOUT).getRcode())
                    .as("never recurses").isEqualTo(Rcode.REFUSED);

            assertThat(DnsClient.truncated(udp.exchange(DnsClient.query(SyntheticZone.MANY_NAME, Type.A), TIMEOUT)))
                    .as("no EDNS: over 512 bytes").isTrue();
            Message many = tcp.exchange(DnsClient.query(SyntheticZone.MANY_NAME, Type.A), TIMEOUT);
            assertThat(many.getSection(Section.ANSWER)).hasSize(SyntheticZone.MANY_RECORD_COUNT);
            assertThat(many.toWire().length).isBetween(513, 4095);

            assertThat(udp.exchange(DnsClient.query(SyntheticZone.rangeName(9_999), Type.A), TIMEOUT)
                    .getSection(Section.ANSWER)).singleElement()
                    .satisfies(a -> assertThat(((ARecord) a).getAddress().getHostAddress()).isEqualTo(SyntheticZone.rangeAddress(9_999)));
            assertThat(udp.exchange(DnsClient.query(SyntheticZone.CNAME_NAME, Type.A), TIMEOUT)
                    .getSection(Section.ANSWER)).extracting(Record::getType).containsExactly(Type.CNAME);
        }
    }

    @Test
    void answerEchoesQueryCase() throws Exception {
        try (DnsClient.Udp udp = DnsClient.udp(plain.address())) {
            Message response = udp.exchange(DnsClient.query("MiXeDcAsE.TeSt.", Type.A), TIMEOUT);
            assertThat(response.getQuestion().getName().toString()).isEqualTo("MiXeDcAsE.TeSt.");
            assertThat(response.getSection(Section.ANSWER).get(0).getName().toString()).isEqualTo("MiXeDcAsE.TeSt.");
        }
    }

    @Test
    void restartsOnTheSamePortAfterKillAndStop() throws Exception {
        try (UnboundServer server = UnboundServer.dot(PKI.issue()).zone(SyntheticZone.standard(0)).start()) {
            int port = server.port();
            DnsClient.Stream before = DnsClient.tls(server.address(), PKI.clientSslContext(), "dot.test");
            before.exchange(DnsClient.query(SyntheticZone.A_NAME, Type.A), TIMEOUT);

            server.kill();
            assertThat(server.isRunning()).isFalse();
            assertThat(before.awaitClosedByPeer(TIMEOUT)).isTrue();
            before.close();

            server.start();
            assertThat(server.port()).isEqualTo(port);
            server.stop();
            server.start();
            try (DnsClient.Stream after = DnsClient.tls(server.address(), PKI.clientSslContext(), "dot.test")) {
                assertThat(after.exchange(DnsClient.query(SyntheticZone.A_NAME, Type.A), TIMEOUT).getRcode())
                        .isEqualTo(Rcode.NOERROR);
            }
        }
    }

    @Test
    void ipv6LoopbackIsServedWhenAsked() throws Exception {
        try (UnboundServer server = UnboundServer.plain().ipv6(true).zone(SyntheticZone.standard(0)).start();
             DnsClient.Udp udp = DnsClient.udp(server.ipv6Address())) {
            Message response = udp.exchange(DnsClient.query(SyntheticZone.AAAA_NAME, Type.AAAA), TIMEOUT);
            assertThat(response.getSection(Section.ANSWER)).hasSize(1);
            assertThat(response.getHeader().getFlag(Flags.AA)).isTrue();
        }
    }

    @Test
    void invalidConfigFailsWithCheckconfOutput() {
        assertThatThrownBy(() -> UnboundServer.plain().config("no-such-option: yes").start())
                .hasMessageContaining("unbound-checkconf")
                .hasMessageContaining("no-such-option");
    }

    @Test
    void startupFailureReportsTheLogTail() {
        // Occupy the port with a running server; a second one on the same port must fail fast and say why.
        assertThatThrownBy(() -> UnboundServer.plain().port(plain.port()).zone(SyntheticZone.standard(0)).start())
                .hasMessageContaining("Address already in use");
    }
}
