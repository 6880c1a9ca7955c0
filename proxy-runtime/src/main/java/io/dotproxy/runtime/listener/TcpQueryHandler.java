package io.dotproxy.runtime.listener;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP client connection (RFC 7766): pipelined queries are resolved concurrently and answered
 * as they complete, out of order. Reading pauses while too many are outstanding, or while answers
 * wait in the outbound buffer because the client does not read them, so one client cannot make the
 * proxy buffer without bound.
 */
final class TcpQueryHandler extends ChannelInboundHandlerAdapter {

  static final int MAX_IN_FLIGHT = 128;

  private static final Logger log = LoggerFactory.getLogger(TcpQueryHandler.class);

  private final QueryPipeline pipeline;
  private final UnreadAnswers unread;
  /** Written on the channel's event loop only; read elsewhere by {@link TcpConnectionLimit}. */
  private volatile int inFlight;

  TcpQueryHandler(QueryPipeline pipeline) {
    this(pipeline, new UnreadAnswers(UnreadAnswers.DEFAULT_LIMIT));
  }

  /** @param unread answer bytes waiting for TCP clients to read them, shared by every connection */
  TcpQueryHandler(QueryPipeline pipeline, UnreadAnswers unread) {
    this.pipeline = pipeline;
    this.unread = unread;
  }

  /** No query outstanding: the connection may be closed without losing an answer. */
  boolean isIdle() {
    return inFlight == 0;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf frame = (ByteBuf) msg;
    Channel channel = ctx.channel();
    inFlight++;
    updateReading(channel);
    try {
      InetAddress client = ((InetSocketAddress) channel.remoteAddress()).getAddress();
      pipeline.handle(frame, false, client, channel.eventLoop(), answer -> {
        if (channel.eventLoop().inEventLoop()) {
          answered(channel, answer);
        } else {
          channel.eventLoop().execute(() -> answered(channel, answer));
        }
      });
    } finally {
      frame.release();
    }
  }

  private void answered(Channel channel, byte[] answer) {
    inFlight--;
    if (answer != null && channel.isActive()) {
      int bytes = 2 + answer.length;
      if (!unread.reserve(bytes) && !channel.isWritable()) {
        // This client is not reading, and answers waiting for clients fill their budget.
        log.debug("TCP client {} does not read its answers: closing", channel.remoteAddress());
        unread.release(bytes);
        channel.close();
        return;
      }
      ByteBuf framed = channel.alloc().ioBuffer(bytes);
      framed.writeShort(answer.length);
      framed.writeBytes(answer);
      channel.writeAndFlush(framed).addListener(written -> unread.release(bytes));
    }
    updateReading(channel);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    updateReading(ctx.channel());
    super.channelWritabilityChanged(ctx);
  }

  private void updateReading(Channel channel) {
    boolean reading = channel.config().isAutoRead();
    // Stop at the limit and resume at half of it, so reading does not flap with every answer.
    boolean shouldRead = channel.isWritable()
        && inFlight < (reading ? MAX_IN_FLIGHT : MAX_IN_FLIGHT / 2);
    if (shouldRead != reading) {
      channel.config().setAutoRead(shouldRead);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (event instanceof IdleStateEvent) {
      if (inFlight == 0) {
        ctx.close();
      }
      return;
    }
    super.userEventTriggered(ctx, event);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("TCP client {}: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
