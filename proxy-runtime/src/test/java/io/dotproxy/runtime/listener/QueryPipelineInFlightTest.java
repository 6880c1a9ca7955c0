package io.dotproxy.runtime.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.dns.Resolver;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.netty.buffer.Unpooled;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Queries waiting for answers are bounded: over the limit a query is answered SERVFAIL at once. */
class QueryPipelineInFlightTest {

  private final ProxyMetrics metrics = new ProxyMetrics();
  private final List<CompletableFuture<Message>> waiting = new ArrayList<>();
  private final List<Message> questions = new ArrayList<>();
  /** Never answers by itself, as an upstream that stalls on one name. */
  private final Resolver stalled = (query, loop) -> {
    CompletableFuture<Message> answer = new CompletableFuture<>();
    waiting.add(answer);
    questions.add(query.message());
    return answer;
  };

  @Test
  void queriesOverTheLimitGetServfailAtOnceAndRoomComesBackWithAnswers() throws Exception {
    QueryPipeline pipeline = new QueryPipeline(stalled, metrics);
    InetAddress client = InetAddress.getByName("192.0.2.20");
    List<byte[]> replies = new ArrayList<>();
    for (int i = 0; i < QueryPipeline.MAX_IN_FLIGHT; i++) {
      pipeline.handle(Unpooled.wrappedBuffer(query(i)), true, client, null, replies::add);
    }
    assertThat(replies).as("all waiting").isEmpty();
    assertThat(pipeline.inFlight()).isEqualTo(QueryPipeline.MAX_IN_FLIGHT);

    pipeline.handle(Unpooled.wrappedBuffer(query(7)), true, client, null, replies::add);
    assertThat(waiting).as("not passed on to the resolver").hasSize(QueryPipeline.MAX_IN_FLIGHT);
    assertThat(replies).hasSize(1);
    Message overloaded = new Message(replies.get(0));
    assertThat(overloaded.getRcode()).isEqualTo(Rcode.SERVFAIL);
    assertThat(overloaded.getHeader().getID()).isEqualTo(7);
    assertThat(overloaded.getQuestion().getName()).isEqualTo(Name.fromString("q7.example."));
    assertThat(pipeline.inFlight()).as("the refused query is not counted").isEqualTo(QueryPipeline.MAX_IN_FLIGHT);
    assertThat(overloadedTotal()).isEqualTo(1);

    Message first = questions.get(0);
    Message answer = new Message(first.getHeader().getID());
    answer.getHeader().setFlag(Flags.QR);
    answer.addRecord(first.getQuestion(), Section.QUESTION);
    waiting.get(0).complete(answer);
    assertThat(replies).hasSize(2);
    pipeline.handle(Unpooled.wrappedBuffer(query(8)), true, client, null, replies::add);
    assertThat(waiting).as("room again once an answer went out").hasSize(QueryPipeline.MAX_IN_FLIGHT + 1);
    assertThat(replies).hasSize(2);
  }

  private static byte[] query(int id) throws Exception {
    Message query = Message.newQuery(Record.newRecord(Name.fromString("q" + id + ".example."), Type.A, DClass.IN));
    query.getHeader().setID(id & 0xFFFF);
    return query.toWire();
  }

  private double overloadedTotal() {
    for (MetricSnapshot snapshot : metrics.registry().scrape()) {
      if (snapshot.getMetadata().getName().equals("dotproxy_overloaded")) {
        return ((CounterSnapshot) snapshot).getDataPoints().get(0).getValue();
      }
    }
    throw new AssertionError("no dotproxy_overloaded_total");
  }
}
