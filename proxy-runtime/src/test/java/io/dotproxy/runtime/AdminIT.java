package io.dotproxy.runtime;

import static io.dotproxy.runtime.testing.SyntheticZone.A_NAME;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.testing.DnsClient;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** /metrics, /livez and /readyz scraped while real traffic flows, and while the upstream is gone. */
class AdminIT {

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void metricsFollowRealTrafficAndUpstreamHealthShowsInMetricsNotReadiness() throws Exception {
    Issued certificate = TestPki.newCa().issue();
    try (UnboundServer unbound = UnboundServer.dot(certificate).zone(SyntheticZone.standard()).start();
         RunningProxy proxy = RunningProxy.start(RunningProxy.upstreamFlags(unbound.address(), "dot.test",
             certificate.writePem(dir).caCertificate()).toArray(String[]::new))) {
      int admin = proxy.server().adminAddress().getPort();
      String upstream = "127.0.0.1@" + unbound.port();
      for (int i = 0; i < 30; i++) {
        assertThat(proxy.udp(DnsClient.query(SyntheticZone.rangeName(i), Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
      }
      for (int i = 0; i < 10; i++) {
        assertThat(proxy.tcp(DnsClient.query(SyntheticZone.MISSING_NAME, Type.A)).getRcode()).isEqualTo(Rcode.NXDOMAIN);
      }

      HttpResponse<String> scrape = get(admin, "/metrics");
      assertThat(scrape.statusCode()).isEqualTo(200);
      assertThat(scrape.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
      Map<String, Double> metrics = proxy.scrape();
      assertThat(metrics.get("dotproxy_requests_total{family=\"1\",proto=\"udp\",type=\"A\"}")).isEqualTo(30);
      assertThat(metrics.get("dotproxy_requests_total{family=\"1\",proto=\"tcp\",type=\"A\"}")).isEqualTo(10);
      assertThat(metrics.get("dotproxy_responses_total{rcode=\"NOERROR\"}")).isEqualTo(30);
      assertThat(metrics.get("dotproxy_responses_total{rcode=\"NXDOMAIN\"}")).isEqualTo(10);
      assertThat(metrics.get("dotproxy_request_duration_seconds_count")).isEqualTo(40);
      assertThat(metrics.get("dotproxy_request_duration_seconds_bucket{le=\"+Inf\"}")).isEqualTo(40);
      // 30 names and one NXDOMAIN: the 9 repeats of the NXDOMAIN are answered by the cache.
      assertThat(metrics.get("dotproxy_cache_misses_total")).isEqualTo(31);
      assertThat(metrics.get("dotproxy_cache_hits_total")).isEqualTo(9);
      assertThat(metrics.get("dotproxy_cache_entries")).isEqualTo(31);
      assertThat(metrics.get("dotproxy_upstream_requests_total{upstream=\"" + upstream + "\"}")).isGreaterThanOrEqualTo(31);
      assertThat(metrics.get("dotproxy_upstream_request_duration_seconds_count{upstream=\"" + upstream + "\"}"))
          .isGreaterThanOrEqualTo(31);
      assertThat(metrics.get("dotproxy_upstream_healthy{upstream=\"" + upstream + "\"}")).isEqualTo(1);
      assertThat(metrics.get("dotproxy_upstream_connections{upstream=\"" + upstream + "\"}")).isGreaterThanOrEqualTo(1);
      // the JVM's and the process's own figures, registered once the listeners are bound
      assertThat(metrics.get("process_resident_memory_bytes")).isPositive();
      assertThat(metrics.get("jvm_memory_used_bytes{area=\"heap\"}")).isPositive();
      assertThat(metrics.get("jvm_threads_current")).isPositive();
      assertThat(get(admin, "/livez").statusCode()).isEqualTo(200);
      assertThat(get(admin, "/readyz").statusCode()).isEqualTo(200);
      assertThat(get(admin, "/nothing-here").statusCode()).isEqualTo(404);
      assertThat(http.send(HttpRequest.newBuilder(uri(admin, "/metrics")).POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(405);

      unbound.kill();
      for (int i = 0; i < 3; i++) {
        proxy.udp(DnsClient.query(A_NAME, Type.A));
      }
      Map<String, Double> down = proxy.scrape();
      assertThat(down.get("dotproxy_upstream_healthy{upstream=\"" + upstream + "\"}")).isEqualTo(0);
      assertThat(down.get("dotproxy_responses_total{rcode=\"SERVFAIL\"}")).isGreaterThanOrEqualTo(1);
      assertThat(down.keySet()).anyMatch(k -> k.startsWith("dotproxy_upstream_failures_total{"));
      assertThat(get(admin, "/readyz").statusCode()).as("no usable upstream, but the proxy still answers").isEqualTo(200);
      assertThat(get(admin, "/readyz?verbose").body()).contains(upstream + " down");
      assertThat(get(admin, "/livez").statusCode()).as("alive all the same").isEqualTo(200);
    }
  }

  /**
   * Egress on 853 lost: the proxy stays in its Service and keeps answering (stale from the cache,
   * SERVFAIL at once for the rest), and only SIGTERM's drain takes it out.
   */
  @Test
  void withTheUpstreamUnreachableItStaysReadyAndAnswersUntilItDrains() throws Exception {
    Issued certificate = TestPki.newCa().issue();
    try (UnboundServer unbound = UnboundServer.dot(certificate).zone(SyntheticZone.standard(0)).start();
         RunningProxy proxy = RunningProxy.start(withFlags(RunningProxy.upstreamFlags(unbound.address(), "dot.test",
             certificate.writePem(dir).caCertificate()), "--cache-serve-stale", "1h", "--cache-prefetch", "false",
             "--drain-period", "3s"))) {
      int admin = proxy.server().adminAddress().getPort();
      String upstream = "127.0.0.1@" + unbound.port();
      assertThat(proxy.udp(DnsClient.query(SyntheticZone.SHORT_TTL_NAME, Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
      unbound.kill();
      Thread.sleep(Duration.ofSeconds(SyntheticZone.SHORT_TTL).plusMillis(200).toMillis());

      Message stale = proxy.udp(DnsClient.query(SyntheticZone.SHORT_TTL_NAME, Type.A));
      Message uncached = proxy.udp(DnsClient.query(SyntheticZone.A_NAME, Type.A));
      assertThat(stale.getRcode()).as("the cached name is answered stale").isEqualTo(Rcode.NOERROR);
      assertThat(stale.getSection(Section.ANSWER)).isNotEmpty();
      assertThat(uncached.getRcode()).as("the rest gets an answer too: SERVFAIL").isEqualTo(Rcode.SERVFAIL);
      assertThat(proxy.scrape().get("dotproxy_upstream_healthy{upstream=\"" + upstream + "\"}")).isEqualTo(0);
      HttpResponse<String> ready = get(admin, "/readyz");
      assertThat(ready.statusCode()).as("every upstream down: still ready").isEqualTo(200);
      HttpResponse<String> verbose = get(admin, "/readyz?verbose");
      assertThat(verbose.statusCode()).isEqualTo(200);
      assertThat(verbose.body()).contains("[+]listeners ok", "[+]not-draining ok", upstream + " down", "readyz check passed");

      CompletableFuture<Void> drained = CompletableFuture.runAsync(proxy.server()::drainAndClose);
      long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      int duringDrain = 200;
      while (duringDrain == 200 && System.nanoTime() < deadline) {
        duringDrain = get(admin, "/readyz").statusCode();
      }
      assertThat(duringDrain).as("/readyz during the drain").isEqualTo(503);
      assertThat(get(admin, "/readyz?verbose").body()).contains("[-]draining", "readyz check failed");
      assertThat(get(admin, "/livez").statusCode()).isEqualTo(200);
      assertThat(proxy.udp(DnsClient.query(SyntheticZone.SHORT_TTL_NAME, Type.A)).getRcode())
          .as("still answering while draining").isEqualTo(Rcode.NOERROR);
      proxy.server().stopDraining();
      drained.get(30, TimeUnit.SECONDS);
    }
  }

  private static String[] withFlags(List<String> flags, String... more) {
    List<String> all = new ArrayList<>(flags);
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(port, path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(int port, String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }
}
