package io.dotproxy.runtime.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.config.RateLimitSettings;
import io.dotproxy.runtime.config.RateLimitSettings.Action;
import io.dotproxy.runtime.dns.Resolver;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.dotproxy.runtime.ratelimit.RateLimiter;
import io.netty.buffer.Unpooled;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class QueryPipelineRateLimitTest {

  private final AtomicLong clock = new AtomicLong();
  private final AtomicInteger resolved = new AtomicInteger();
  private final ProxyMetrics metrics = new ProxyMetrics();
  private final Resolver resolver = (query, loop) -> {
    resolved.incrementAndGet();
    Message answer = new Message(query.id());
    answer.getHeader().setFlag(Flags.QR);
    answer.addRecord(query.question(), Section.QUESTION);
    answer.addRecord(new ARecord(query.question().getName(), DClass.IN, 60,
        InetAddress.getLoopbackAddress()), Section.ANSWER);
    return CompletableFuture.completedFuture(answer);
  };

  @Test
  void refusesQueriesOverTheLimitWithoutResolvingThem() throws Exception {
    QueryPipeline pipeline = pipeline(Action.REFUSE);
    InetAddress client = InetAddress.getByName("192.0.2.10");
    List<byte[]> answers = send(pipeline, client, query("a.example.", true), 5);

    assertThat(resolved).hasValue(2);
    assertThat(answers).hasSize(5).doesNotContainNull();
    List<Integer> rcodes = new ArrayList<>();
    for (byte[] answer : answers) {
      rcodes.add(new Message(answer).getRcode());
    }
    assertThat(rcodes).containsExactly(
        Rcode.NOERROR, Rcode.NOERROR, Rcode.REFUSED, Rcode.REFUSED, Rcode.REFUSED);
    Message refused = new Message(answers.get(4));
    assertThat(refused.getHeader().getID()).isEqualTo(4242);
    assertThat(refused.getQuestion().getName()).isEqualTo(Name.fromString("a.example."));
    assertThat(refused.getOPT()).isNotNull(); // the client used EDNS
    assertThat(answers.get(4).length).isLessThanOrEqualTo(query("a.example.", true).length);
    assertThat(rateLimitedTotal()).isEqualTo(3);
  }

  @Test
  void dropsQueriesOverTheLimitWhenConfiguredTo() throws Exception {
    QueryPipeline pipeline = pipeline(Action.DROP);
    InetAddress client = InetAddress.getByName("2001:db8::1");
    List<byte[]> answers = send(pipeline, client, query("a.example.", false), 4);
    assertThat(resolved).hasValue(2);
    assertThat(answers).hasSize(4);
    assertThat(answers.subList(2, 4)).containsOnlyNulls();
    assertThat(rateLimitedTotal()).isEqualTo(2);
  }

  @Test
  void dropsGarbageOverTheLimitEvenWhenRefusing() throws Exception {
    QueryPipeline pipeline = pipeline(Action.REFUSE);
    InetAddress client = InetAddress.getByName("192.0.2.11");
    send(pipeline, client, query("a.example.", false), 2);
    List<byte[]> answers = send(pipeline, client, new byte[] {1, 2, 3}, 1);
    assertThat(answers).containsOnlyNulls();
  }

  @Test
  void otherClientsAreNotLimitedByOne() throws Exception {
    QueryPipeline pipeline = pipeline(Action.REFUSE);
    send(pipeline, InetAddress.getByName("192.0.2.12"), query("a.example.", false), 50);
    List<byte[]> answers = send(pipeline, InetAddress.getByName("192.0.2.13"), query("b.example.", false), 2);
    for (byte[] answer : answers) {
      assertThat(new Message(answer).getRcode()).isEqualTo(Rcode.NOERROR);
    }
  }

  @Test
  void withoutALimiterEveryQueryIsResolved() throws Exception {
    QueryPipeline pipeline = new QueryPipeline(resolver, metrics);
    send(pipeline, InetAddress.getByName("192.0.2.14"), query("a.example.", false), 20);
    assertThat(resolved).hasValue(20);
    assertThat(rateLimitedTotal()).isZero();
  }

  private QueryPipeline pipeline(Action action) {
    // Two queries at once, then one every ten seconds; the clock never moves in these tests.
    RateLimiter limiter = new RateLimiter(new RateLimitSettings(1, 2, action), clock::get);
    return new QueryPipeline(resolver, metrics, limiter);
  }

  private static List<byte[]> send(QueryPipeline pipeline, InetAddress client, byte[] wire, int times) {
    List<byte[]> answers = new ArrayList<>();
    for (int i = 0; i < times; i++) {
      pipeline.handle(Unpooled.wrappedBuffer(wire), true, client, null, answers::add);
    }
    return answers;
  }

  private static byte[] query(String name, boolean edns) throws Exception {
    Message query = Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN));
    query.getHeader().setID(4242);
    if (edns) {
      query.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
    }
    return query.toWire();
  }

  private double rateLimitedTotal() {
    for (MetricSnapshot snapshot : metrics.registry().scrape()) {
      if (snapshot.getMetadata().getName().equals("dotproxy_ratelimited")) {
        return ((CounterSnapshot) snapshot).getDataPoints().get(0).getValue();
      }
    }
    throw new AssertionError("no dotproxy_ratelimited_total");
  }
}
