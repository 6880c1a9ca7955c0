package io.dotproxy.runtime.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.config.CrossCheckSettings;
import io.dotproxy.runtime.config.Policy;
import io.dotproxy.runtime.config.PrivacySettings;
import io.dotproxy.runtime.crosscheck.CrossCheck;
import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.DecodedQuery;
import io.dotproxy.runtime.dns.QueryDecoder;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.dotproxy.runtime.privacy.UpstreamQuery;
import io.dotproxy.runtime.testing.Behaviour;
import io.dotproxy.runtime.testing.InProcessUpstream;
import io.dotproxy.runtime.transport.Transport;
import io.netty.channel.EventLoopGroup;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/** A cross-checked query when an upstream never answers: a stand-in while there is one, else unverified. */
class CrossCheckExchangeTest {

  private final EventLoopGroup loops = Transport.nio().newEventLoopGroup(1, "cross-check-test");
  private final ProxyMetrics metrics = new ProxyMetrics();
  private final List<InProcessUpstream> upstreams = new ArrayList<>();

  @TempDir Path dir;

  @AfterEach
  void stop() {
    upstreams.forEach(InProcessUpstream::close);
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void aSilentUpstreamIsReplacedByTheNextAfterTheFailoverTime() throws Exception {
    InProcessUpstream silent = upstream(Behaviour.STALL);
    InProcessUpstream answering = upstream(Behaviour.ANSWER);
    InProcessUpstream standIn = upstream(Behaviour.ANSWER);

    Message answer = resolve(Duration.ofSeconds(5), CrossCheckSettings.OnUnverified.SERVFAIL);

    assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(standIn.server().queriesReceived()).isEqualTo(1);
    assertThat(silent.server().queriesReceived() + answering.server().queriesReceived()).isEqualTo(2);
    assertThat(comparisons()).isEqualTo(1);
  }

  @Test
  void withNobodyLeftToAskASilentUpstreamLeavesTheAnswerUnverified() throws Exception {
    upstream(Behaviour.STALL);
    upstream(Behaviour.ANSWER);

    assertThat(resolve(Duration.ofMillis(500), CrossCheckSettings.OnUnverified.SERVFAIL).getRcode())
        .isEqualTo(Rcode.SERVFAIL);
    assertThat(comparisons()).isZero();
    assertThat(resolve(Duration.ofMillis(500), CrossCheckSettings.OnUnverified.ANSWER).getRcode())
        .isEqualTo(Rcode.NOERROR);
  }

  private double comparisons() {
    return metrics.registry().scrape().stream()
        .filter(snapshot -> snapshot.getMetadata().getName().equals("dotproxy_crosscheck_comparisons"))
        .flatMap(snapshot -> ((CounterSnapshot) snapshot).getDataPoints().stream())
        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
  }

  private InProcessUpstream upstream(Behaviour behaviour) throws Exception {
    InProcessUpstream upstream = InProcessUpstream.start(
        Files.createDirectory(dir.resolve("upstream" + upstreams.size())), loops, metrics);
    upstream.server().behave(behaviour);
    upstreams.add(upstream);
    return upstream;
  }

  private Message resolve(Duration timeout, CrossCheckSettings.OnUnverified onUnverified) throws Exception {
    CrossCheck crossCheck = new CrossCheck(new CrossCheckSettings(true, 2, CrossCheckSettings.Compare.STRICT,
        CrossCheckSettings.OnMismatch.SERVFAIL, onUnverified), metrics);
    Router router = new Router(upstreams.stream().map(InProcessUpstream::upstream).toList(), Policy.SEQUENTIAL, 2,
        Duration.ZERO, timeout, new UpstreamQuery(new PrivacySettings(true, true)), () -> { }, crossCheck);
    Message query = Message.newQuery(Record.newRecord(Name.fromConstantString("x.test."), Type.A, DClass.IN));
    ClientQuery decoded =
        ((DecodedQuery.Resolve) QueryDecoder.decode(ByteBuffer.wrap(query.toWire()), true)).query();
    return router.resolve(decoded, loops.next()).get(10, TimeUnit.SECONDS);
  }
}
