package io.dotproxy.runtime.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dotproxy.runtime.dns.Resolver;
import io.dotproxy.runtime.listener.QueryPipeline;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Fuzz target for what an upstream sends back: an arbitrary answer frame is checked the way
 * {@link UpstreamConnection#channelRead} checks it (a response, its question matched on the wire
 * by {@link WireQuestions}), parsed the way the router parses it, and then goes through the real
 * {@link QueryPipeline} to the client (ResponseShaper, SERVFAIL on anything unusable).
 *
 * <p>Invariants: nothing throws; the client gets exactly one reply, which parses and carries its
 * own ID and question, whatever the upstream sent.
 */
class UpstreamAnswerFuzzTest {

  private static final ProxyMetrics METRICS = new ProxyMetrics();

  @FuzzTest(maxDuration = "2m")
  void answerFrame(FuzzedDataProvider data) throws IOException {
    boolean edns = data.consumeBoolean();
    boolean udp = data.consumeBoolean();
    int clientId = data.consumeInt(0, 0xFFFF);
    byte[] upstreamAnswer = data.consumeRemainingAsBytes();

    Message query = Message.newQuery(Record.newRecord(Name.fromConstantString("fuzz.example."), Type.A, DClass.IN));
    query.getHeader().setID(clientId);
    if (edns) {
      query.addRecord(new OPTRecord(1232, 0, 0, Flags.DO), Section.ADDITIONAL);
    }
    byte[] queryWire = query.toWire();

    // What UpstreamConnection and the router do before an answer counts as one.
    int questionLength = WireQuestions.questionLength(queryWire);
    assertThat(questionLength).isPositive();
    boolean usable = upstreamAnswer.length >= 12 && (upstreamAnswer[2] & 0x80) != 0
        && WireQuestions.sameQuestion(queryWire, questionLength, Unpooled.wrappedBuffer(upstreamAnswer));
    Message parsed = usable ? parse(upstreamAnswer) : null;

    Resolver resolver = (clientQuery, loop) -> parsed == null
        ? CompletableFuture.failedFuture(new UpstreamException(UpstreamException.Kind.PROTOCOL, "unusable"))
        : CompletableFuture.completedFuture(parsed);
    List<byte[]> replies = new ArrayList<>();
    new QueryPipeline(resolver, METRICS).handle(Unpooled.wrappedBuffer(queryWire), udp,
        InetAddress.getLoopbackAddress(), null, replies::add);

    assertThat(replies).hasSize(1);
    Message reply = new Message(replies.get(0));
    assertThat(reply.getHeader().getID()).isEqualTo(clientId);
    assertThat(reply.getQuestion()).isEqualTo(query.getQuestion());
    assertThat(reply.getOPT() != null).isEqualTo(edns);
    if (parsed == null) {
      assertThat(reply.getRcode()).isEqualTo(Rcode.SERVFAIL);
    }
  }

  /** As {@code Router.parse}: an answer that does not parse counts as no answer. */
  private static Message parse(byte[] raw) {
    try {
      return new Message(raw);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
