package io.dotproxy.runtime.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Checks the kdig/dig output parsing against the real binaries and a real Unbound. */
class DnsToolRunnerTest {

    private static final TestPki PKI = TestPki.newCa();
    private static UnboundServer plain;
    private static UnboundServer dot;

    @BeforeAll
    static void startServers() {
        plain = UnboundServer.plain().zone(SyntheticZone.standard(10)).start();
        dot = UnboundServer.dot(PKI.issue()).zone(SyntheticZone.standard(10)).start();
    }

    @AfterAll
    static void stopServers() {
        plain.close();
        dot.close();
    }

    @Test
    void kdigParsesAPlainAnswer() {
        DigResult result = Kdig.against(plain.address()).query("a.test", "A");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.status()).as(result.toString()).isEqualTo("NOERROR");
        assertThat(result.flags()).contains("qr", "aa", "rd").doesNotContain("tc");
        assertThat(result.answers()).containsExactly("a.test. 300 IN A 192.0.2.1");
        assertThat(result.answerData()).containsExactly("192.0.2.1");
        assertThat(result.ednsPresent()).as("kdig sends no EDNS by default").isFalse();
        assertThat(result.transport()).isEqualTo("UDP");
    }

    @Test
    void kdigShowsTruncationWithNotcpAndFallsBackWithout() {
        Kdig kdig = Kdig.against(plain.address());

        DigResult truncated = kdig.query("big.test", "TXT", "+notcp");
        assertThat(truncated.truncated()).as(truncated.toString()).isTrue();
        assertThat(truncated.answers()).isEmpty();
        assertThat(truncated.transport()).isEqualTo("UDP");

        DigResult retried = kdig.query("big.test", "TXT");
        assertThat(retried.truncated()).isFalse();
        assertThat(retried.answers()).hasSize(SyntheticZone.BIG_RECORD_COUNT);
        assertThat(retried.transport()).isEqualTo("TCP");
        assertThat(retried.responseBytes()).isGreaterThan(8000);
    }

    @Test
    void kdigReportsEdnsAndNxdomain() {
        DigResult edns = Kdig.against(plain.address()).query("many.test", "A", "+bufsize=4096");
        assertThat(edns.ednsPresent()).isTrue();
        assertThat(edns.ednsUdpSize()).isEqualTo(1232);
        assertThat(edns.answers()).hasSize(SyntheticZone.MANY_RECORD_COUNT);

        DigResult nx = Kdig.against(plain.address()).query("missing.test", "A");
        assertThat(nx.status()).as(nx.toString()).isEqualTo("NXDOMAIN");
        assertThat(nx.authority()).singleElement().asString().startsWith("test. 60 IN SOA");
    }

    @Test
    void kdigSpeaksDotWithTheTestCa() {
        Issued.PemFiles pem = dot.pemFiles().orElseThrow();
        DigResult verified = Kdig.against(dot.address()).withTls(pem.caCertificate(), "dot.test").query("a.test", "A");
        assertThat(verified.status()).as(verified.toString()).isEqualTo("NOERROR");
        assertThat(verified.transport()).isEqualTo("TCP");

        DigResult wrongName = Kdig.against(dot.address()).withTls(pem.caCertificate(), "other.test").query("a.test", "A");
        assertThat(wrongName.answered()).isFalse();
        assertThat(wrongName.exitCode()).isEqualTo(1);
        assertThat(wrongName.stderr()).contains("handshake failed");
    }

    @Test
    void digParsesEdnsTruncationAndNxdomain() {
        Dig dig = Dig.against(plain.address());

        DigResult a = dig.query("a.test", "A");
        assertThat(a.answers()).containsExactly("a.test. 300 IN A 192.0.2.1");
        assertThat(a.ednsPresent()).as("dig sends EDNS by default").isTrue();
        assertThat(a.ednsUdpSize()).isEqualTo(1232);

        DigResult truncated = dig.query("many.test", "A", "+noedns", "+ignore");
        assertThat(truncated.truncated()).as(truncated.toString()).isTrue();
        assertThat(truncated.ednsPresent()).isFalse();

        DigResult tcp = dig.query("many.test", "A", "+tcp");
        assertThat(tcp.answers()).hasSize(SyntheticZone.MANY_RECORD_COUNT);
        assertThat(tcp.transport()).isEqualTo("TCP");

        assertThat(dig.query("missing.test", "A").status()).isEqualTo("NXDOMAIN");
        assertThat(dig.query("example.com", "A").status()).isEqualTo("REFUSED");
    }

    @Test
    void nothingListeningIsReportedNotHung() {
        InetSocketAddress closed = new InetSocketAddress("127.0.0.1", FreePorts.pick(false));

        DigResult kdig = Kdig.against(closed).withTimeout(Duration.ofSeconds(1)).query("a.test", "A");
        assertThat(kdig.answered()).isFalse();
        assertThat(kdig.timedOut()).isFalse();
        assertThat(kdig.exitCode()).isEqualTo(1);

        DigResult dig = Dig.against(closed).withTimeout(Duration.ofSeconds(1)).query("a.test", "A", "+tcp");
        assertThat(dig.answered()).isFalse();
        assertThat(dig.exitCode()).isEqualTo(9);
    }

    @Test
    void refusesNonLoopbackTargets() {
        assertThatThrownBy(() -> Kdig.against(new InetSocketAddress("192.0.2.1", 53)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
