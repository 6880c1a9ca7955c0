package io.dotproxy.runtime.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

class NodelayShimTest {

    private static final TestPki PKI = TestPki.newCa();

    @Test
    void libraryIsBuiltOnceAndReused() {
        Path first = NodelayShim.library();
        assertThat(first).isAbsolute().exists().hasFileName("libnodelay.so");
        assertThat(NodelayShim.library()).isEqualTo(first);
    }

    /** Deterministic proof: the accepted socket's TCP_NODELAY as read back with getsockopt. */
    @Test
    void acceptedTcpSocketsGetNodelayOnlyWithTheShim() throws Exception {
        for (String acceptCall : List.of("tcp", "tcp4")) {
            assertThat(probe(acceptCall, false)).as(acceptCall + " without shim").isEqualTo("nodelay=0");
            assertThat(probe(acceptCall, true)).as(acceptCall + " with shim").isEqualTo("nodelay=1");
        }
    }

    @Test
    void nonTcpAcceptStillWorksWithTheShim() throws Exception {
        assertThat(probe("unix", true)).isEqualTo("accepted");
    }

    /**
     * End to end: without the shim, Unbound's first DoT answer on a fresh connection is held by Nagle
     * until the client's delayed ACK of the TLS 1.3 session tickets (measured here: 41-46 ms every time;
     * with the shim: 0.4-3 ms). The median over several connections is compared with a bound far from
     * both, so a scheduling hiccup on one connection cannot make this flaky.
     */
    @Test
    void unboundAnswersTheFirstQueryOnATlsConnectionWithoutNagleDelay() throws Exception {
        try (UnboundServer unbound = UnboundServer.dot(PKI.issue()).zone(SyntheticZone.standard(0)).start()) {
            assertThat(medianFirstAnswerMillis(unbound, PKI)).isLessThan(20.0);
        }
    }

    /**
     * Median time from sending the first query on a new DoT connection to its answer, over 7 connections.
     * Each connection gets a fresh SSLContext, i.e. a full handshake: with TLS session resumption the
     * stall does not show, so resumed connections would prove nothing.
     */
    static double medianFirstAnswerMillis(UnboundServer unbound, TestPki pki) throws Exception {
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            try (DnsClient.Stream tls = DnsClient.tls(unbound.address(), pki.clientSslContext(), "dot.test")) {
                long start = System.nanoTime();
                tls.exchange(DnsClient.query(SyntheticZone.A_NAME, Type.A), Duration.ofSeconds(5));
                millis.add((System.nanoTime() - start) / 1e6);
            }
        }
        Collections.sort(millis);
        return millis.get(millis.size() / 2);
    }

    private static String probe(String mode, boolean withShim) throws Exception {
        Path binary = NativeBuild.compile("/testing/nodelay_probe.c", "nodelay-shim", "nodelay_probe", "-O2", "-Wall");
        ProcessBuilder builder = new ProcessBuilder(binary.toString(), mode).redirectErrorStream(true);
        if (withShim) {
            builder.environment().put("LD_PRELOAD", NodelayShim.library().toString());
        }
        Process process = OwnedProcesses.start(builder);
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as(output).isZero();
            return output;
        } finally {
            OwnedProcesses.stop(process, 1_000);
        }
    }
}
