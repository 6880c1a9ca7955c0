package io.dotproxy.runtime.listener;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

/**
 * RFC 7766 framing: a two-byte length, then the query; a longer query than allowed closes the
 * connection. While the client does not read its answers (the channel is not writable), queries
 * it already sent stay in the buffer instead of being answered: one read can hold thousands of
 * pipelined queries, and cache hits are answered at once, so answering them all would buffer their
 * answers without bound. Reading from the socket stops too ({@link TcpQueryHandler}), so what is
 * held back is at most what was read before.
 */
final class QueryFrameDecoder extends LengthFieldBasedFrameDecoder {

  QueryFrameDecoder(int maxQueryLength) {
    super(maxQueryLength + 2, 0, 2, 0, 2);
  }

  @Override
  protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
    if (!ctx.channel().isWritable()) {
      return null;
    }
    return super.decode(ctx, in);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    if (ctx.channel().isWritable()) {
      channelRead(ctx, Unpooled.EMPTY_BUFFER); // answers what was held back; no new bytes needed
    }
    super.channelWritabilityChanged(ctx);
  }
}
