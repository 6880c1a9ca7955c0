package io.dotproxy.runtime.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.Resolver;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Memory bound of one TCP client: a client pipelining queries faster than they are answered is
 * read only while fewer than {@link TcpQueryHandler#MAX_IN_FLIGHT} are outstanding; reading
 * resumes below half of that, and every query still gets its answer.
 */
class TcpBackpressureTest {

  @Test
  void readingPausesAtTheInFlightLimitAndResumesBelowHalf() {
    StalledResolver stalled = new StalledResolver();
    QueryPipeline pipeline = new QueryPipeline(stalled, new ProxyMetrics());
    EmbeddedChannel channel = new EmbeddedChannel() {
      @Override
      protected SocketAddress remoteAddress0() {
        return new InetSocketAddress("127.0.0.1", 5300);
      }
    };
    channel.pipeline().addLast(DnsListeners.queryFrameDecoder(),
        new TcpQueryHandler(pipeline));

    int limit = TcpQueryHandler.MAX_IN_FLIGHT;
    for (int i = 0; i < limit - 1; i++) {
      channel.writeInbound(frame(i));
    }
    assertThat(channel.config().isAutoRead()).as("below the limit").isTrue();
    channel.writeInbound(frame(limit - 1));
    assertThat(channel.config().isAutoRead()).as("at the limit").isFalse();
    assertThat(pipeline.inFlight()).isEqualTo(limit);

    int answered = 0;
    for (; answered <= limit / 2; answered++) {
      stalled.answer(answered);
      assertThat(channel.config().isAutoRead()).as("still above half after %d answers", answered + 1)
          .isEqualTo(limit - answered - 1 < limit / 2);
    }
    assertThat(channel.config().isAutoRead()).isTrue();
    for (; answered < limit; answered++) {
      stalled.answer(answered);
    }
    int replies = 0;
    for (ByteBuf reply; (reply = channel.readOutbound()) != null; replies++) {
      reply.release();
    }
    assertThat(replies).isEqualTo(limit);
    assertThat(pipeline.inFlight()).isZero();
    channel.finishAndReleaseAll();
  }

  /**
   * The bound over all connections: once the answers waiting for clients fill the shared budget, a
   * connection whose client does not read is closed when its next answer arrives; a client that
   * reads is still answered, and a closed connection's bytes go back to the budget.
   */
  @Test
  void aClientThatDoesNotReadIsClosedOnceUnreadAnswersFillTheBudget() {
    StalledResolver stalled = new StalledResolver();
    QueryPipeline pipeline = new QueryPipeline(stalled, new ProxyMetrics());
    UnreadAnswers unread = new UnreadAnswers(1_000);
    EmbeddedChannel reading = channel(pipeline, unread);
    EmbeddedChannel notReading = channel(pipeline, unread);
    reading.writeInbound(frame(0));
    notReading.writeInbound(frame(1));
    notReading.writeInbound(frame(2));

    assertThat(unread.reserve(990)).as("other connections' unread answers").isTrue();
    // Netty's own flag, as when the socket's send buffer and the outbound buffer are full.
    notReading.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
    stalled.answer(0);
    ByteBuf toReader = reading.readOutbound();
    assertThat(toReader).as("a client that reads is answered over the budget").isNotNull();
    toReader.release();
    stalled.answer(1);
    assertThat(notReading.isOpen()).as("a client that does not read, over the budget").isFalse();
    assertThat((Object) notReading.readOutbound()).isNull();
    stalled.answer(2);
    assertThat(unread.bytes()).as("only the others' bytes are left").isEqualTo(990);
    reading.finishAndReleaseAll();
    notReading.finishAndReleaseAll();
  }

  private static EmbeddedChannel channel(QueryPipeline pipeline, UnreadAnswers unread) {
    EmbeddedChannel channel = new EmbeddedChannel() {
      @Override
      protected SocketAddress remoteAddress0() {
        return new InetSocketAddress("127.0.0.1", 5300);
      }
    };
    channel.pipeline().addLast(DnsListeners.queryFrameDecoder(), new TcpQueryHandler(pipeline, unread));
    return channel;
  }

  /** Holds every query until a test answers it, in the order they came. */
  private static final class StalledResolver implements Resolver {
    private final List<CompletableFuture<Message>> pending = new ArrayList<>();
    private final List<Message> queries = new ArrayList<>();

    @Override
    public CompletableFuture<Message> resolve(ClientQuery query, EventLoop loop) {
      CompletableFuture<Message> answer = new CompletableFuture<>();
      pending.add(answer);
      queries.add(query.message());
      return answer;
    }

    /** Answers the {@code index}th query (NOERROR, no records). */
    void answer(int index) {
      Message query = queries.get(index);
      Message response = new Message(query.getHeader().getID());
      response.getHeader().setFlag(Flags.QR);
      response.addRecord(query.getQuestion(), Section.QUESTION);
      pending.get(index).complete(response);
    }
  }

  private static ByteBuf frame(int i) {
    Message query = Message.newQuery(Record.newRecord(Name.fromConstantString("q" + i + ".test."), Type.A, DClass.IN));
    byte[] wire = query.toWire();
    ByteBuf framed = Unpooled.buffer(2 + wire.length);
    framed.writeShort(wire.length);
    framed.writeBytes(wire);
    return framed;
  }
}
