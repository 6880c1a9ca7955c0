package io.dotproxy.runtime;

import static io.dotproxy.runtime.testing.SyntheticZone.A_NAME;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.testing.Behaviour;
import io.dotproxy.runtime.testing.DnsClient;
import io.dotproxy.runtime.testing.FakeDotServer;
import io.dotproxy.runtime.testing.FreePorts;
import io.dotproxy.runtime.testing.Issued;
import io.dotproxy.runtime.testing.Kdig;
import io.dotproxy.runtime.testing.RunningProxy;
import io.dotproxy.runtime.testing.SyntheticZone;
import io.dotproxy.runtime.testing.TestPki;
import io.dotproxy.runtime.testing.UnboundServer;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Upstream choice, failover and health across several upstreams. */
class RoutingIT {

  static final TestPki PKI = TestPki.newCa();

  @TempDir Path dir;

  @Test
  void sequentialFailsOverToTheNextUpstreamInOrder() throws Exception {
    int dead = FreePorts.pick(false);
    try (FakeDotServer second = new FakeDotServer(PKI.issue());
         FakeDotServer third = new FakeDotServer(PKI.issue());
         RunningProxy proxy = RunningProxy.start(flags("sequential", dead, second.port(), third.port()))) {
      for (int i = 0; i < 20; i++) {
        assertThat(proxy.udp(DnsClient.query(A_NAME, Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
      }
      assertThat(second.queriesReceived()).isEqualTo(20);
      assertThat(third.queriesReceived()).isZero();
    }
  }

  @Test
  void roundRobinSpreadsQueries() throws Exception {
    try (FakeDotServer one = new FakeDotServer(PKI.issue());
         FakeDotServer two = new FakeDotServer(PKI.issue());
         RunningProxy proxy = RunningProxy.start(flags("round_robin", one.port(), two.port()))) {
      for (int i = 0; i < 100; i++) {
        assertThat(proxy.udp(DnsClient.query("rr" + i + ".test.", Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
      }
      assertThat(one.queriesReceived()).isBetween(40, 60);
      assertThat(two.queriesReceived()).isEqualTo(100 - one.queriesReceived());
    }
  }

  @Test
  void fastestPrefersTheQuickerUpstream() throws Exception {
    try (FakeDotServer slow = new FakeDotServer(PKI.issue()).behave(Behaviour.delay(Duration.ofMillis(40)));
         FakeDotServer quick = new FakeDotServer(PKI.issue());
         RunningProxy proxy = RunningProxy.start(flags("fastest", slow.port(), quick.port()))) {
      for (int i = 0; i < 100; i++) {
        assertThat(proxy.udp(DnsClient.query("f" + i + ".test.", Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
      }
      assertThat(quick.queriesReceived()).isGreaterThan(90);
    }
  }

  @Test
  void withEveryUpstreamDownServfailComesAtOnce() throws Exception {
    try (RunningProxy proxy = RunningProxy.start(flags("fastest", FreePorts.pick(false), FreePorts.pick(false)))) {
      // The first query discovers both are unreachable (connection refused, no timeout needed).
      assertThat(proxy.udp(DnsClient.query(A_NAME, Type.A)).getRcode()).isEqualTo(Rcode.SERVFAIL);
      long start = System.nanoTime();
      for (int i = 0; i < 20; i++) {
        assertThat(proxy.udp(DnsClient.query(A_NAME, Type.A)).getRcode()).isEqualTo(Rcode.SERVFAIL);
      }
      // 20 answers well inside one default 5 s timeout: none of them waited for an upstream.
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
      assertThat(proxy.server().isReady()).as("SERVFAIL at once is still an answer").isTrue();
    }
  }

  @Test
  void aRestartedUpstreamIsUsedAgainWithoutRestartingTheProxy() throws Exception {
    Issued certificate = PKI.issue();
    try (UnboundServer unbound = UnboundServer.dot(certificate).zone(SyntheticZone.standard()).start();
         RunningProxy proxy = RunningProxy.start(withoutCache(RunningProxy.upstreamFlags(unbound.address(), "dot.test",
             certificate.writePem(dir).caCertificate())))) {
      assertThat(proxy.udp(DnsClient.query(A_NAME, Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
      unbound.kill();
      assertThat(proxy.udp(DnsClient.query(A_NAME, Type.A)).getRcode()).isEqualTo(Rcode.SERVFAIL);
      unbound.start();
      int rcode = -1;
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (rcode != Rcode.NOERROR && System.nanoTime() < deadline) {
        Thread.sleep(200);
        rcode = proxy.udp(DnsClient.query(A_NAME, Type.A)).getRcode();
      }
      assertThat(rcode).isEqualTo(Rcode.NOERROR);
      assertThat(proxy.server().isReady()).isTrue();
    }
  }

  @Test
  void aDownUpstreamIsProbedWithBackoffNotHammered() throws Exception {
    Issued untrusted = TestPki.newCa("rogue").issue();
    try (FakeDotServer rogue = new FakeDotServer(untrusted);
         RunningProxy proxy = RunningProxy.start(flags("fastest", rogue.port()))) {
      for (int i = 0; i < 50; i++) {
        proxy.udp(DnsClient.query(A_NAME, Type.A));
      }
      Thread.sleep(4_000);
      // First try, then probes after 1 s and 3 s: a handful of handshakes, not one per query.
      assertThat(rogue.connectionsAccepted()).isBetween(2, 5);
    }
  }

  /**
   * {@code parallel} asks two real Unbounds at once; one refuses the name, the other answers it. The
   * client gets the good answer whichever came first, and both upstreams were asked.
   */
  @Test
  void parallelAnswersWithTheFirstGoodAnswerOfTwoUpstreams() throws Exception {
    Issued certificate = PKI.issue();
    Path ca = certificate.writePem(dir).caCertificate();
    try (UnboundServer refusing = UnboundServer.dot(certificate).zone(SyntheticZone.standard(10))
             .config("local-zone: \"odd.test.\" always_refuse").start();
         UnboundServer answering = UnboundServer.dot(certificate).zone(SyntheticZone.standard(10))
             .config("local-data: \"odd.test. 300 IN A 192.0.2.99\"").start();
         RunningProxy proxy = RunningProxy.start("--policy", "parallel", "--cache-size", "0", "--ca-file", ca.toString(),
             "--upstream", "127.0.0.1@" + refusing.port() + "#dot.test",
             "--upstream", "127.0.0.1@" + answering.port() + "#dot.test")) {
      assertThat(Kdig.against(refusing.address()).withTls(ca, "dot.test").query("odd.test.", "A").status())
          .as("premise").isEqualTo("REFUSED");
      for (int i = 0; i < 5; i++) {
        Message answer = proxy.udp(DnsClient.query("odd.test.", Type.A));
        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(answer.getSection(Section.ANSWER)).singleElement()
            .satisfies(record -> assertThat(record.rdataToString()).isEqualTo("192.0.2.99"));
      }
      for (UnboundServer upstream : List.of(refusing, answering)) {
        assertThat(proxy.metric("dotproxy_upstream_requests_total{upstream=\"127.0.0.1@" + upstream.port() + "\"}"))
            .as("asked in parallel").isEqualTo(5);
      }
    }
  }

  /**
   * Hedging: the first upstream (sequential) takes a second; after {@code hedge-after} the second, a
   * real Unbound, is asked too and its answer (which the slow one does not have) reaches the client.
   */
  @Test
  void aSlowFirstUpstreamIsHedgedWithTheNext() throws Exception {
    Issued certificate = PKI.issue();
    Path ca = certificate.writePem(dir).caCertificate();
    try (FakeDotServer slow = new FakeDotServer(certificate).behave(Behaviour.delay(Duration.ofSeconds(1)));
         UnboundServer unbound = UnboundServer.dot(certificate).zone(SyntheticZone.standard(10)).start();
         RunningProxy proxy = RunningProxy.start("--policy", "sequential", "--hedge-after", "100ms",
             "--cache-size", "0", "--ca-file", ca.toString(),
             "--upstream", "127.0.0.1@" + slow.port() + "#dot.test",
             "--upstream", "127.0.0.1@" + unbound.port() + "#dot.test")) {
      // The first answer is observed (the slow one's usual time), so the next query can be hedged.
      assertThat(proxy.udp(DnsClient.query(SyntheticZone.A_NAME, Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
      Message answer = proxy.udp(DnsClient.query(SyntheticZone.AAAA_NAME, Type.AAAA));
      InetAddress unboundsAddress = InetAddress.getByName(SyntheticZone.AAAA_ADDRESS); // a literal: no lookup
      assertThat(answer.getSection(Section.ANSWER)).as("Unbound's answer, not the slow one's NODATA")
          .singleElement().isInstanceOfSatisfying(AAAARecord.class, record ->
              assertThat(record.getAddress()).isEqualTo(unboundsAddress));
      assertThat(proxy.metric("dotproxy_upstream_hedged_total")).isEqualTo(1);
      assertThat(slow.awaitQueries(2, Duration.ofSeconds(2))).isTrue();
    }
    try (FakeDotServer slow = new FakeDotServer(certificate).behave(Behaviour.delay(Duration.ofMillis(300)));
         UnboundServer unbound = UnboundServer.dot(certificate).zone(SyntheticZone.standard(10)).start();
         RunningProxy proxy = RunningProxy.start("--policy", "sequential",
             "--cache-size", "0", "--ca-file", ca.toString(),
             "--upstream", "127.0.0.1@" + slow.port() + "#dot.test",
             "--upstream", "127.0.0.1@" + unbound.port() + "#dot.test")) {
      Message answer = proxy.udp(DnsClient.query(SyntheticZone.AAAA_NAME, Type.AAAA));
      assertThat(answer.getSection(Section.ANSWER)).as("hedging off by default: the slow one's NODATA").isEmpty();
      assertThat(proxy.metric("dotproxy_upstream_hedged_total")).isZero();
    }
  }

  /** The flags plus {@code --cache-size 0}, so that a cached answer cannot hide the upstream's state. */
  private static String[] withoutCache(List<String> flags) {
    List<String> all = new ArrayList<>(flags);
    all.addAll(List.of("--cache-size", "0"));
    return all.toArray(String[]::new);
  }

  private String[] flags(String policy, int... ports) {
    // No cache in front: every query must reach the routing under test.
    List<String> flags = new ArrayList<>(List.of("--policy", policy, "--timeout", "2s", "--cache-size", "0",
        "--ca-file", PKI.issue().writePem(dir).caCertificate().toString()));
    for (int port : ports) {
      flags.addAll(List.of("--upstream", "127.0.0.1@" + port + "#dot.test"));
    }
    return flags.toArray(String[]::new);
  }
}
