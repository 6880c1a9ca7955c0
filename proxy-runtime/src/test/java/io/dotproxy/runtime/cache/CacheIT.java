package io.dotproxy.runtime.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.testing.DnsClient;
import io.dotproxy.runtime.testing.Issued;
import io.dotproxy.runtime.testing.Metrics;
import io.dotproxy.runtime.testing.RunningProxy;
import io.dotproxy.runtime.testing.SyntheticZone;
import io.dotproxy.runtime.testing.TestPki;
import io.dotproxy.runtime.testing.UnboundServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The cache in the real proxy, in front of a real Unbound speaking DNS-over-TLS on loopback. */
class CacheIT {

  private static Issued certificate;
  private static UnboundServer unbound;

  @BeforeAll
  static void startUnbound() {
    certificate = TestPki.newCa().issue();
    unbound = UnboundServer.dot(certificate).zone(SyntheticZone.standard(2_000)).start();
  }

  @AfterAll
  static void stopUnbound() {
    if (unbound != null) {
      unbound.close();
    }
  }

  private static Path caFile() {
    return unbound.pemFiles().orElseThrow().caCertificate();
  }

  @Test
  void hitsCarryTheClientsIdAndCaseAndTtlsThatCountDown() throws Exception {
    try (RunningProxy proxy = startProxy(unbound.port(), caFile())) {
      Message first = proxy.udp(DnsClient.query(SyntheticZone.A_NAME, Type.A));
      assertThat(firstTtl(first)).isEqualTo(SyntheticZone.TTL);

      // Unbound serves local data with a constant TTL, so a lower one can only come from the cache.
      Message aged = first;
      for (int i = 0; i < 25 && firstTtl(aged) == SyntheticZone.TTL; i++) {
        Thread.sleep(200);
        aged = proxy.udp(DnsClient.query(SyntheticZone.A_NAME, Type.A));
      }
      assertThat(firstTtl(aged)).isLessThan(SyntheticZone.TTL).isGreaterThan(SyntheticZone.TTL - 10);

      Message mixed = DnsClient.query("A.TeSt.", Type.A);
      Message overTcp = proxy.tcp(mixed);
      assertThat(overTcp.getHeader().getID()).isEqualTo(mixed.getHeader().getID());
      assertThat(overTcp.getQuestion().getName().toString()).isEqualTo("A.TeSt.");
      assertThat(firstTtl(overTcp)).isLessThan(SyntheticZone.TTL);
      assertThat(metric(proxy, "dotproxy_cache_misses")).isEqualTo(1);
      assertThat(metric(proxy, "dotproxy_cache_hits")).isGreaterThanOrEqualTo(2);
      assertThat(metric(proxy, "dotproxy_cache_entries")).isEqualTo(1);
    }
  }

  @Test
  void anEntryIsAskedForAgainOnceItsTtlRunsOut() throws Exception {
    try (RunningProxy proxy = startProxy(unbound.port(), caFile(),
        "--cache-prefetch", "false")) {
      proxy.udp(DnsClient.query(SyntheticZone.SHORT_TTL_NAME, Type.A));
      Thread.sleep(Duration.ofSeconds(SyntheticZone.SHORT_TTL).plusMillis(200).toMillis());
      Message refetched = proxy.udp(DnsClient.query(SyntheticZone.SHORT_TTL_NAME, Type.A));
      assertThat(firstTtl(refetched)).isEqualTo(SyntheticZone.SHORT_TTL);
      assertThat(metric(proxy, "dotproxy_cache_misses")).isEqualTo(2);
    }
  }

  @Test
  void nxdomainAndNodataAreCachedWithTheirSoa() throws Exception {
    try (RunningProxy proxy = startProxy(unbound.port(), caFile())) {
      for (int i = 0; i < 2; i++) {
        Message nxdomain = proxy.udp(DnsClient.query(SyntheticZone.MISSING_NAME, Type.A));
        assertThat(nxdomain.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(soaTtl(nxdomain)).isBetween(1L, (long) SyntheticZone.NEGATIVE_TTL);
        Message nodata = proxy.udp(DnsClient.query(SyntheticZone.A_NAME, Type.AAAA));
        assertThat(nodata.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(nodata.getSection(Section.ANSWER)).isEmpty();
        assertThat(soaTtl(nodata)).isBetween(1L, (long) SyntheticZone.NEGATIVE_TTL);
      }
      assertThat(metric(proxy, "dotproxy_cache_misses")).isEqualTo(2);
      assertThat(metric(proxy, "dotproxy_cache_hits")).isEqualTo(2);
    }
  }

  @Test
  void aWorkingSetLargerThanTheCacheKeepsItBoundedAndTheHotNameIn() throws Exception {
    int size = 100;
    try (RunningProxy proxy = startProxy(unbound.port(), caFile(),
        "--cache-size", Integer.toString(size))) {
      proxy.udp(DnsClient.query(SyntheticZone.A_NAME, Type.A));
      for (int i = 0; i < 1_500; i++) {
        Message answer = proxy.udp(DnsClient.query(SyntheticZone.rangeName(i), Type.A));
        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        if (i % 10 == 0) {
          proxy.udp(DnsClient.query(SyntheticZone.A_NAME, Type.A));
        }
      }
      assertThat(metric(proxy, "dotproxy_cache_entries")).isLessThanOrEqualTo(size);

      double misses = metric(proxy, "dotproxy_cache_misses");
      proxy.udp(DnsClient.query(SyntheticZone.A_NAME, Type.A));
      assertThat(metric(proxy, "dotproxy_cache_misses")).isEqualTo(misses); // the hot name stayed
      proxy.udp(DnsClient.query(SyntheticZone.rangeName(0), Type.A));
      assertThat(metric(proxy, "dotproxy_cache_misses")).isEqualTo(misses + 1); // a cold one went
    }
  }

  @Test
  void expiredAnswersAreServedStaleWhileTheUpstreamIsStopped() throws Exception {
    try (UnboundServer own = UnboundServer.dot(certificate).zone(SyntheticZone.standard(0)).start();
        RunningProxy proxy = startProxy(own.port(), own.pemFiles().orElseThrow().caCertificate(),
            "--cache-serve-stale", "1h", "--cache-prefetch", "false")) {
      Message withEdns = DnsClient.queryWithEdns(SyntheticZone.SHORT_TTL_NAME, Type.A, 1232);
      proxy.udp(withEdns);
      own.stop();
      Thread.sleep(Duration.ofSeconds(SyntheticZone.SHORT_TTL).plusMillis(200).toMillis());

      Message stale = proxy.udp(DnsClient.queryWithEdns(SyntheticZone.SHORT_TTL_NAME, Type.A, 1232));
      assertThat(stale.getRcode()).isEqualTo(Rcode.NOERROR);
      assertThat(firstTtl(stale)).isEqualTo(CachedAnswer.STALE_TTL);
      assertThat(stale.getOPT().getOptions(EDNSOption.Code.EDNS_EXTENDED_ERROR))
          .extracting(option -> ((ExtendedErrorCodeOption) option).getErrorCode())
          .containsExactly(ExtendedErrorCodeOption.STALE_ANSWER);
      assertThat(metric(proxy, "dotproxy_cache_stale_answers")).isEqualTo(1);

      // A name never cached has nothing to fall back on.
      Message uncached = proxy.udp(DnsClient.query(SyntheticZone.A_NAME, Type.A));
      assertThat(uncached.getRcode()).isEqualTo(Rcode.SERVFAIL);
    }
  }

  private static long firstTtl(Message message) {
    return message.getSection(Section.ANSWER).get(0).getTTL();
  }

  private static long soaTtl(Message message) {
    for (Record record : message.getSection(Section.AUTHORITY)) {
      if (record.getType() == Type.SOA) {
        return record.getTTL();
      }
    }
    throw new AssertionError("no SOA in " + message);
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
