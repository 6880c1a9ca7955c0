package io.dotproxy.runtime.listener;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the open TCP client connections of one listener. Every connection costs a file descriptor
 * and buffers, and the idle timeout alone lets a client hold thousands open for its duration. Over
 * the cap, the oldest connection with no query outstanding is closed to make room (RFC 7766 allows
 * a server to close idle connections at any time), so idle clients can never lock out a new one;
 * only when every connection has queries outstanding is the newcomer closed instead.
 */
@Sharable
final class TcpConnectionLimit extends ChannelInboundHandlerAdapter {

  private static final Logger log = LoggerFactory.getLogger(TcpConnectionLimit.class);

  private final int max;
  private final ConcurrentLinkedDeque<Channel> open = new ConcurrentLinkedDeque<>();
  private final AtomicInteger count = new AtomicInteger();

  TcpConnectionLimit(int max) {
    this.max = max;
  }

  /** Connections open now, as this limit counts them. */
  int open() {
    return count.get();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    Channel channel = ctx.channel();
    open.addLast(channel);
    if (count.incrementAndGet() > max) {
      makeRoomFor(channel);
    }
    super.channelActive(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    forget(ctx.channel());
    super.channelInactive(ctx);
  }

  private void makeRoomFor(Channel newcomer) {
    for (Iterator<Channel> oldestFirst = open.iterator(); oldestFirst.hasNext(); ) {
      Channel candidate = oldestFirst.next();
      TcpQueryHandler handler = candidate.pipeline().get(TcpQueryHandler.class);
      if (candidate != newcomer && (handler == null || handler.isIdle()) && forget(candidate)) {
        log.debug("{} TCP connections: closing the oldest idle one, {}", max, candidate.remoteAddress());
        candidate.close();
        return;
      }
    }
    log.debug("{} TCP connections, all busy: closing the new one from {}", max, newcomer.remoteAddress());
    forget(newcomer);
    newcomer.close();
  }

  private boolean forget(Channel channel) {
    if (open.remove(channel)) {
      count.decrementAndGet();
      return true;
    }
    return false;
  }
}
