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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * A proxy on a many-core node must not open a TLS connection per event loop per upstream at start:
 * one connection is opened ahead of the first query, the others when a loop first needs one.
 */
class EventLoopsIT {

  private static final int LOOPS = 4;

  private FakeDotServer upstream;
  private List<String> upstreamFlags;

  @BeforeEach
  void startUpstream(@TempDir Path dir) {
    Issued certificate = TestPki.newCa().issue();
    Path caFile = certificate.writePem(dir).caCertificate();
    upstream = new FakeDotServer(certificate);
    upstreamFlags = RunningProxy.upstreamFlags(upstream.address(), "dot.test", caFile);
  }

  @AfterEach
  void stopUpstream() {
    upstream.close();
  }

  @Test
  void withSeveralEventLoopsTheUpstreamSeesOneConnectionAtStart() throws Exception {
    List<String> flags = new ArrayList<>(upstreamFlags);
    flags.addAll(List.of("--threads", String.valueOf(LOOPS)));
    try (RunningProxy proxy = RunningProxy.start(flags.toArray(String[]::new))) {
      assertThat(upstream.awaitConnections(1, Duration.ofSeconds(5))).isTrue();
      // Long enough for the handshakes of every loop to have arrived, had they been started.
      Thread.sleep(1_000);
      assertThat(upstream.connectionsAccepted()).isEqualTo(1);
      assertThat(upstream.handshakesCompleted()).isEqualTo(1);

      // Queries from many sockets spread over the loops; each loop connects when it first needs to.
      for (int i = 0; i < 4 * LOOPS; i++) {
        assertThat(proxy.udp(DnsClient.query("n" + i + ".test.", Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
      }
      assertThat(upstream.connectionsAccepted()).isBetween(1, LOOPS);
    }
  }

  @Test
  void theDefaultWithoutALimitIsAtMostFourLoops() throws Exception {
    try (RunningProxy proxy = RunningProxy.start(upstreamFlags.toArray(String[]::new))) {
      assertThat(upstream.awaitConnections(1, Duration.ofSeconds(5))).isTrue();
      Thread.sleep(1_000);
      assertThat(upstream.connectionsAccepted()).isEqualTo(1);
      assertThat(proxy.server().eventLoops())
          .isEqualTo(Math.min(4, Runtime.getRuntime().availableProcessors()));
    }
  }
}
