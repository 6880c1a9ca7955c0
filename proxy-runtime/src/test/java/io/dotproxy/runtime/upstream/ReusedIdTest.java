package io.dotproxy.runtime.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.dotproxy.runtime.testing.InProcessUpstream;
import io.dotproxy.runtime.transport.Transport;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * A connection's message IDs wrap after 65,536 queries, so the ID of a query that timed out is
 * used again, and the upstream's late answer to the old query then arrives under the new query's
 * ID. That is the upstream being slow, not broken: the late answer is dropped as a stray, the new
 * query waits for its own answer, and the connection, with every other query on it, stays.
 *
 * <p>The in-test server plays the late answer directly: before each real answer it sends an
 * answer for another question under the same ID.
 */
class ReusedIdTest {

  private final EventLoopGroup loops = Transport.nio().newEventLoopGroup(1, "reused-id-test");
  private InProcessUpstream upstream;

  @BeforeEach
  void start(@TempDir Path dir) throws Exception {
    upstream = InProcessUpstream.start(dir, loops, new ProxyMetrics());
    upstream.server().behave(query -> {
      query.reply(answerFor(query.id(), "late.test."));
      query.answer();
    });
  }

  @AfterEach
  void stop() {
    upstream.close();
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void aLateAnswerUnderAReusedIdIsAStrayNotABrokenConnection() throws Exception {
    for (String name : List.of("first.test.", "second.test.", "third.test.")) {
      byte[] answer = upstream.upstream().query(query(name), loops.next(), Duration.ofSeconds(5))
          .get(10, TimeUnit.SECONDS);
      assertThat(new Message(answer).getQuestion().getName()).hasToString(name);
    }
    assertThat(upstream.server().connectionsAccepted()).as("the connection survived the strays").isEqualTo(1);
  }

  private static byte[] query(String name) {
    return Message.newQuery(Record.newRecord(Name.fromConstantString(name), Type.A, DClass.IN)).toWire();
  }

  /** An empty answer under {@code id} for the question {@code name} A. */
  private static Message answerFor(int id, String name) {
    Message answer = new Message(id);
    answer.getHeader().setFlag(Flags.QR);
    answer.addRecord(Record.newRecord(Name.fromConstantString(name), Type.A, DClass.IN), Section.QUESTION);
    return answer;
  }
}
