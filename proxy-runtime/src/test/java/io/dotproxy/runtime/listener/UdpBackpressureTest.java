package io.dotproxy.runtime.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.dns.Resolver;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** UDP answers never queue without bound: while the socket is unwritable they are dropped. */
class UdpBackpressureTest {

  private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 5300);

  private final Resolver instant = (query, loop) -> {
    Message answer = new Message(query.id());
    answer.getHeader().setFlag(Flags.QR);
    answer.addRecord(query.question(), Section.QUESTION);
    return CompletableFuture.completedFuture(answer);
  };

  @Test
  void answersAreDroppedWhileTheSocketIsUnwritableAndSentAgainOnceItIsNot() {
    EmbeddedChannel channel = new EmbeddedChannel(new UdpQueryHandler(new QueryPipeline(instant, new ProxyMetrics())));

    channel.writeInbound(query(1));
    DatagramPacket answered = channel.readOutbound();
    assertThat(answered).isNotNull();
    assertThat(answered.recipient()).isEqualTo(CLIENT);
    answered.release();

    // Netty's flag, as when the kernel refuses datagrams and 64 KB of answers are waiting.
    channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
    channel.writeInbound(query(2));
    assertThat((Object) channel.readOutbound()).as("dropped while unwritable").isNull();

    channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
    channel.writeInbound(query(3));
    DatagramPacket again = channel.readOutbound();
    assertThat(again).as("answered again").isNotNull();
    again.release();
    channel.finishAndReleaseAll();
  }

  private static DatagramPacket query(int id) {
    Message query = Message.newQuery(Record.newRecord(Name.fromConstantString("q.test."), Type.A, DClass.IN));
    query.getHeader().setID(id);
    return new DatagramPacket(Unpooled.wrappedBuffer(query.toWire()), new InetSocketAddress("127.0.0.1", 53), CLIENT);
  }
}
