package io.dotproxy.runtime.dns;

import io.netty.buffer.ByteBuf;

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
}
