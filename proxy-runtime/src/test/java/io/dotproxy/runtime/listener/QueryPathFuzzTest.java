package io.dotproxy.runtime.listener;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dotproxy.runtime.dns.Resolver;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;

/**
 * Fuzz targets for the client side of the query path: arbitrary UDP datagrams through
 * {@link QueryPipeline} (QueryDecoder, the resolver, ResponseShaper), and arbitrary TCP byte chunks
 * through the TCP listener's own pipeline (length-prefix framing and {@link TcpQueryHandler}).
 *
 * <p>Invariants: nothing throws; every packet ends in exactly one reply or a deliberate drop; a
 * drop happens only for a packet shorter than a header or a response, and a TCP frame announcing
 * more than {@link DnsListeners#MAX_TCP_QUERY_LENGTH} closes the connection; every reply parses, is a
 * response, carries the query's ID and fits the transport. Without {@code JAZZER_FUZZ=1} these run
 * the committed inputs under {@code src/test/resources/io/dotproxy/runtime/listener/QueryPathFuzzTestInputs}.
 */
class QueryPathFuzzTest {

  private static final InetAddress CLIENT = InetAddress.getLoopbackAddress();

  /** Answers at once, with a size picked from the query's ID so that some answers need truncation. */
  static final Resolver INSTANT = (query, loop) -> {
    Message answer = new Message(query.id());
    answer.getHeader().setFlag(Flags.QR);
    answer.addRecord(query.question(), Section.QUESTION);
    int records = query.id() % 97;
    try {
      for (int i = 0; i < records; i++) {
        answer.addRecord(new ARecord(query.question().getName(), DClass.IN, 60,
            InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, (byte) i})), Section.ANSWER);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    if (query.id() % 5 == 0) {
      answer.addRecord(new TXTRecord(query.question().getName(), DClass.IN, 60, "x".repeat(200)),
          Section.ANSWER);
    }
    return CompletableFuture.completedFuture(answer);
  };

  private static final QueryPipeline PIPELINE = new QueryPipeline(INSTANT, new ProxyMetrics());

  @FuzzTest(maxDuration = "2m")
  void udpDatagram(byte[] datagram) throws IOException {
    List<byte[]> replies = new ArrayList<>();
    ByteBuf packet = Unpooled.wrappedBuffer(datagram);
    PIPELINE.handle(packet, true, CLIENT, null, replies::add);
    assertThat(replies).as("exactly one reply or drop").hasSize(1);
    checkReply(datagram, replies.get(0), true);
  }

  @FuzzTest(maxDuration = "2m")
  void tcpStream(FuzzedDataProvider data) throws IOException {
    EmbeddedChannel channel = new LoopbackEmbeddedChannel();
    channel.pipeline().addLast(DnsListeners.queryFrameDecoder(), new TcpQueryHandler(PIPELINE));
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    while (data.remainingBytes() > 0 && channel.isOpen()) {
      byte[] chunk = data.consumeBytes(data.consumeInt(1, 700));
      sent.write(chunk);
      channel.writeInbound(Unpooled.wrappedBuffer(chunk));
    }
    List<byte[]> replies = new ArrayList<>();
    for (ByteBuf framed; (framed = channel.readOutbound()) != null; ) {
      try {
        int length = framed.readUnsignedShort();
        assertThat(framed.readableBytes()).as("the length prefix matches").isEqualTo(length);
        byte[] reply = new byte[length];
        framed.readBytes(reply);
        replies.add(reply);
      } finally {
        framed.release();
      }
    }
    // Answers are instant, so they come in the order of the complete frames sent.
    List<byte[]> frames = completeFrames(sent.toByteArray());
    int next = 0;
    for (byte[] frame : frames) {
      if (isDropped(frame)) {
        continue;
      }
      assertThat(next).as("a reply for every query frame").isLessThan(replies.size());
      checkReply(frame, replies.get(next++), false);
    }
    assertThat(replies).as("no reply without a query").hasSize(next);
    channel.finishAndReleaseAll();
  }

  static void checkReply(byte[] query, byte[] reply, boolean udp) throws IOException {
    if (isDropped(query)) {
      assertThat(reply).as("a drop").isNull();
      return;
    }
    assertThat(reply).as("a reply").isNotNull();
    Message parsed = new Message(reply);
    assertThat(parsed.getHeader().getID()).isEqualTo(((query[0] & 0xFF) << 8) | (query[1] & 0xFF));
    assertThat(parsed.getHeader().getFlag(Flags.QR)).isTrue();
    if (udp) {
      if (parsed.getOPT() == null) {
        assertThat(reply.length).isLessThanOrEqualTo(512);
      }
    }
  }

  /** Shorter than a header, or a response: dropped without an answer. */
  static boolean isDropped(byte[] packet) {
    return packet.length < 12 || (packet[2] & 0x80) != 0;
  }

  private static List<byte[]> completeFrames(byte[] stream) {
    List<byte[]> frames = new ArrayList<>();
    int pos = 0;
    while (pos + 2 <= stream.length) {
      int length = ((stream[pos] & 0xFF) << 8) | (stream[pos + 1] & 0xFF);
      if (length > DnsListeners.MAX_TCP_QUERY_LENGTH) {
        break; // the listener closes the connection as soon as it reads such a length
      }
      if (pos + 2 + length > stream.length) {
        break;
      }
      byte[] frame = new byte[length];
      System.arraycopy(stream, pos + 2, frame, 0, length);
      frames.add(frame);
      pos += 2 + length;
    }
    return frames;
  }

  /** An EmbeddedChannel whose peer is a loopback socket address, as the TCP handler expects. */
  private static final class LoopbackEmbeddedChannel extends EmbeddedChannel {
    @Override
    protected SocketAddress remoteAddress0() {
      return new InetSocketAddress(CLIENT, 5300);
    }
  }
}
