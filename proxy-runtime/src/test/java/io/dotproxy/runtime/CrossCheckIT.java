package io.dotproxy.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.testing.DnsClient;
import io.dotproxy.runtime.testing.FreePorts;
import io.dotproxy.runtime.testing.Issued;
import io.dotproxy.runtime.testing.ProxyProcess;
import io.dotproxy.runtime.testing.RunningProxy;
import io.dotproxy.runtime.testing.SyntheticZone;
import io.dotproxy.runtime.testing.TestPki;
import io.dotproxy.runtime.testing.UnboundServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The answer cross-check against real Unbound DoT upstreams, one of which is made to answer some
 * names differently with its own local-data: what the client gets and what is counted.
 */
class CrossCheckIT {

  static final TestPki PKI = TestPki.newCa();

  /** Answered alike by every upstream here (from the synthetic zone). */
  private static final String AGREED = SyntheticZone.A_NAME;
  /** An address the odd upstream answers differently. */
  private static final String CHANGED = "changed.test.";
  private static final String CHANGED_HONEST = "192.0.2.7";
  private static final String CHANGED_ODD = "198.51.100.7";
  /** Two addresses, of which the odd upstream shares one: a CDN's pool seen from elsewhere. */
  private static final String POOL = "pool.test.";
  /** Every upstream but the odd one answers it; the odd one refuses it. */
  private static final String REFUSED = "refused.test.";
  private static final String REFUSED_ADDRESS = "192.0.2.9";

  @TempDir Path dir;
  private Issued certificate;
  private Path ca;

  @BeforeEach
  void certificate() {
    certificate = PKI.issue();
    ca = certificate.writePem(dir).caCertificate();
  }

  @Test
  void aMismatchIsServfailWithAnExtendedErrorByDefaultAndCounted() throws Exception {
    againstHonestAndOdd(List.of("--cross-check"), (proxy, honest, odd) -> {
      for (int i = 0; i < 3; i++) {
        assertThat(addresses(proxy.udp(DnsClient.query(AGREED, Type.A)))).containsExactly(SyntheticZone.A_ADDRESS);
      }
      Message changed = proxy.udp(DnsClient.queryWithEdns(CHANGED, Type.A, 1232));
      assertThat(changed.getRcode()).isEqualTo(Rcode.SERVFAIL);
      assertThat(changed.getOPT().getOptions()).singleElement().isInstanceOfSatisfying(ExtendedErrorCodeOption.class,
          ede -> assertThat(ede.getText()).contains("answers differ"));
      assertThat(proxy.udp(DnsClient.query(POOL, Type.A)).getRcode()).as("strict: a shared address is not enough")
          .isEqualTo(Rcode.SERVFAIL);

      assertThat(proxy.metric("dotproxy_crosscheck_comparisons_total")).isEqualTo(5);
      assertThat(proxy.metric(mismatches("servfail"))).isEqualTo(2);
      assertThat(proxy.metric(mismatches("first")) + proxy.metric(mismatches("majority"))).isZero();
      for (UnboundServer upstream : List.of(honest, odd)) {
        assertThat(proxy.metric(requestsTo(upstream))).as("every query to both").isEqualTo(5);
      }
    });
  }

  @Test
  void overlapAcceptsAddressSetsThatShareAnAddressButNotDisjointOnes() throws Exception {
    againstHonestAndOdd(List.of("--cross-check", "--cross-check-compare", "overlap"), (proxy, honest, odd) -> {
      Message pool = proxy.udp(DnsClient.query(POOL, Type.A));
      assertThat(pool.getRcode()).isEqualTo(Rcode.NOERROR);
      assertThat(addresses(pool)).as("one upstream's whole answer").contains("192.0.2.21").hasSize(2);
      assertThat(proxy.udp(DnsClient.query(CHANGED, Type.A)).getRcode()).isEqualTo(Rcode.SERVFAIL);

      assertThat(proxy.metric("dotproxy_crosscheck_comparisons_total")).isEqualTo(2);
      assertThat(proxy.metric(mismatches("servfail"))).isEqualTo(1);
    });
  }

  @Test
  void theMajorityOfThreeOutvotesTheOddOneAndNoMajorityIsServfail() throws Exception {
    try (UnboundServer honest = honest("split.test. 300 IN A 192.0.2.31").start();
         UnboundServer honestToo = honest("split.test. 300 IN A 192.0.2.32").start();
         UnboundServer odd = odd("split.test. 300 IN A 192.0.2.33").start();
         RunningProxy proxy = proxy(List.of(odd, honest, honestToo), "--cross-check", "--cross-check-upstreams", "3",
             "--cross-check-on-mismatch", "majority")) {
      for (int i = 0; i < 4; i++) {
        assertThat(addresses(proxy.udp(DnsClient.query(CHANGED, Type.A)))).containsExactly(CHANGED_HONEST);
      }
      assertThat(proxy.udp(DnsClient.query("split.test.", Type.A)).getRcode()).as("three answers, all different")
          .isEqualTo(Rcode.SERVFAIL);

      assertThat(proxy.metric(mismatches("majority"))).isEqualTo(4);
      assertThat(proxy.metric(mismatches("servfail"))).isEqualTo(1);
      assertThat(proxy.metric("dotproxy_crosscheck_comparisons_total")).isEqualTo(5);
    }
  }

  @Test
  void onMismatchFirstAnswersAndOnlyCounts() throws Exception {
    againstHonestAndOdd(List.of("--cross-check", "--cross-check-on-mismatch", "first"), (proxy, honest, odd) -> {
      Message changed = proxy.udp(DnsClient.query(CHANGED, Type.A));
      assertThat(changed.getRcode()).isEqualTo(Rcode.NOERROR);
      assertThat(addresses(changed)).singleElement().isIn(CHANGED_HONEST, CHANGED_ODD);

      assertThat(proxy.metric(mismatches("first"))).isEqualTo(1);
      assertThat(proxy.metric(mismatches("servfail"))).isZero();
    });
  }

  /**
   * An upstream that refuses the name is replaced by the next one, and the answer is still compared;
   * with nobody left to ask, the one answer there is stays unverified: SERVFAIL unless told otherwise.
   */
  @Test
  void aFailingUpstreamIsReplacedWhileThereIsAnotherElseTheAnswerIsUnverified() throws Exception {
    try (UnboundServer refusing = odd().start();
         UnboundServer honest = honest().start();
         UnboundServer honestToo = honest().start()) {
      try (RunningProxy proxy = proxy(List.of(refusing, honest, honestToo), "--cross-check")) {
        assertThat(addresses(proxy.udp(DnsClient.query(REFUSED, Type.A)))).containsExactly(REFUSED_ADDRESS);
        assertThat(proxy.metric("dotproxy_crosscheck_comparisons_total")).isEqualTo(1);
        assertThat(proxy.metric(requestsTo(honestToo))).as("the stand-in").isEqualTo(1);
        assertThat(proxy.metric(unverified("servfail")) + proxy.metric(unverified("answer"))).isZero();
      }
      try (RunningProxy proxy = proxy(List.of(refusing, honest), "--cross-check")) {
        Message refused = proxy.udp(DnsClient.queryWithEdns(REFUSED, Type.A, 1232));
        assertThat(refused.getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(refused.getOPT().getOptions()).singleElement().isInstanceOfSatisfying(
            ExtendedErrorCodeOption.class, ede -> assertThat(ede.getText()).contains("fewer than two"));
        assertThat(proxy.metric(unverified("servfail"))).isEqualTo(1);
      }
      try (RunningProxy proxy = proxy(List.of(refusing, honest), "--cross-check",
          "--cross-check-on-unverified", "answer")) {
        assertThat(addresses(proxy.udp(DnsClient.query(REFUSED, Type.A)))).containsExactly(REFUSED_ADDRESS);
        assertThat(proxy.metric(unverified("answer"))).isEqualTo(1);
      }
    }
  }

  /** A stopped upstream: its queries fail at once, and with two upstreams nothing can be verified. */
  @Test
  void withOneOfTwoUpstreamsDownEveryMissIsUnverified() throws Exception {
    int down = FreePorts.pick(false);
    try (UnboundServer honest = honest().start();
         RunningProxy proxy = RunningProxy.start("--cross-check", "--cache-size", "0", "--policy", "sequential",
             "--ca-file", ca.toString(), "--upstream", "127.0.0.1@" + down + "#dot.test",
             "--upstream", "127.0.0.1@" + honest.port() + "#dot.test")) {
      for (int i = 0; i < 3; i++) {
        assertThat(proxy.udp(DnsClient.query(AGREED, Type.A)).getRcode()).isEqualTo(Rcode.SERVFAIL);
      }
      assertThat(proxy.metric(unverified("servfail"))).isEqualTo(3);
      assertThat(proxy.metric("dotproxy_crosscheck_comparisons_total")).isZero();
    }
  }

  /** The name goes to the query log (stdout) with every upstream's answer, and never to the log (stderr). */
  @Test
  void aMismatchIsInTheQueryLogWithTheNameAndNowhereElse() throws Exception {
    try (UnboundServer honest = honest().start();
         UnboundServer odd = odd().start()) {
      Path stdout = dir.resolve("stdout.log");
      String log;
      try (ProxyProcess proxy = ProxyProcess.start(List.of(), List.of("--cross-check", "--query-log",
          "--policy", "sequential", "--ca-file", ca.toString(),
          "--upstream", "127.0.0.1@" + honest.port() + "#dot.test",
          "--upstream", "127.0.0.1@" + odd.port() + "#dot.test"), dir, stdout)) {
        assertThat(proxy.udp(DnsClient.query(CHANGED, Type.A), Duration.ofSeconds(5)).getRcode())
            .isEqualTo(Rcode.SERVFAIL);
        proxy.terminate();
        assertThat(proxy.awaitExit(Duration.ofSeconds(20))).isZero();
        log = proxy.log();
      }
      List<String> lines = Files.readAllLines(stdout).stream().filter(l -> l.contains(CHANGED)).toList();
      assertThat(lines).singleElement().satisfies(line -> assertThat(line).contains(
          "\"rcode\":\"SERVFAIL\"",
          "\"crosscheck\":{\"result\":\"mismatch\",\"action\":\"servfail\",\"answers\":{",
          "\"127.0.0.1@" + honest.port() + "\":\"NOERROR changed.test. A " + CHANGED_HONEST + "\"",
          "\"127.0.0.1@" + odd.port() + "\":\"NOERROR changed.test. A " + CHANGED_ODD + "\""));
      assertThat(log).contains("cross-check 2 upstreams strict on-mismatch servfail")
          .contains("they belong to only 1 operator(s) by their TLS names (dot.test)")
          .doesNotContain("changed.test");
    }
  }

  /** What a test checks of a proxy in front of an honest and an odd upstream. */
  @FunctionalInterface
  private interface Check {
    void run(RunningProxy proxy, UnboundServer honest, UnboundServer odd) throws Exception;
  }

  private void againstHonestAndOdd(List<String> flags, Check check) throws Exception {
    try (UnboundServer honest = honest().start();
         UnboundServer odd = odd().start();
         RunningProxy proxy = proxy(List.of(honest, odd), flags.toArray(String[]::new))) {
      check.run(proxy, honest, odd);
    }
  }

  private RunningProxy proxy(List<UnboundServer> upstreams, String... flags) throws Exception {
    List<String> all = new ArrayList<>(List.of(flags));
    all.addAll(List.of("--cache-size", "0", "--policy", "sequential", "--ca-file", ca.toString()));
    for (UnboundServer upstream : upstreams) {
      all.addAll(List.of("--upstream", "127.0.0.1@" + upstream.port() + "#dot.test"));
    }
    return RunningProxy.start(all.toArray(String[]::new));
  }

  /** @param records more local-data, e.g. {@code "x.test. 300 IN A 192.0.2.99"} */
  private UnboundServer.Builder honest(String... records) {
    SyntheticZone zone = SyntheticZone.standard(10)
        .record(CHANGED + " 300 IN A " + CHANGED_HONEST)
        .record(POOL + " 300 IN A 192.0.2.20")
        .record(POOL + " 300 IN A 192.0.2.21")
        .record(REFUSED + " 300 IN A " + REFUSED_ADDRESS);
    List.of(records).forEach(zone::record);
    return UnboundServer.dot(certificate).zone(zone);
  }

  private UnboundServer.Builder odd(String... records) {
    SyntheticZone zone = SyntheticZone.standard(10)
        .record(CHANGED + " 300 IN A " + CHANGED_ODD)
        .record(POOL + " 300 IN A 192.0.2.21")
        .record(POOL + " 300 IN A 198.51.100.22");
    List.of(records).forEach(zone::record);
    return UnboundServer.dot(certificate).zone(zone).config("local-zone: \"" + REFUSED + "\" always_refuse");
  }

  private static Set<String> addresses(Message answer) {
    assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
    return new java.util.TreeSet<>(answer.getSection(Section.ANSWER).stream()
        .filter(r -> r.getType() == Type.A).map(Record::rdataToString).toList());
  }

  private static String requestsTo(UnboundServer upstream) {
    return "dotproxy_upstream_requests_total{upstream=\"127.0.0.1@" + upstream.port() + "\"}";
  }

  private static String mismatches(String action) {
    return "dotproxy_crosscheck_mismatches_total{action=\"" + action + "\"}";
  }

  private static String unverified(String action) {
    return "dotproxy_crosscheck_unverified_total{action=\"" + action + "\"}";
  }
}
