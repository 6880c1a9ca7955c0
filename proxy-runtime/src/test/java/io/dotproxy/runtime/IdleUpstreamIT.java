package io.dotproxy.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.testing.DnsClient;
import io.dotproxy.runtime.testing.FakeDotServer;
import io.dotproxy.runtime.testing.Issued;
import io.dotproxy.runtime.testing.RunningProxy;
import io.dotproxy.runtime.testing.SyntheticZone;
import io.dotproxy.runtime.testing.TestPki;
import io.dotproxy.runtime.testing.UnboundServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Public DoT servers close connections idle for about 10 s; the proxy keeps its own for 30 s. The
 * first query after a pause longer than the server's limit must not wait for a new TLS handshake:
 * a connection the server closed while it was idle, on a loop that had queries within the proxy's
 * own idle time, is opened again at once, ahead of need. A server that tells its idle timeout (EDNS
 * TCP keepalive, RFC 7828) has its connections closed and replaced a little before it would close
 * them, so no query is ever written into a connection the server is closing.
 *
 * <p>Figures (loopback, a handshake costs milliseconds here but one or two round trips to a real
 * server) are printed; what is asserted is that the query found a connection ready.
 */
class IdleUpstreamIT {

  private static final Duration SERVER_IDLE_CLOSE = Duration.ofSeconds(10);
  private static final Duration PAUSE = Duration.ofSeconds(15);
  /** What Unbound advertises: shorter than its tcp-idle-timeout, so only the keepalive explains a close. */
  private static final Duration UNBOUND_KEEPALIVE = Duration.ofSeconds(3);

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

  @Test
  void learnsTheKeepaliveTimeoutOfARealUnboundAndKeepsAConnectionReadyAcrossAPauseLongerThanIt(
      @TempDir Path dir) throws Exception {
    Issued certificate = TestPki.newCa().issue();
    Path caFile = certificate.writePem(dir).caCertificate();
    try (UnboundServer unbound = UnboundServer.dot(certificate)
        .config("edns-tcp-keepalive: yes")
        .config("edns-tcp-keepalive-timeout: " + UNBOUND_KEEPALIVE.toMillis())
        .start()) {
      List<String> flags = new ArrayList<>(RunningProxy.upstreamFlags(unbound.address(), "dot.test", caFile));
      flags.addAll(List.of("--threads", "1"));
      try (RunningProxy proxy = RunningProxy.start(flags.toArray(String[]::new))) {
        String upstream = "127.0.0.1@" + unbound.port();
        for (int round = 0; round < 2; round++) { // a miss, then the same answer from the cache
          Message answer = proxy.tcp(ednsQuery(SyntheticZone.A_NAME));
          assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
          assertThat(answer.getOPT().getOptions(EDNSOption.Code.TCP_KEEPALIVE))
              .as("Unbound's keepalive option is for the proxy's connection, not the client's").isEmpty();
        }
        assertThat(readyzVerbose(proxy)).contains(upstream + " healthy, keeps idle connections "
            + UNBOUND_KEEPALIVE.toMillis() + " ms (EDNS keepalive)");

        Thread.sleep(UNBOUND_KEEPALIVE.multipliedBy(2).toMillis());
        assertThat(proxy.metric("dotproxy_upstream_connections{upstream=\"" + upstream + "\"}"))
            .as("a connection is ready after a pause longer than the server keeps one").isEqualTo(1);
        assertThat(proxy.udp(DnsClient.query(SyntheticZone.AAAA_NAME, Type.AAAA)).getRcode())
            .isEqualTo(Rcode.NOERROR);
        Map<String, Double> metrics = proxy.scrape();
        assertThat(metrics.get("dotproxy_upstream_requests_total{upstream=\"" + upstream + "\"}")).isEqualTo(2);
        assertThat(metrics.get("dotproxy_upstream_retries_total{upstream=\"" + upstream + "\"}"))
            .as("no query was written into a connection Unbound was closing").isZero();
        assertThat(metrics.entrySet()).filteredOn(e -> e.getKey().startsWith("dotproxy_upstream_failures_total"))
            .extracting(Map.Entry::getValue).containsOnly(0.0);
      }
    }
  }

  private static Message ednsQuery(String name) throws Exception {
    Message query = DnsClient.query(name, Type.A);
    query.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
    return query;
  }

  private static String readyzVerbose(RunningProxy proxy) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(
        "http://127.0.0.1:" + proxy.server().adminAddress().getPort() + "/readyz?verbose")).build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body();
  }
}
