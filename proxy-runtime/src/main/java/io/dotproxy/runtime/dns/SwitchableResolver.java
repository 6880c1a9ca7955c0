package io.dotproxy.runtime.dns;

import io.netty.channel.EventLoop;
import java.util.concurrent.CompletableFuture;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;

/**
 * A stage whose target can be replaced while queries flow, so a reload can swap what sits behind
 * the cache without throwing the cache away. Queries already sent finish where they went.
 */
public final class SwitchableResolver implements Resolver, WireResolver {

  private volatile Resolver target;

  public SwitchableResolver(Resolver target) {
    this.target = target;
  }

  public void switchTo(Resolver next) {
    target = next;
  }

  @Override
  public CompletableFuture<Message> resolve(ClientQuery query, EventLoop loop) {
    return target.resolve(query, loop);
  }

  @Override
  public CompletableFuture<byte[]> resolveWire(Name name, byte[] packet, PlainQuery query,
      EventLoop loop) {
    return target instanceof WireResolver wire ? wire.resolveWire(name, packet, query, loop) : null;
  }
}
