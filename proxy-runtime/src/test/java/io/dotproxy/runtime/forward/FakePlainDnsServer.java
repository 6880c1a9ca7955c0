package io.dotproxy.runtime.forward;

import io.dotproxy.runtime.config.HostPort;
import io.dotproxy.runtime.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Section;

/**
 * A scriptable plain-DNS server on loopback, UDP and TCP on one port, that records what it gets.
 * It can also answer from a second socket, as an off-path forger would.
 */
final class FakePlainDnsServer implements AutoCloseable {

  /** What the server got: the query and where from. */
  record Received(Message query, InetSocketAddress sender, boolean tcp) {}

  /** A reply to send; {@code forged} ones leave from another port than the server's. */
  record Reply(byte[] wire, boolean forged) {
    static Reply of(Message message) {
      return new Reply(message.toWire(), false);
    }
  }

  /** Decides the replies to a query; an empty list means silence. */
  interface Behaviour {
    List<Reply> replies(Message query, boolean tcp) throws Exception;
  }

  final List<Received> received = new CopyOnWriteArrayList<>();
  private final Behaviour behaviour;
  private final Channel udp;
  private final Channel tcp;
  private final Channel forger;

  FakePlainDnsServer(EventLoopGroup group, Transport transport, Behaviour behaviour) {
    this.behaviour = behaviour;
    Bootstrap udpBootstrap = new Bootstrap().group(group).channel(transport.datagramChannel())
        .handler(new ChannelInitializer<Channel>() { // a new handler per bind: binds may be retried
          @Override
          protected void initChannel(Channel channel) {
            channel.pipeline().addLast(new SimpleChannelInboundHandler<DatagramPacket>() {
              @Override
              protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) throws Exception {
                Message query = new Message(ByteBufUtil.getBytes(packet.content()));
                received.add(new Received(query, packet.sender(), false));
                for (Reply reply : behaviour.replies(query, false)) {
                  Channel from = reply.forged() ? forger : ctx.channel();
                  from.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(reply.wire()), packet.sender()));
                }
              }
            });
          }
        });
    ServerBootstrap tcpBootstrap = new ServerBootstrap().group(group).channel(transport.serverChannel())
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel channel) {
            channel.pipeline().addLast(new LengthFieldBasedFrameDecoder(65537, 0, 2, 0, 2),
                new LengthFieldPrepender(2),
                new SimpleChannelInboundHandler<ByteBuf>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) throws Exception {
                    Message query = new Message(ByteBufUtil.getBytes(frame));
                    received.add(new Received(query,
                        (InetSocketAddress) ctx.channel().remoteAddress(), true));
                    for (Reply reply : behaviour.replies(query, true)) {
                      ctx.writeAndFlush(Unpooled.wrappedBuffer(reply.wire()));
                    }
                  }
                });
          }
        });
    Channel[] bound = bindOnOnePort(udpBootstrap, tcpBootstrap);
    this.udp = bound[0];
    this.tcp = bound[1];
    this.forger = new Bootstrap().group(group).channel(transport.datagramChannel())
        .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
          @Override
          protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {}
        })
        .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).syncUninterruptibly().channel();
  }

  /**
   * UDP on a free port, then TCP on the same one; another process may hold that TCP port, so a
   * few fresh ports are tried.
   */
  private static Channel[] bindOnOnePort(Bootstrap udpBootstrap, ServerBootstrap tcpBootstrap) {
    for (int attempt = 0; ; attempt++) {
      Channel udp = udpBootstrap.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
          .syncUninterruptibly().channel();
      int port = ((InetSocketAddress) udp.localAddress()).getPort();
      var tcp = tcpBootstrap.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
          .awaitUninterruptibly();
      if (tcp.isSuccess()) {
        return new Channel[] {udp, tcp.channel()};
      }
      udp.close().syncUninterruptibly();
      if (attempt == 9) {
        throw new IllegalStateException("no port free for both UDP and TCP", tcp.cause());
      }
    }
  }

  HostPort hostPort() {
    InetSocketAddress address = (InetSocketAddress) udp.localAddress();
    return new HostPort(address.getAddress(), address.getPort());
  }

  long udpQueries() {
    return received.stream().filter(r -> !r.tcp()).count();
  }

  long tcpQueries() {
    return received.stream().filter(Received::tcp).count();
  }

  /** An answer to {@code query} with one A record per address. */
  static Message answer(Message query, String... addresses) throws Exception {
    Message answer = new Message(query.getHeader().getID());
    answer.getHeader().setFlag(Flags.QR);
    answer.getHeader().setFlag(Flags.RA);
    answer.addRecord(query.getQuestion(), Section.QUESTION);
    for (String address : addresses) {
      answer.addRecord(new ARecord(query.getQuestion().getName(), DClass.IN, 30,
          InetAddress.getByName(address)), Section.ANSWER);
    }
    return answer;
  }

  @Override
  public void close() {
    // Bounded: a test that failed by blocking an event loop must still end.
    udp.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    tcp.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    forger.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
