package io.dotproxy.runtime.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.dns.Resolver;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
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
    List<CompletableFuture<Message>> pending = new ArrayList<>();
    List<Message> queries = new ArrayList<>();
    Resolver stalled = (query, loop) -> {
      CompletableFuture<Message> answer = new CompletableFuture<>();
      pending.add(answer);
      queries.add(query.message());
      return answer;
    };
    QueryPipeline pipeline = new QueryPipeline(stalled, new ProxyMetrics());
    EmbeddedChannel channel = new EmbeddedChannel() {
      @Override
      protected SocketAddress remoteAddress0() {
        return new InetSocketAddress("127.0.0.1", 5300);
      }
    };
    channel.pipeline().addLast(new io.netty.handler.codec.LengthFieldBasedFrameDecoder(0xFFFF + 2, 0, 2, 0, 2),
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
      complete(pending.get(answered), queries.get(answered));
      assertThat(channel.config().isAutoRead()).as("still above half after %d answers", answered + 1)
          .isEqualTo(limit - answered - 1 < limit / 2);
    }
    assertThat(channel.config().isAutoRead()).isTrue();
    for (; answered < limit; answered++) {
      complete(pending.get(answered), queries.get(answered));
    }
    int replies = 0;
    for (ByteBuf reply; (reply = channel.readOutbound()) != null; replies++) {
      reply.release();
    }
    assertThat(replies).isEqualTo(limit);
    assertThat(pipeline.inFlight()).isZero();
    channel.finishAndReleaseAll();
  }

  private static void complete(CompletableFuture<Message> answer, Message query) {
    Message response = new Message(query.getHeader().getID());
    response.getHeader().setFlag(Flags.QR);
    response.addRecord(query.getQuestion(), Section.QUESTION);
    answer.complete(response);
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
