package io.dotproxy.runtime;

import static io.dotproxy.runtime.testing.SyntheticZone.A_NAME;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.testing.Behaviour;
import io.dotproxy.runtime.testing.DnsClient;
import io.dotproxy.runtime.testing.FakeDotServer;
import io.dotproxy.runtime.testing.FreePorts;
import io.dotproxy.runtime.testing.Issued;
import io.dotproxy.runtime.testing.RunningProxy;
import io.dotproxy.runtime.testing.SyntheticZone;
import io.dotproxy.runtime.testing.TestPki;
import io.dotproxy.runtime.testing.UnboundServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
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
