package io.dotproxy.runtime.listener;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers each datagram to its sender, through the socket it arrived on. Answers ready while a
 * batch of datagrams is being read (cache hits) are flushed together when the batch ends, which
 * epoll sends with one sendmmsg call; later answers are sent at once. One handler per socket.
 */
final class UdpQueryHandler extends SimpleChannelInboundHandler<DatagramPacket> {

  private static final Logger log = LoggerFactory.getLogger(UdpQueryHandler.class);

  private final QueryPipeline pipeline;
  /** Both only touched on the socket's event loop. */
  private boolean reading;
  private boolean unflushed;

  UdpQueryHandler(QueryPipeline pipeline) {
    this.pipeline = pipeline;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
    InetSocketAddress sender = packet.sender();
    reading = true;
    try {
      pipeline.handle(packet.content(), true, sender.getAddress(), ctx.channel().eventLoop(),
          answer -> send(ctx, answer, sender));
    } finally {
      reading = false;
    }
  }

  private void send(ChannelHandlerContext ctx, byte[] answer, InetSocketAddress recipient) {
    if (answer == null) {
      return;
    }
    ByteBuf content = ctx.alloc().directBuffer(answer.length).writeBytes(answer);
    DatagramPacket datagram = new DatagramPacket(content, recipient);
    if (reading && ctx.channel().eventLoop().inEventLoop()) {
      ctx.write(datagram, ctx.voidPromise());
      unflushed = true;
    } else {
      ctx.writeAndFlush(datagram, ctx.voidPromise());
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (unflushed) {
      unflushed = false;
      ctx.flush();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // One client's ICMP error or bad packet must never close the socket everyone shares.
    log.debug("UDP listener: {}", cause.toString());
  }
}
