package io.dotproxy.bench;

import io.dotproxy.runtime.cache.PacketStoreLookups;
import io.dotproxy.runtime.dns.PlainQuery;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * A cache lookup straight from a client's packet, 10,000 answers stored, the names asked in turn
 * and in mixed case: {@code packetStore} hashes and compares the name as it reads it in an
 * open-addressing table; {@code caffeine} is today's lookup, a key object made from the packet and
 * Caffeine's {@code getIfPresent}. Both find every name.
 */
public class PacketStoreBenchmark extends HotPathBenchmark {

  private static final int ENTRIES = 10_000;

  private final List<ByteBuf> packets = new ArrayList<>();
  private final List<PlainQuery> queries = new ArrayList<>();
  private PacketStoreLookups lookups;
  private int next;

  @Setup
  public void setUp() {
    for (int i = 0; i < ENTRIES; i++) {
      ByteBuf packet = Unpooled.wrappedBuffer(Queries.query("Host" + i + ".Example.test.").toWire());
      packets.add(packet);
      queries.add(PlainQuery.read(packet));
    }
    byte[] answer = Queries.answer(Queries.query("host0.example.test.")).toWire();
    lookups = new PacketStoreLookups(packets, answer);
  }

  @Benchmark
  public byte[] packetStore() {
    int i = turn();
    return lookups.fromPacketStore(packets.get(i), queries.get(i));
  }

  @Benchmark
  public byte[] caffeine() {
    int i = turn();
    return lookups.fromCaffeine(packets.get(i), queries.get(i));
  }

  private int turn() {
    int i = next;
    next = i + 1 == ENTRIES ? 0 : i + 1;
    return i;
  }
}
