package io.dotproxy.runtime.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.testing.DnsClient;
import io.dotproxy.runtime.testing.Issued;
import io.dotproxy.runtime.testing.SyntheticZone;
import io.dotproxy.runtime.testing.TestPki;
import io.dotproxy.runtime.testing.UnboundServer;
import java.nio.file.Path;
import java.time.Duration;
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
    try (RunningProxy proxy = RunningProxy.start(unbound.port(), caFile())) {
      Message first = proxy.ask(DnsClient.query(SyntheticZone.A_NAME, Type.A));
      assertThat(firstTtl(first)).isEqualTo(SyntheticZone.TTL);

      // Unbound serves local data with a constant TTL, so a lower one can only come from the cache.
      Message aged = first;
      for (int i = 0; i < 25 && firstTtl(aged) == SyntheticZone.TTL; i++) {
        Thread.sleep(200);
        aged = proxy.ask(DnsClient.query(SyntheticZone.A_NAME, Type.A));
      }
      assertThat(firstTtl(aged)).isLessThan(SyntheticZone.TTL).isGreaterThan(SyntheticZone.TTL - 10);

      Message mixed = DnsClient.query("A.TeSt.", Type.A);
      Message overTcp = proxy.askTcp(mixed);
      assertThat(overTcp.getHeader().getID()).isEqualTo(mixed.getHeader().getID());
      assertThat(overTcp.getQuestion().getName().toString()).isEqualTo("A.TeSt.");
      assertThat(firstTtl(overTcp)).isLessThan(SyntheticZone.TTL);
      assertThat(proxy.metric("dotproxy_cache_misses")).isEqualTo(1);
      assertThat(proxy.metric("dotproxy_cache_hits")).isGreaterThanOrEqualTo(2);
      assertThat(proxy.metric("dotproxy_cache_entries")).isEqualTo(1);
    }
  }

  @Test
  void anEntryIsAskedForAgainOnceItsTtlRunsOut() throws Exception {
    try (RunningProxy proxy = RunningProxy.start(unbound.port(), caFile(),
        "--cache-prefetch", "false")) {
      proxy.ask(DnsClient.query(SyntheticZone.SHORT_TTL_NAME, Type.A));
      Thread.sleep(Duration.ofSeconds(SyntheticZone.SHORT_TTL).plusMillis(200).toMillis());
      Message refetched = proxy.ask(DnsClient.query(SyntheticZone.SHORT_TTL_NAME, Type.A));
      assertThat(firstTtl(refetched)).isEqualTo(SyntheticZone.SHORT_TTL);
      assertThat(proxy.metric("dotproxy_cache_misses")).isEqualTo(2);
    }
  }

  @Test
  void nxdomainAndNodataAreCachedWithTheirSoa() throws Exception {
    try (RunningProxy proxy = RunningProxy.start(unbound.port(), caFile())) {
      for (int i = 0; i < 2; i++) {
        Message nxdomain = proxy.ask(DnsClient.query(SyntheticZone.MISSING_NAME, Type.A));
        assertThat(nxdomain.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(soaTtl(nxdomain)).isBetween(1L, (long) SyntheticZone.NEGATIVE_TTL);
        Message nodata = proxy.ask(DnsClient.query(SyntheticZone.A_NAME, Type.AAAA));
        assertThat(nodata.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(nodata.getSection(Section.ANSWER)).isEmpty();
        assertThat(soaTtl(nodata)).isBetween(1L, (long) SyntheticZone.NEGATIVE_TTL);
      }
      assertThat(proxy.metric("dotproxy_cache_misses")).isEqualTo(2);
      assertThat(proxy.metric("dotproxy_cache_hits")).isEqualTo(2);
    }
  }

  @Test
  void aWorkingSetLargerThanTheCacheKeepsItBoundedAndTheHotNameIn() throws Exception {
    int size = 100;
    try (RunningProxy proxy = RunningProxy.start(unbound.port(), caFile(),
        "--cache-size", Integer.toString(size))) {
      proxy.ask(DnsClient.query(SyntheticZone.A_NAME, Type.A));
      for (int i = 0; i < 1_500; i++) {
        Message answer = proxy.ask(DnsClient.query(SyntheticZone.rangeName(i), Type.A));
        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        if (i % 10 == 0) {
          proxy.ask(DnsClient.query(SyntheticZone.A_NAME, Type.A));
        }
      }
      assertThat(proxy.metric("dotproxy_cache_entries")).isLessThanOrEqualTo(size);

      double misses = proxy.metric("dotproxy_cache_misses");
      proxy.ask(DnsClient.query(SyntheticZone.A_NAME, Type.A));
      assertThat(proxy.metric("dotproxy_cache_misses")).isEqualTo(misses); // the hot name stayed
      proxy.ask(DnsClient.query(SyntheticZone.rangeName(0), Type.A));
      assertThat(proxy.metric("dotproxy_cache_misses")).isEqualTo(misses + 1); // a cold one went
    }
  }

  @Test
  void expiredAnswersAreServedStaleWhileTheUpstreamIsStopped() throws Exception {
    try (UnboundServer own = UnboundServer.dot(certificate).zone(SyntheticZone.standard(0)).start();
        RunningProxy proxy = RunningProxy.start(own.port(), own.pemFiles().orElseThrow().caCertificate(),
            "--cache-serve-stale", "1h", "--cache-prefetch", "false")) {
      Message withEdns = DnsClient.queryWithEdns(SyntheticZone.SHORT_TTL_NAME, Type.A, 1232);
      proxy.ask(withEdns);
      own.stop();
      Thread.sleep(Duration.ofSeconds(SyntheticZone.SHORT_TTL).plusMillis(200).toMillis());

      Message stale = proxy.ask(DnsClient.queryWithEdns(SyntheticZone.SHORT_TTL_NAME, Type.A, 1232));
      assertThat(stale.getRcode()).isEqualTo(Rcode.NOERROR);
      assertThat(firstTtl(stale)).isEqualTo(CachedAnswer.STALE_TTL);
      assertThat(stale.getOPT().getOptions(EDNSOption.Code.EDNS_EXTENDED_ERROR))
          .extracting(option -> ((ExtendedErrorCodeOption) option).getErrorCode())
          .containsExactly(ExtendedErrorCodeOption.STALE_ANSWER);
      assertThat(proxy.metric("dotproxy_cache_stale_answers")).isEqualTo(1);

      // A name never cached has nothing to fall back on.
      Message uncached = proxy.ask(DnsClient.query(SyntheticZone.A_NAME, Type.A));
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
}
