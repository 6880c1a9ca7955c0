package io.dotproxy.runtime;

import static io.dotproxy.runtime.testing.SyntheticZone.A_NAME;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.testing.Behaviour;
import io.dotproxy.runtime.testing.DnsClient;
import io.dotproxy.runtime.testing.FakeDotServer;
import io.dotproxy.runtime.testing.Issued;
import io.dotproxy.runtime.testing.RunningProxy;
import io.dotproxy.runtime.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Faults real servers will not produce on demand, from an in-test DoT server. */
class UpstreamFaultsIT {

  static final TestPki PKI = TestPki.newCa();

  @TempDir Path dir;

  @Test
  void connectionsAreOpenBeforeTheFirstQuery() throws Exception {
    try (FakeDotServer upstream = new FakeDotServer(PKI.issue());
         RunningProxy proxy = proxyFor(upstream, "dot.test")) {
      assertThat(upstream.awaitConnections(1, Duration.ofSeconds(10)))
          .as("one TLS connection opened at start (EventLoopsIT: only one)").isTrue();
      assertThat(upstream.queriesReceived()).isZero();

      assertThat(proxy.udp(DnsClient.query("n1.test.", Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
      assertThat(upstream.connectionsAccepted())
          .as("the first query used it or opened its own loop's").isBetween(1, proxy.server().eventLoops());
    }
  }

  @Test
  void connectionsPersistAndCarryPipelinedQueries() throws Exception {
    try (FakeDotServer upstream = new FakeDotServer(PKI.issue());
         RunningProxy proxy = proxyFor(upstream, "dot.test")) {
      for (int i = 0; i < 200; i++) {
        assertThat(proxy.udp(DnsClient.query("n" + i + ".test.", Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
      }
      try (DnsClient.Stream tcp = DnsClient.tcp(proxy.address())) {
        List<Message> burst = IntStream.range(0, 200).mapToObj(i -> DnsClient.query("p" + i + ".test.", Type.A)).toList();
        assertThat(tcp.pipeline(burst, Duration.ofSeconds(10))).allMatch(m -> m.getRcode() == Rcode.NOERROR);
      }
      assertThat(upstream.queriesReceived()).isEqualTo(400);
      // One connection per event loop at most: reused across clients, never one per query.
      assertThat(upstream.connectionsAccepted()).isBetween(1, proxy.server().eventLoops());
    }
  }

  @Test
  void outOfOrderAnswersReachTheRightClients() throws Exception {
    try (FakeDotServer upstream = new FakeDotServer(PKI.issue()).behave(Behaviour.outOfOrder(10));
         RunningProxy proxy = proxyFor(upstream, "dot.test");
         DnsClient.Stream tcp = DnsClient.tcp(proxy.address())) {
      List<Message> queries = IntStream.range(0, 10).mapToObj(i -> DnsClient.query("o" + i + ".test.", Type.A)).toList();
      List<Message> answers = tcp.pipeline(queries, Duration.ofSeconds(10));
      assertThat(answers).hasSize(10);
      for (Message answer : answers) {
        Message query = queries.stream()
            .filter(q -> q.getHeader().getID() == answer.getHeader().getID()).findFirst().orElseThrow();
        assertThat(answer.getQuestion()).isEqualTo(query.getQuestion());
        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
      }
    }
  }

  @Test
  void anUpstreamClosingIdleConnectionsNeverCostsAnAnswer() throws Exception {
    try (FakeDotServer upstream = new FakeDotServer(PKI.issue()).closeIdleAfter(Duration.ofMillis(200));
         RunningProxy proxy = proxyFor(upstream, "dot.test")) {
      for (int round = 0; round < 3; round++) {
        assertThat(proxy.udp(DnsClient.query(A_NAME, Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(upstream.awaitNoOpenConnections(Duration.ofSeconds(5))).isTrue();
      }
      assertThat(upstream.connectionsAccepted()).isGreaterThanOrEqualTo(3);
    }
  }

  @Test
  void aConnectionClosedRightAfterEachAnswerIsRetriedTransparently() throws Exception {
    try (FakeDotServer upstream = new FakeDotServer(PKI.issue()).behave(Behaviour.closeAfterAnswers(1));
         RunningProxy proxy = proxyFor(upstream, "dot.test")) {
      for (int i = 0; i < 30; i++) {
        assertThat(proxy.udp(DnsClient.query("c" + i + ".test.", Type.A)).getRcode())
            .as("query %d", i).isEqualTo(Rcode.NOERROR);
      }
    }
  }

  @Test
  void aStalledUpstreamGivesServfailAtTheTimeout() throws Exception {
    try (FakeDotServer upstream = new FakeDotServer(PKI.issue()).behave(Behaviour.STALL);
         RunningProxy proxy = proxyFor(upstream, "dot.test", "--timeout", "700ms")) {
      long start = System.nanoTime();
      Message answer = proxy.udp(DnsClient.query(A_NAME, Type.A));
      assertThat(answer.getRcode()).isEqualTo(Rcode.SERVFAIL);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(600));
    }
  }

  @Test
  void garbageAndMismatchedAnswersAreNeverPassedOn() throws Exception {
    for (Behaviour fault : List.of(Behaviour.GARBAGE, Behaviour.GARBAGE_FRAME, Behaviour.INVALID_LENGTH,
        Behaviour.TLS_GARBAGE, Behaviour.RESET_MID_ANSWER, Behaviour.MISMATCHED_ID)) {
      try (FakeDotServer upstream = new FakeDotServer(PKI.issue()).behave(fault);
           RunningProxy proxy = proxyFor(upstream, "dot.test", "--timeout", "1s")) {
        Message answer = proxy.tcp(DnsClient.query(A_NAME, Type.A));
        assertThat(answer.getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(answer.getSection(Section.ANSWER)).isEmpty();
        upstream.behave(Behaviour.ANSWER);
        // The proxy survives and serves once the upstream behaves (after its health probe).
        assertThat(answerEventually(proxy)).isEqualTo(Rcode.NOERROR);
      }
    }
  }

  @Test
  void certificatesThatDoNotVerifyAreRefused() throws Exception {
    Issued untrusted = TestPki.newCa("other CA").issue();
    Issued wrongName = PKI.issue("other.test", "127.0.0.2");
    Issued expired = PKI.issue(TestPki.Validity.expired(), "dot.test", "127.0.0.1");
    Issued selfSigned = TestPki.selfSigned("dot.test", "127.0.0.1");
    for (Issued bad : List.of(untrusted, wrongName, expired, selfSigned)) {
      try (FakeDotServer upstream = new FakeDotServer(bad);
           RunningProxy proxy = proxyFor(upstream, "dot.test")) {
        assertThat(proxy.udp(DnsClient.query(A_NAME, Type.A)).getRcode())
            .as(bad.certificate().getSubjectX500Principal().toString()).isEqualTo(Rcode.SERVFAIL);
        assertThat(upstream.queriesReceived()).as("no query may cross a connection that failed verification").isZero();
      }
    }
  }

  @Test
  void withoutATlsNameTheCertificateMustNameTheAddress() throws Exception {
    try (FakeDotServer upstream = new FakeDotServer(PKI.issue("dot.test", "127.0.0.1"));
         RunningProxy proxy = proxyFor(upstream, null)) {
      assertThat(proxy.udp(DnsClient.query(A_NAME, Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
    }
    try (FakeDotServer upstream = new FakeDotServer(PKI.issue("dot.test"));
         RunningProxy proxy = proxyFor(upstream, null)) {
      assertThat(proxy.udp(DnsClient.query(A_NAME, Type.A)).getRcode()).isEqualTo(Rcode.SERVFAIL);
    }
  }

  @Test
  void spkiPinsMustMatchWhenGiven() throws Exception {
    Issued certificate = PKI.issue();
    String otherPin = PKI.issue().spkiPin();
    try (FakeDotServer upstream = new FakeDotServer(certificate)) {
      try (RunningProxy pinned = proxyWithPins(upstream, List.of(otherPin, certificate.spkiPin()))) {
        assertThat(pinned.udp(DnsClient.query(A_NAME, Type.A)).getRcode()).isEqualTo(Rcode.NOERROR);
      }
      try (RunningProxy mismatched = proxyWithPins(upstream, List.of(otherPin))) {
        assertThat(mismatched.udp(DnsClient.query(A_NAME, Type.A)).getRcode()).isEqualTo(Rcode.SERVFAIL);
      }
      try (RunningProxy caPinned = proxyWithPins(upstream, List.of(TestPki.spkiPin(PKI.caCertificate())))) {
        assertThat(caPinned.udp(DnsClient.query(A_NAME, Type.A)).getRcode())
            .as("a pin may name any certificate of the chain").isEqualTo(Rcode.NOERROR);
      }
    }
  }

  private int answerEventually(RunningProxy proxy) throws Exception {
    int rcode = -1;
    for (int i = 0; i < 40 && rcode != Rcode.NOERROR; i++) {
      rcode = proxy.udp(DnsClient.query(A_NAME, Type.A)).getRcode();
      if (rcode != Rcode.NOERROR) {
        Thread.sleep(250);
      }
    }
    return rcode;
  }

  private RunningProxy proxyFor(FakeDotServer upstream, String serverName, String... extra) throws Exception {
    List<String> flags = new ArrayList<>(RunningProxy.upstreamFlags(upstream.address(), serverName, caFile()));
    flags.addAll(List.of("--cache-size", "0")); // every query must reach the upstream under test
    flags.addAll(List.of(extra));
    return RunningProxy.start(flags.toArray(String[]::new));
  }

  private RunningProxy proxyWithPins(FakeDotServer upstream, List<String> pins) throws Exception {
    Path config = dir.resolve("pins-" + System.nanoTime() + ".yaml");
    Files.writeString(config, """
        upstream:
          - address: 127.0.0.1
            port: %d
            server-name: dot.test
            spki-pins: [%s]
        ca-file: %s
        """.formatted(upstream.port(), String.join(", ", pins.stream().map(p -> "\"" + p + "\"").toList()), caFile()));
    return RunningProxy.start("--config", config.toString());
  }

  private Path caFile() {
    return PKI.issue().writePem(dir).caCertificate();
  }
}
