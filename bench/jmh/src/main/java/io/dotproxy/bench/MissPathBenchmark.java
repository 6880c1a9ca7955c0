package io.dotproxy.bench;

import io.dotproxy.runtime.config.PrivacySettings;
import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.DecodedQuery;
import io.dotproxy.runtime.dns.QueryDecoder;
import io.dotproxy.runtime.dns.ResponseShaper;
import io.dotproxy.runtime.privacy.UpstreamQuery;
import java.nio.ByteBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;
import org.xbill.DNS.Message;

/**
 * The CPU a cache miss spends outside TLS and the sockets: decoding the client's query, making
 * the padded DoT query, parsing the upstream's answer and shaping it for the client.
 */
public class MissPathBenchmark extends HotPathBenchmark {

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
