package io.dotproxy.runtime.listener;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers each datagram to its sender, through the socket it arrived on. The flushes are
 * consolidated in front of it ({@link DnsListeners}), so answers ready together leave with one
 * sendmmsg call.
 */
@ChannelHandler.Sharable
final class UdpQueryHandler extends SimpleChannelInboundHandler<DatagramPacket> {

  private static final Logger log = LoggerFactory.getLogger(UdpQueryHandler.class);

  private final QueryPipeline pipeline;

  UdpQueryHandler(QueryPipeline pipeline) {
    this.pipeline = pipeline;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
    InetSocketAddress sender = packet.sender();
    pipeline.handle(packet.content(), true, sender.getAddress(), ctx.channel().eventLoop(),
        answer -> send(ctx, answer, sender));
  }

  private void send(ChannelHandlerContext ctx, byte[] answer, InetSocketAddress recipient) {
    // Unwritable: the kernel has stopped taking datagrams and 64 KB of answers wait in Netty's
    // buffer already. Drop, as a full socket buffer would, rather than queue without bound.
    if (answer == null || !ctx.channel().isWritable()) {
      return;
    }
    ByteBuf content = ctx.alloc().directBuffer(answer.length).writeBytes(answer);
    ctx.writeAndFlush(new DatagramPacket(content, recipient), ctx.voidPromise());
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // One client's ICMP error or bad packet must never close the socket everyone shares.
    log.debug("UDP listener: {}", cause.toString());
  }
}
