package io.dotproxy.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.testing.DnsClient;
import io.dotproxy.runtime.testing.FakeDotServer;
import io.dotproxy.runtime.testing.Issued;
import io.dotproxy.runtime.testing.RunningProxy;
import io.dotproxy.runtime.testing.TestPki;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * Public DoT servers close connections idle for about 10 s; the proxy keeps its own for 30 s. The
 * first query after a pause longer than the server's limit must not wait for a new TLS handshake:
 * a connection the server closed while it was idle, on a loop that had queries within the proxy's
 * own idle time, is opened again at once, ahead of need.
 *
 * <p>Figures (loopback, a handshake costs milliseconds here but one or two round trips to a real
 * server) are printed; what is asserted is that the query found a connection ready.
 */
class IdleUpstreamIT {

  private static final Duration SERVER_IDLE_CLOSE = Duration.ofSeconds(10);
  private static final Duration PAUSE = Duration.ofSeconds(15);

  @Test
  void theFirstQueryAfterAPauseLongerThanTheServersIdleLimitFindsAConnectionReady(@TempDir Path dir)
      throws Exception {
    Issued certificate = TestPki.newCa().issue();
    Path caFile = certificate.writePem(dir).caCertificate();
    try (FakeDotServer upstream = new FakeDotServer(certificate).closeIdleAfter(SERVER_IDLE_CLOSE)) {
      List<String> flags = new ArrayList<>(RunningProxy.upstreamFlags(upstream.address(), "dot.test", caFile));
      // One loop, so that every query uses the same pool of connections.
      flags.addAll(List.of("--threads", "1", "--cache-size", "0"));
      try (RunningProxy proxy = RunningProxy.start(flags.toArray(String[]::new))) {
        for (int i = 0; i < 20; i++) { // warms the code paths, so the figures compare connections
          assertThat(proxy.udp(DnsClient.query("warm" + i + ".test.", Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
        }
        int handshakesBefore = upstream.handshakesCompleted();

        Thread.sleep(PAUSE.toMillis());
        int handshakesDuringPause = upstream.handshakesCompleted() - handshakesBefore;
        long started = System.nanoTime();
        assertThat(proxy.udp(DnsClient.query("after-pause.test.", Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
        long micros = (System.nanoTime() - started) / 1_000;
        int handshakesForQuery = upstream.handshakesCompleted() - handshakesBefore - handshakesDuringPause;
        long nextStarted = System.nanoTime();
        proxy.udp(DnsClient.query("next.test.", Type.A));
        long nextMicros = (System.nanoTime() - nextStarted) / 1_000;
        System.out.printf("first query after %d s idle (server closes idle connections at %d s): %d us"
            + " (the query after it: %d us); handshakes during the pause %d, for the query %d%n",
            PAUSE.toSeconds(), SERVER_IDLE_CLOSE.toSeconds(), micros, nextMicros, handshakesDuringPause,
            handshakesForQuery);

        assertThat(handshakesDuringPause).as("reconnected ahead of need after the server's close").isEqualTo(1);
        assertThat(handshakesForQuery).as("the query waited for no handshake").isZero();
      }
    }
  }
}
