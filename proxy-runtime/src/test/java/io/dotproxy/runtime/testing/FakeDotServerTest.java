package io.dotproxy.runtime.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class FakeDotServerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SHORT = Duration.ofMillis(300);
    private static final TestPki PKI = TestPki.newCa();
    private static final Issued CERTIFICATE = PKI.issue();

    private FakeDotServer server;

    @BeforeEach
    void start() {
        server = new FakeDotServer(CERTIFICATE);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private DnsClient.Stream connect() throws IOException {
        return DnsClient.tls(server.address(), PKI.clientSslContext(), "dot.test");
    }

    @Test
    void answersWithSameIdQuestionAndFixedAddress() throws Exception {
        try (DnsClient.Stream tls = connect()) {
            Message query = DnsClient.query("x.test.", Type.A);
            Message answer = tls.exchange(query, TIMEOUT);

            assertThat(answer.getHeader().getID()).isEqualTo(query.getHeader().getID());
            assertThat(answer.getQuestion()).isEqualTo(query.getQuestion());
            ARecord a = (ARecord) answer.getSection(Section.ANSWER).get(0);
            assertThat(a.getAddress().getHostAddress()).isEqualTo(Behaviour.ANSWER_ADDRESS);
            assertThat(a.getTTL()).isEqualTo(Behaviour.ANSWER_TTL);
        }
        assertThat(server.connectionsAccepted()).isEqualTo(1);
        assertThat(server.handshakesCompleted()).isEqualTo(1);
        assertThat(server.queriesReceived()).isEqualTo(1);
    }

    @Test
    void countsPipelinedQueriesPerConnection() throws Exception {
        List<Message> queries = IntStream.range(0, 100).mapToObj(i -> DnsClient.query("p" + i + ".test.", Type.A)).toList();
        try (DnsClient.Stream tls = connect()) {
            List<Message> answers = tls.pipeline(queries, TIMEOUT);
            assertThat(answers).extracting(m -> m.getHeader().getID())
                    .containsExactlyInAnyOrderElementsOf(queries.stream().map(q -> q.getHeader().getID()).toList());
        }
        try (DnsClient.Stream second = connect()) {
            second.exchange(DnsClient.query("a.test.", Type.A), TIMEOUT);
        }
        assertThat(server.queriesPerConnection()).containsExactly(100, 1);
        assertThat(server.connectionsAccepted()).isEqualTo(2);
        assertThat(server.queriesReceived()).isEqualTo(101);
    }

    @Test
    void delaysEachAnswer() throws Exception {
        server.behave(Behaviour.delay(Duration.ofMillis(300)));
        try (DnsClient.Stream tls = connect()) {
            long start = System.nanoTime();
            tls.exchange(DnsClient.query("a.test.", Type.A), TIMEOUT);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
        }
    }

    @Test
    void stallCompletesTheHandshakeButNeverAnswers() throws Exception {
        server.behave(Behaviour.STALL);
        try (DnsClient.Stream tls = connect()) {
            tls.send(DnsClient.query("a.test.", Type.A).toWire());
            assertThatThrownBy(() -> tls.receive(SHORT)).isInstanceOf(SocketTimeoutException.class);
        }
        assertThat(server.handshakesCompleted()).isEqualTo(1);
        assertThat(server.queriesReceived()).isEqualTo(1);
    }

    @Test
    void stalledHandshakeNeverCompletes() {
        server.stallHandshakes(true);
        assertThatThrownBy(() -> DnsClient.tls(server.address(), PKI.clientSslContext(), "dot.test", SHORT))
                .isInstanceOf(SocketTimeoutException.class);
        assertThat(server.connectionsAccepted()).isEqualTo(1);
        assertThat(server.handshakesCompleted()).isZero();
    }

    @Test
    void garbageIsSixtyFourUnframedBytes() throws Exception {
        server.behave(Behaviour.GARBAGE);
        try (DnsClient.Stream tls = connect()) {
            tls.send(DnsClient.query("a.test.", Type.A).toWire());
            assertThat(tls.receiveRaw(64, TIMEOUT)).hasSize(64);
        }
    }

    @Test
    void garbageFrameIsFramedButNotDns() throws Exception {
        server.behave(Behaviour.GARBAGE_FRAME);
        try (DnsClient.Stream tls = connect()) {
            tls.send(DnsClient.query("a.test.", Type.A).toWire());
            byte[] payload = tls.receive(TIMEOUT);
            assertThat(payload).hasSize(7);
            assertThatThrownBy(() -> DnsClient.parse(payload)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void invalidLengthPrefixClaimsMoreThanIsSent() throws Exception {
        server.behave(Behaviour.INVALID_LENGTH);
        try (DnsClient.Stream tls = connect()) {
            tls.send(DnsClient.query("a.test.", Type.A).toWire());
            // The client reads the 0xFFFF prefix and then waits for 65535 bytes; only the answer's ~40 arrive.
            assertThatThrownBy(() -> tls.receive(SHORT)).isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void tlsGarbageBreaksTheTlsLayer() throws Exception {
        server.behave(Behaviour.TLS_GARBAGE);
        try (DnsClient.Stream tls = connect()) {
            tls.send(DnsClient.query("a.test.", Type.A).toWire());
            assertThatThrownBy(() -> tls.receive(TIMEOUT)).isInstanceOf(SSLException.class);
        }
    }

    @Test
    void outOfOrderAnswersABatchNewestFirst() throws Exception {
        server.behave(Behaviour.outOfOrder(3));
        List<Message> queries = IntStream.range(0, 3).mapToObj(i -> DnsClient.query("o" + i + ".test.", Type.A)).toList();
        try (DnsClient.Stream tls = connect()) {
            List<Message> answers = tls.pipeline(queries, TIMEOUT);
            assertThat(answers).extracting(m -> m.getQuestion().getName().toString())
                    .containsExactly("o2.test.", "o1.test.", "o0.test.");
        }
    }

    @Test
    void closesIdleConnections() throws Exception {
        server.closeIdleAfter(Duration.ofMillis(200));
        try (DnsClient.Stream tls = connect()) {
            tls.exchange(DnsClient.query("a.test.", Type.A), TIMEOUT);
            long start = System.nanoTime();
            assertThat(tls.awaitClosedByPeer(TIMEOUT)).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
        }
        assertThat(server.awaitNoOpenConnections(TIMEOUT)).isTrue();
    }

    @Test
    void closesRightAfterTheKthAnswer() throws Exception {
        server.behave(Behaviour.closeAfterAnswers(2));
        try (DnsClient.Stream tls = connect()) {
            tls.exchange(DnsClient.query("a.test.", Type.A), TIMEOUT);
            tls.exchange(DnsClient.query("a.test.", Type.A), TIMEOUT);
            assertThat(tls.awaitClosedByPeer(TIMEOUT)).isTrue();
        }
    }

    @Test
    void resetMidAnswerEndsInAConnectionReset() throws Exception {
        server.behave(Behaviour.RESET_MID_ANSWER);
        try (DnsClient.Stream tls = connect()) {
            tls.send(DnsClient.query("a.test.", Type.A).toWire());
            assertThatThrownBy(() -> tls.receive(TIMEOUT))
                    .isInstanceOf(SocketException.class)
                    .hasMessageContaining("reset");
        }
    }

    @Test
    void mismatchedIdIsQueryIdPlusOne() throws Exception {
        server.behave(Behaviour.MISMATCHED_ID);
        try (DnsClient.Stream tls = connect()) {
            Message query = DnsClient.query("a.test.", Type.A);
            assertThat(tls.exchange(query, TIMEOUT).getHeader().getID()).isEqualTo((query.getHeader().getID() + 1) & 0xFFFF);
        }
    }

    @Test
    void behaviourSwitchesOnALiveConnection() throws Exception {
        try (DnsClient.Stream tls = connect()) {
            tls.exchange(DnsClient.query("a.test.", Type.A), TIMEOUT);
            server.behave(Behaviour.STALL);
            tls.send(DnsClient.query("a.test.", Type.A).toWire());
            assertThatThrownBy(() -> tls.receive(SHORT)).isInstanceOf(SocketTimeoutException.class);
            server.behave(Behaviour.ANSWER);
            Message third = DnsClient.query("a.test.", Type.A);
            assertThat(tls.exchange(third, TIMEOUT).getHeader().getID()).isEqualTo(third.getHeader().getID());
        }
        assertThat(server.connectionsAccepted()).isEqualTo(1);
    }

    @Test
    void clientsTrustingAnotherCaFailTheHandshake() {
        assertThatThrownBy(() -> DnsClient.tls(server.address(), TestPki.newCa("other").clientSslContext(), "dot.test"))
                .isInstanceOf(SSLHandshakeException.class);
        assertThat(server.handshakesCompleted()).isZero();
    }

    @Test
    void expiredCertificateIsRejectedByJavaClients() {
        try (FakeDotServer expired = new FakeDotServer(PKI.issue(TestPki.Validity.expired(), "dot.test"))) {
            assertThatThrownBy(() -> DnsClient.tls(expired.address(), PKI.clientSslContext(), "dot.test"))
                    .isInstanceOf(SSLHandshakeException.class);
        }
    }

    @Test
    void splitWritesAreReassembled() throws Exception {
        try (DnsClient.Stream tls = connect()) {
            Message query = DnsClient.query("split.test.", Type.A);
            tls.sendSplit(query.toWire(), 3, Duration.ofMillis(5));
            assertThat(DnsClient.parse(tls.receive(TIMEOUT)).getHeader().getID()).isEqualTo(query.getHeader().getID());
        }
    }
}
