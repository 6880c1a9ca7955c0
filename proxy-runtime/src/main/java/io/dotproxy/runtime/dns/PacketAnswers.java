package io.dotproxy.runtime.dns;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.util.function.Consumer;

/**
 * A stage that answers some queries from their bytes alone, before they are decoded: the cache's
 * hit path. Whatever it declines takes the full path through {@link QueryDecoder} and the
 * {@link Resolver}s, which must give the same answer.
 */
public interface PacketAnswers {

  /**
   * @param packet a client's packet; read, never consumed or released
   * @param udp whether it came over UDP, which limits the answer's size
   * @param udpMaxSize the largest UDP answer whatever the client advertises
   * @return the finished answer, or null when the full path must handle this query
   */
  byte[] answer(ByteBuf packet, boolean udp, int udpMaxSize);

  /**
   * Takes on a query the packet path can resolve as bytes ({@link WireResolver}), or declines it.
   *
   * @param loop the event loop the packet arrived on
   * @param reply called exactly once, on {@code loop}, with the answer, if the query was taken
   * @return whether the query was taken; if not, the full path must handle it
   */
  default boolean resolve(ByteBuf packet, boolean udp, int udpMaxSize, EventLoop loop,
      Consumer<byte[]> reply) {
    return false;
  }
}
