package io.dotproxy.runtime.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.config.Policy;
import io.dotproxy.runtime.config.PrivacySettings;
import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.DecodedQuery;
import io.dotproxy.runtime.dns.QueryDecoder;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.dotproxy.runtime.privacy.UpstreamQuery;
import io.dotproxy.runtime.testing.Behaviour;
import io.dotproxy.runtime.testing.InProcessUpstream;
import io.dotproxy.runtime.transport.Transport;
import io.netty.channel.EventLoopGroup;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** What {@code parallel} makes of answers that are not good ones (SERVFAIL, REFUSED). */
class ParallelPolicyTest {

  private final EventLoopGroup loops = Transport.nio().newEventLoopGroup(1, "parallel-test");
  private InProcessUpstream first;
  private InProcessUpstream second;

  @BeforeEach
  void start(@TempDir Path dir) throws Exception {
    ProxyMetrics metrics = new ProxyMetrics();
    first = InProcessUpstream.start(Files.createDirectory(dir.resolve("first")), loops, metrics);
    second = InProcessUpstream.start(Files.createDirectory(dir.resolve("second")), loops, metrics);
  }

  @AfterEach
  void stop() {
    first.close();
    second.close();
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void aQuickServfailWaitsForASlowerGoodAnswer() throws Exception {
    first.server().behave(Behaviour.respond(query -> withRcode(query, Rcode.SERVFAIL)));
    second.server().behave(Behaviour.delay(Duration.ofMillis(300)));
    Message answer = resolve();
    assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(answer.getSectionArray(Section.ANSWER)).hasSize(1);
  }

  @Test
  void withNoGoodAnswerTheClientGetsTheFirstOneThatCame() throws Exception {
    first.server().behave(Behaviour.respond(query -> withRcode(query, Rcode.REFUSED)));
    second.server().behave(query -> query.later(Duration.ofMillis(300),
        () -> query.reply(withRcode(query.message(), Rcode.SERVFAIL))));
    assertThat(resolve().getRcode()).isEqualTo(Rcode.REFUSED);
    assertThat(second.server().queriesReceived()).isEqualTo(1);
  }

  private Message resolve() throws Exception {
    Router router = new Router(List.of(first.upstream(), second.upstream()), Policy.PARALLEL, 2,
        Duration.ZERO, Duration.ofSeconds(5), new UpstreamQuery(new PrivacySettings(true, true)), () -> { });
    Message query = Message.newQuery(Record.newRecord(Name.fromConstantString("p.test."), Type.A, DClass.IN));
    ClientQuery decoded =
        ((DecodedQuery.Resolve) QueryDecoder.decode(ByteBuffer.wrap(query.toWire()), true)).query();
    return router.resolve(decoded, loops.next()).get(10, TimeUnit.SECONDS);
  }

  private static Message withRcode(Message query, int rcode) {
    Message answer = Behaviour.standardAnswer(query);
    answer.removeAllRecords(Section.ANSWER);
    answer.getHeader().setRcode(rcode);
    return answer;
  }
}
