package io.dotproxy.runtime.dns;

import io.netty.channel.EventLoop;
import java.util.concurrent.CompletableFuture;
import org.xbill.DNS.Message;

/**
 * A stage of the query path (cache, router). Completes with an answer the caller may change, or
 * exceptionally; never leaves the future pending past the configured timeout.
 */
public interface Resolver {

  /**
   * @param query the client's query
   * @param loop the event loop the query arrived on; stages stay on it so that nothing is shared
   */
  CompletableFuture<Message> resolve(ClientQuery query, EventLoop loop);
}
