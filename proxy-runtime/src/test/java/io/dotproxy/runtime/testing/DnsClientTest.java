package io.dotproxy.runtime.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class DnsClientTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static UnboundServer unbound;

    @BeforeAll
    static void startUnbound() {
        unbound = UnboundServer.plain().zone(SyntheticZone.standard(100)).start();
    }

    @AfterAll
    static void stopUnbound() {
        unbound.close();
    }

    @Test
    void pipelinesManyQueriesOverOneTcpConnection() throws Exception {
        List<Message> queries = IntStream.range(0, 100)
                .mapToObj(i -> DnsClient.query(SyntheticZone.rangeName(i), Type.A)).toList();
        try (DnsClient.Stream tcp = DnsClient.tcp(unbound.address())) {
            List<Message> answers = tcp.pipeline(queries, TIMEOUT);
            assertThat(answers).hasSize(100).allSatisfy(answer -> assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR));
        }
    }

    @Test
    void splitWritesReachUnboundAsOneQuery() throws Exception {
        try (DnsClient.Stream tcp = DnsClient.tcp(unbound.address())) {
            Message query = DnsClient.query(SyntheticZone.A_NAME, Type.A);
            tcp.sendSplit(query.toWire(), 1, Duration.ofMillis(2));
            Message answer = DnsClient.parse(tcp.receive(TIMEOUT));
            assertThat(answer.getHeader().getID()).isEqualTo(query.getHeader().getID());
            assertThat(answer.getSection(Section.ANSWER)).hasSize(1);
        }
    }

    @Test
    void sendsHandCraftedAndMalformedDatagrams() throws Exception {
        try (DnsClient.Udp udp = DnsClient.udp(unbound.address())) {
            udp.send(new byte[] {0x12, 0x34, 0x01});
            assertThatThrownBy(() -> udp.receive(Duration.ofMillis(300)))
                    .as("Unbound drops packets shorter than a header").isInstanceOf(SocketTimeoutException.class);

            Message edns = udp.exchange(DnsClient.queryWithEdns(SyntheticZone.MANY_NAME, Type.A, 1232), TIMEOUT);
            assertThat(DnsClient.truncated(edns)).isFalse();
            assertThat(edns.getOPT()).isNotNull();
        }
    }

    @Test
    void refusesNonLoopbackTargets() {
        assertThatThrownBy(() -> DnsClient.udp(new InetSocketAddress("192.0.2.1", 53)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
