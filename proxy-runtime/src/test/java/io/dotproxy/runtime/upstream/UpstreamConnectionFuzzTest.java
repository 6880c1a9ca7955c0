package io.dotproxy.runtime.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dotproxy.runtime.config.UpstreamSpec;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.dotproxy.runtime.testing.Issued;
import io.dotproxy.runtime.testing.TestPki;
import io.dotproxy.runtime.transport.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * Fuzz target for {@link UpstreamConnection#channelRead} itself: the real connection handler, in
 * the pipeline {@link Upstream#connect} builds (TLS, the answer framing, the connection), over an
 * in-memory TLS session with a server that sends whatever the fuzzer makes: raw stream bytes,
 * frames of arbitrary content, and answer-like frames carrying an outstanding query's ID and
 * question with arbitrary bytes around them.
 *
 * <p>The queries are real ones, sent through the connection (some before the handshake completes).
 * What must hold is checked against a model written independently of the handler:
 *
 * <ul>
 *   <li>each query the server receives carries the ID the connection gave it and the query's bytes;
 *   <li>frames are taken in order; a frame shorter than a header or not a response is a protocol
 *       error, which closes the connection, and nothing read after it is believed; an answer whose
 *       question is not its query's (names compared ignoring ASCII case, type and class exactly) is
 *       a stray (a late answer to an earlier query under a reused ID): ignored, and the query waits on;
 *   <li>a query gets exactly the bytes of the first well-formed answer with its ID and question, or
 *       fails when the connection closes, or is still waiting; an answer to no outstanding ID is
 *       ignored;
 *   <li>an answer that is believed and carries an edns-tcp-keepalive TIMEOUT of 0 (RFC 7828; read by
 *       {@link ServerKeepalive}, tested on its own) makes the connection close once no query is
 *       outstanding, and nothing read after that is believed either;
 *   <li>the connection is open exactly when there was no protocol error and no such close, and
 *       nothing throws.
 * </ul>
 */
class UpstreamConnectionFuzzTest {

  private static final TestPki PKI = TestPki.newCa();
  private static final Issued SERVER = PKI.issue();
  private static final SslContext SERVER_TLS = SERVER.serverSslContext();
  private static final EventLoopGroup GROUP = new DefaultEventLoopGroup(1);
  private static final Upstream UPSTREAM = upstream();
  private static final String[] NAMES = {"a.fuzz.example.", "Mixed.Case.Example.", "b.fuzz.example."};
  private static final int[] TYPES = {Type.A, Type.AAAA, Type.HTTPS, Type.TXT};

  @FuzzTest(maxDuration = "2m")
  void channelRead(FuzzedDataProvider data) {
    int count = data.consumeInt(1, 6);
    int beforeHandshake = data.consumeInt(0, count);
    List<PendingQuery> queries = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Message message = Message.newQuery(Record.newRecord(
          Name.fromConstantString(NAMES[data.consumeInt(0, NAMES.length - 1)]),
          TYPES[data.consumeInt(0, TYPES.length - 1)], DClass.IN));
      PendingQuery query = new PendingQuery(message.toWire());
      query.retried = true; // a closed connection fails the query rather than reconnecting
      queries.add(query);
    }

    EmbeddedChannel server = new EmbeddedChannel(SERVER_TLS.newHandler(ByteBufAllocator.DEFAULT));
    EmbeddedChannel client = new EmbeddedChannel();
    LoopConnections pool = new LoopConnections(UPSTREAM, client.eventLoop(), 2);
    UpstreamConnection connection = new UpstreamConnection(UPSTREAM, pool,
        ConnectionLimits.DEFAULTS.maxInFlight(), ConnectionLimits.DEFAULTS.idleTimeout(), ServerKeepalive.ABSENT);
    SslHandler tls = UPSTREAM.tls().newHandler(client.alloc(), 10_000);
    client.pipeline().addLast(tls, Upstream.answerFrameDecoder())
        .addLast("idle", new IdleStateHandler(0, 0, connection.idleMillis(), TimeUnit.MILLISECONDS))
        .addLast(connection);
    connection.attach(client, tls);
    for (int i = 0; i < beforeHandshake; i++) {
      connection.send(queries.get(i));
    }
    shuttle(client, server);
    assertThat(tls.handshakeFuture().isSuccess()).as("the in-memory TLS handshake").isTrue();
    for (int i = beforeHandshake; i < count; i++) {
      connection.send(queries.get(i));
    }
    shuttle(client, server);

    // What the upstream received: every query, under the ID the connection chose.
    Map<Integer, Integer> outstanding = new HashMap<>();
    List<byte[]> received = frames(drain(server));
    assertThat(received).hasSize(count);
    for (int i = 0; i < count; i++) {
      PendingQuery query = queries.get(i);
      byte[] frame = received.get(i);
      int id = ((frame[0] & 0xFF) << 8) | (frame[1] & 0xFF);
      assertThat(id).isEqualTo(query.id);
      assertThat(Arrays.copyOfRange(frame, 2, frame.length))
          .isEqualTo(Arrays.copyOfRange(query.wire, 2, query.wire.length));
      assertThat(outstanding.put(id, i)).as("IDs in flight are distinct").isNull();
    }

    // What the upstream sends back: writes of one to three pieces each, so that several frames
    // can arrive in one TLS record and one read.
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    for (int writes = 0; writes < 48 && data.remainingBytes() > 0 && client.isOpen(); writes++) {
      ByteArrayOutputStream write = new ByteArrayOutputStream();
      for (int pieces = data.consumeInt(1, 3); pieces > 0; pieces--) {
        write.writeBytes(piece(data, queries));
      }
      stream.writeBytes(write.toByteArray());
      server.writeOutbound(Unpooled.wrappedBuffer(write.toByteArray()));
      shuttle(client, server);
    }
    client.runPendingTasks();

    Model expected = Model.of(stream.toByteArray(), queries, outstanding);
    for (int i = 0; i < count; i++) {
      CompletableFuture<byte[]> result = queries.get(i).result;
      byte[] answer = expected.answers[i];
      if (answer != null) {
        assertThat(result).as("query %d answered", i).isCompleted().isNotCompletedExceptionally();
        assertThat(result.getNow(null)).as("query %d's answer", i).isEqualTo(answer);
      } else if (expected.protocolError) {
        assertThat(result).as("query %d failed with the connection", i).isCompletedExceptionally();
      } else {
        assertThat(result).as("query %d still waiting", i).isNotDone();
      }
    }
    assertThat(client.isOpen()).as("open unless the upstream broke the protocol or asked for a close")
        .isEqualTo(!expected.protocolError && !expected.drained);
    client.checkException();
    client.finishAndReleaseAll();
    server.finishAndReleaseAll();
  }

  /** One piece of what the server sends: raw bytes, a frame, or an answer-like frame. */
  private static byte[] piece(FuzzedDataProvider data, List<PendingQuery> queries) {
    switch (data.consumeInt(0, 2)) {
      case 0:
        return data.consumeBytes(data.consumeInt(0, 300));
      case 1: {
        byte[] payload = data.consumeBytes(data.consumeInt(0, 600));
        if (payload.length >= 2 && data.consumeBoolean()) {
          PendingQuery query = queries.get(data.consumeInt(0, queries.size() - 1));
          payload[0] = (byte) (query.id >> 8);
          payload[1] = (byte) query.id;
        }
        return frame(payload);
      }
      default: {
        PendingQuery query = queries.get(data.consumeInt(0, queries.size() - 1));
        byte[] header = Arrays.copyOf(data.consumeBytes(12), 12);
        header[0] = (byte) (query.id >> 8);
        header[1] = (byte) query.id;
        if (data.consumeBoolean()) {
          header[2] |= (byte) 0x80; // QR
          header[4] = 0;
          header[5] = 1; // one question
        }
        byte[] question = Arrays.copyOfRange(query.wire, 12, 12 + query.questionLength);
        if (data.consumeBoolean()) {
          int at = data.consumeInt(0, question.length - 1);
          question[at] ^= (byte) (data.consumeBoolean() ? 0x20 : data.consumeInt(1, 255));
        }
        byte[] tail = data.consumeBytes(data.consumeInt(0, 200));
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        payload.writeBytes(header);
        payload.writeBytes(question);
        payload.writeBytes(tail);
        return frame(payload.toByteArray());
      }
    }
  }

  /** What the handler must have done with {@code stream}, worked out without it. */
  private static final class Model {
    final byte[][] answers;
    boolean protocolError;
    /** A keepalive TIMEOUT of 0 came, and then the last outstanding answer. */
    boolean drained;

    private Model(int count) {
      answers = new byte[count][];
    }

    static Model of(byte[] stream, List<PendingQuery> queries, Map<Integer, Integer> outstanding) {
      Model model = new Model(queries.size());
      Map<Integer, Integer> waiting = new HashMap<>(outstanding);
      boolean draining = false;
      for (byte[] frame : frames(stream)) {
        if (frame.length < 12 || (frame[2] & 0x80) == 0) {
          model.protocolError = true;
          break;
        }
        int id = ((frame[0] & 0xFF) << 8) | (frame[1] & 0xFF);
        Integer index = waiting.get(id);
        if (index == null || !sameQuestion(queries.get(index).wire, frame)) {
          continue; // a stray: a late answer to an earlier query under the same ID, ignored
        }
        waiting.remove(id);
        model.answers[index] = frame;
        draining |= ServerKeepalive.timeoutIn(frame) == 0;
        if (draining && waiting.isEmpty()) {
          model.drained = true;
          break;
        }
      }
      return model;
    }

    /** The answer's first question is the query's: the name ignoring ASCII case, type and class exactly. */
    private static boolean sameQuestion(byte[] query, byte[] answer) {
      if (((answer[4] & 0xFF) << 8 | (answer[5] & 0xFF)) == 0) {
        return false;
      }
      int nameEnd = 12;
      while (query[nameEnd] != 0) {
        nameEnd += 1 + query[nameEnd];
      }
      int end = nameEnd + 1 + 4;
      if (answer.length < end) {
        return false;
      }
      for (int i = 12; i < end; i++) {
        boolean equal = i <= nameEnd ? lowerAscii(query[i]) == lowerAscii(answer[i]) : query[i] == answer[i];
        if (!equal) {
          return false;
        }
      }
      return true;
    }
  }

  private static int lowerAscii(byte b) {
    return b >= 'A' && b <= 'Z' ? b + 32 : b;
  }

  /** Complete frames of an RFC 7858 stream, payloads without their length. */
  private static List<byte[]> frames(byte[] stream) {
    List<byte[]> frames = new ArrayList<>();
    int pos = 0;
    while (pos + 2 <= stream.length) {
      int length = ((stream[pos] & 0xFF) << 8) | (stream[pos + 1] & 0xFF);
      if (pos + 2 + length > stream.length) {
        break;
      }
      frames.add(Arrays.copyOfRange(stream, pos + 2, pos + 2 + length));
      pos += 2 + length;
    }
    return frames;
  }

  private static byte[] frame(byte[] payload) {
    byte[] framed = new byte[payload.length + 2];
    framed[0] = (byte) (payload.length >> 8);
    framed[1] = (byte) payload.length;
    System.arraycopy(payload, 0, framed, 2, payload.length);
    return framed;
  }

  /** Moves TLS records both ways until neither side has anything more to say. */
  private static void shuttle(EmbeddedChannel client, EmbeddedChannel server) {
    for (int rounds = 0; rounds < 100; rounds++) {
      boolean moved = false;
      for (ByteBuf record; (record = client.readOutbound()) != null; moved = true) {
        if (server.isOpen()) {
          server.writeInbound(record);
        } else {
          record.release();
        }
      }
      for (ByteBuf record; (record = server.readOutbound()) != null; moved = true) {
        if (client.isOpen()) {
          client.writeInbound(record);
        } else {
          record.release();
        }
      }
      client.runPendingTasks();
      server.runPendingTasks();
      if (!moved) {
        return;
      }
    }
  }

  /** Everything the server's TLS layer decrypted so far. */
  private static byte[] drain(EmbeddedChannel server) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (ByteBuf plain; (plain = server.readInbound()) != null; ) {
      bytes.writeBytes(ByteBufUtil.getBytes(plain));
      plain.release();
    }
    return bytes.toByteArray();
  }

  private static Upstream upstream() {
    try {
      Path dir = Files.createTempDirectory("upstream-fuzz");
      dir.toFile().deleteOnExit();
      Path ca = SERVER.writePem(dir).caCertificate();
      UpstreamSpec spec = new UpstreamSpec(InetAddress.getLoopbackAddress(), 853, Optional.of("dot.test"), List.of());
      return new Upstream(spec, Optional.of(ca), GROUP, Transport.nio(), ConnectionLimits.DEFAULTS,
          new ProxyMetrics().upstream("fuzz"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
