package io.dotproxy.runtime.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.testing.Behaviour;
import io.dotproxy.runtime.testing.DnsClient;
import io.dotproxy.runtime.testing.FakeDotServer;
import io.dotproxy.runtime.testing.Issued;
import io.dotproxy.runtime.testing.Metrics;
import io.dotproxy.runtime.testing.RunningProxy;
import io.dotproxy.runtime.testing.TestPki;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The cache in the real proxy against a scripted DoT upstream that counts what reaches it. */
class CacheFakeUpstreamIT {

  private static final String NAME = "burst.test.";
  private static final int SOCKETS = 8;
  private static final int QUERIES_PER_SOCKET = 5;

  private final AtomicInteger upstreamQueries = new AtomicInteger();
  private FakeDotServer upstream;
  private Path caFile;

  @BeforeEach
  void startUpstream(@TempDir Path dir) {
    Issued certificate = TestPki.newCa().issue();
    caFile = certificate.writePem(dir).caCertificate();
    upstream = new FakeDotServer(certificate);
  }

  @AfterEach
  void stopUpstream() {
    upstream.close();
  }

  /** Counts queries for {@link #NAME}, then answers normally after {@code delay}. */
  private Behaviour countingThenAnswering(Duration delay) {
    return query -> {
      Message message = query.message();
      if (message != null && message.getQuestion() != null
          && message.getQuestion().getName().toString().equalsIgnoreCase(NAME)) {
        upstreamQueries.incrementAndGet();
      }
      query.later(delay, query::answer);
    };
  }

  @Test
  void identicalQueriesInFlightReachTheUpstreamOnce() throws Exception {
    upstream.behave(countingThenAnswering(Duration.ofMillis(700)));
    try (RunningProxy proxy = startProxy(upstream.port(), caFile)) {
      List<DnsClient.Udp> sockets = new ArrayList<>();
      Set<Integer> ids = new HashSet<>();
      try {
        for (int s = 0; s < SOCKETS; s++) {
          DnsClient.Udp udp = DnsClient.udp(proxy.address());
          sockets.add(udp);
          for (int q = 0; q < QUERIES_PER_SOCKET; q++) {
            Message query = DnsClient.query(q % 2 == 0 ? NAME : NAME.toUpperCase(), Type.A);
            ids.add(query.getHeader().getID());
            udp.send(query.toWire());
          }
        }
        Set<Integer> answered = new HashSet<>();
        for (DnsClient.Udp udp : sockets) {
          for (int q = 0; q < QUERIES_PER_SOCKET; q++) {
            Message answer = DnsClient.parse(udp.receive(RunningProxy.CLIENT_TIMEOUT));
            assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(answer.getSection(Section.ANSWER)).hasSize(1);
            answered.add(answer.getHeader().getID());
          }
        }
        assertThat(answered).isEqualTo(ids);
      } finally {
        sockets.forEach(DnsClient.Udp::close);
      }
      int clients = SOCKETS * QUERIES_PER_SOCKET;
      assertThat(upstreamQueries.get()).isEqualTo(1);
      // Any query that arrived after the answer was a cache hit rather than a joiner.
      assertThat(metric(proxy, "dotproxy_coalesced") + metric(proxy, "dotproxy_cache_hits"))
          .isEqualTo(clients - 1);
    }
  }

  @Test
  void aStalledUpstreamGetsAStaleAnswerOutAfterTheClientResponseTimer() throws Exception {
    upstream.behave(countingThenAnswering(Duration.ZERO));
    try (RunningProxy proxy = startProxy(upstream.port(), caFile,
        "--cache-max-ttl", "1", "--cache-serve-stale", "1h", "--cache-prefetch", "false")) {
      assertThat(proxy.udp(DnsClient.query(NAME, Type.A)).getSection(Section.ANSWER).get(0).getTTL())
          .isEqualTo(1);
      Thread.sleep(1_200);
      upstream.behave(Behaviour.STALL);
      Message stale = proxy.udp(DnsClient.query(NAME, Type.A));
      assertThat(stale.getRcode()).isEqualTo(Rcode.NOERROR);
      assertThat(stale.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(CachedAnswer.STALE_TTL);
      assertThat(metric(proxy, "dotproxy_cache_stale_answers")).isEqualTo(1);
    }
  }

  @Test
  void withCacheSizeZeroEveryQueryGoesUpstream() throws Exception {
    upstream.behave(countingThenAnswering(Duration.ZERO));
    try (RunningProxy proxy = startProxy(upstream.port(), caFile, "--cache-size", "0")) {
      proxy.udp(DnsClient.query(NAME, Type.A));
      proxy.udp(DnsClient.query(NAME, Type.A));
      assertThat(upstreamQueries.get()).isEqualTo(2);
      assertThat(metric(proxy, "dotproxy_cache_entries")).isZero();
      assertThat(metric(proxy, "dotproxy_cache_hits")).isZero();
    }
  }

  /** An unlabelled counter (name without {@code _total}) or gauge of the running proxy. */
  private static double metric(RunningProxy proxy, String name) {
    return Metrics.value(proxy.server().metrics(), name);
  }

  /** The proxy in front of the DoT server on 127.0.0.1:{@code port}, whose certificate names dot.test. */
  private static RunningProxy startProxy(int port, Path caFile, String... flags) throws Exception {
    List<String> all = new ArrayList<>(RunningProxy.upstreamFlags(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), port), "dot.test", caFile));
    all.addAll(List.of(flags));
    return RunningProxy.start(all.toArray(String[]::new));
  }
}
