package io.dotproxy.bench;

import io.dotproxy.runtime.config.PrivacySettings;
import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.DecodedQuery;
import io.dotproxy.runtime.dns.QueryDecoder;
import io.dotproxy.runtime.dns.ResponseShaper;
import io.dotproxy.runtime.privacy.UpstreamQuery;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.xbill.DNS.Message;

/**
 * The CPU a cache miss spends outside TLS and the sockets: decoding the client's query, making
 * the padded DoT query, parsing the upstream's answer and shaping it for the client.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MissPathBenchmark {

  private byte[] queryWire;
  private byte[] answerWire;
  private ClientQuery decoded;
  private UpstreamQuery upstreamQuery;

  @Setup
  public void setUp() throws Exception {
    Message query = Queries.query("n12345.test.");
    queryWire = query.toWire();
    answerWire = Queries.answer(query).toWire();
    decoded = decode();
    upstreamQuery = new UpstreamQuery(new PrivacySettings(true, true));
  }

  @Benchmark
  public ClientQuery decodeClientQuery() {
    return decode();
  }

  @Benchmark
  public byte[] paddedDotQuery() {
    return upstreamQuery.forDot(decoded.message());
  }

  @Benchmark
  public byte[] parseAndShapeAnswer() throws Exception {
    return ResponseShaper.shape(decoded, new Message(answerWire));
  }

  private ClientQuery decode() {
    return ((DecodedQuery.Resolve) QueryDecoder.decode(ByteBuffer.wrap(queryWire), true)).query();
  }
}
