package io.dotproxy.runtime.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.config.PrivacySettings;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.dotproxy.runtime.privacy.UpstreamQuery;
import io.dotproxy.runtime.testing.Behaviour;
import io.dotproxy.runtime.testing.FakeDotServer;
import io.dotproxy.runtime.testing.InProcessUpstream;
import io.dotproxy.runtime.testing.Metrics;
import io.dotproxy.runtime.transport.Transport;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * EDNS TCP keepalive (RFC 7828) against an in-test server that says in its answers how long it
 * keeps idle connections but never closes one itself, so every close the server sees is the
 * proxy's doing.
 */
class KeepaliveTest {

  private static final UpstreamQuery UPSTREAM_QUERY = new UpstreamQuery(new PrivacySettings(true, true));

  private final EventLoopGroup loops = Transport.nio().newEventLoopGroup(1, "keepalive-test");
  private final ProxyMetrics metrics = new ProxyMetrics();
  private InProcessUpstream upstream;

  @BeforeEach
  void start(@TempDir Path dir) throws Exception {
    upstream = InProcessUpstream.start(dir, loops, metrics);
  }

  @AfterEach
  void stop() {
    upstream.close();
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void theQueriesAskForKeepaliveWithAnEmptyOption() throws Exception {
    List<byte[]> received = new CopyOnWriteArrayList<>();
    upstream.server().behave(query -> {
      received.add(query.wire());
      query.answer();
    });
    ask("ask.test.");
    List<EDNSOption> options = new Message(received.get(0)).getOPT().getOptions(EDNSOption.Code.TCP_KEEPALIVE);
    assertThat(options).hasSize(1);
    assertThat(options.get(0).toWire()).as("code 11, length 0, no TIMEOUT").containsExactly(0, 11, 0, 0);
  }

  @Test
  void anIdleConnectionIsClosedAheadOfTheServersTimeoutAndReplacedAheadOfNeed() throws Exception {
    upstream.server().behave(answerWithKeepalive(20)); // 2 s
    ask("first.test.");
    assertThat(upstream.upstream().keepalive()).contains(Duration.ofSeconds(2));

    assertThat(upstream.server().awaitConnections(2, Duration.ofSeconds(10)))
        .as("a new connection opened after the first one idled out").isTrue();
    assertThat(awaitOpenConnections(1)).as("the server never closes one, so the proxy closed the first").isTrue();

    int connections = upstream.server().connectionsAccepted();
    ask("after-pause.test.");
    assertThat(upstream.server().connectionsAccepted()).as("the query found the new connection ready")
        .isEqualTo(connections);
    assertThat(Metrics.value(metrics, "dotproxy_upstream_failures")).isZero();
    assertThat(Metrics.value(metrics, "dotproxy_upstream_retries")).isZero();
  }

  @Test
  void aTimeoutOfZeroClosesTheConnectionOnceItsQueriesAreAnsweredAndTakesNoMore() throws Exception {
    upstream.server().behave(answerWithKeepalive(0));
    EventLoop loop = loops.next();
    CompletableFuture<byte[]> first = upstream.upstream().query(query("one.test."), loop, Duration.ofSeconds(5));
    CompletableFuture<byte[]> second = upstream.upstream().query(query("two.test."), loop, Duration.ofSeconds(5));
    assertThat(new Message(first.get(10, TimeUnit.SECONDS)).getQuestion().getName()).hasToString("one.test.");
    assertThat(new Message(second.get(10, TimeUnit.SECONDS)).getQuestion().getName()).hasToString("two.test.");
    assertThat(upstream.server().queriesPerConnection()).as("both were sent before the first answer came")
        .containsExactly(2);
    assertThat(upstream.server().awaitNoOpenConnections(Duration.ofSeconds(5))).isTrue();
    assertThat(upstream.upstream().keepalive()).contains(Duration.ZERO);

    ask("three.test.");
    assertThat(upstream.server().queriesPerConnection()).as("a new connection for the next query")
        .containsExactly(2, 1);
    assertThat(Metrics.value(metrics, "dotproxy_upstream_failures")).isZero();
    assertThat(Metrics.value(metrics, "dotproxy_upstream_retries")).isZero();
  }

  @Test
  void aConnectionToCloseGoesWhenItsLastQueryTimesOutToo() throws Exception {
    Behaviour answerFirstOnly = answerWithKeepalive(0);
    upstream.server().behave(query -> {
      if (query.connection().queriesReceived() == 1) {
        answerFirstOnly.onQuery(query);
      }
    });
    EventLoop loop = loops.next();
    CompletableFuture<byte[]> answered = upstream.upstream().query(query("one.test."), loop, Duration.ofSeconds(5));
    CompletableFuture<byte[]> unanswered = upstream.upstream().query(query("two.test."), loop, Duration.ofMillis(300));
    answered.get(10, TimeUnit.SECONDS);
    assertThat(unanswered).failsWithin(Duration.ofSeconds(10));
    assertThat(upstream.server().awaitNoOpenConnections(Duration.ofSeconds(5)))
        .as("closed at the timeout, not left open until the idle timeout").isTrue();
  }

  @Test
  void anAnswerWithoutTheOptionMeansTheServerNoLongerOffersKeepalive() throws Exception {
    upstream.server().behave(answerWithKeepalive(100));
    ask("offered.test.");
    assertThat(upstream.upstream().keepalive()).contains(Duration.ofSeconds(10));
    upstream.server().behave(Behaviour.ANSWER);
    ask("withdrawn.test.");
    assertThat(upstream.upstream().keepalive()).isEqualTo(Optional.empty());
  }

  private void ask(String name) throws Exception {
    byte[] answer = upstream.upstream().query(query(name), loops.next(), Duration.ofSeconds(5))
        .get(10, TimeUnit.SECONDS);
    assertThat(new Message(answer).getQuestion().getName()).hasToString(name);
  }

  private boolean awaitOpenConnections(int count) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (upstream.server().openConnections() != count) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  /** The query as the router sends it: with the proxy's keepalive request. */
  private static byte[] query(String name) {
    return UPSTREAM_QUERY.forDot(Message.newQuery(
        Record.newRecord(Name.fromConstantString(name), Type.A, DClass.IN)));
  }

  /** The standard answer with an edns-tcp-keepalive TIMEOUT of {@code timeout} times 100 ms. */
  private static Behaviour answerWithKeepalive(int timeout) {
    return query -> {
      Message answer = Behaviour.standardAnswer(query.message());
      answer.getHeader().setID(query.id());
      answer.removeAllRecords(Section.ADDITIONAL); // its OPT record, replaced by one with the option
      answer.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(new GenericEDNSOption(
          EDNSOption.Code.TCP_KEEPALIVE, new byte[] {(byte) (timeout >> 8), (byte) timeout}))),
          Section.ADDITIONAL);
      query.reply(answer);
    };
  }
}
