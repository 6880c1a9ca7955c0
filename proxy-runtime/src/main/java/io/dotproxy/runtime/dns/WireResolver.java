package io.dotproxy.runtime.dns;

import io.netty.channel.EventLoop;
import java.util.concurrent.CompletableFuture;
import org.xbill.DNS.Name;

/**
 * A stage that can resolve a plain query as bytes: the query goes to the upstream as the client
 * wrote it (with this proxy's EDNS options), and the upstream's answer comes back as it was sent,
 * for the cache to store and answer from without decoding either. A stage that would answer the
 * query itself, or send it somewhere that needs the message (a forward zone, the cross-check),
 * declines, and the query takes the message path.
 */
public interface WireResolver {

  /**
   * @param name the question's name, to match against zones
   * @param packet the client's packet; {@link PlainQuery#read} accepted it; not changed
   * @param query what {@link PlainQuery#read} read from it
   * @param loop the event loop the query arrived on
   * @return the upstream's answer as it was sent (its ID is the upstream connection's, not the
   *     client's), failing when no upstream answered; or null when this stage declines the query
   */
  CompletableFuture<byte[]> resolveWire(Name name, byte[] packet, PlainQuery query, EventLoop loop);
}
