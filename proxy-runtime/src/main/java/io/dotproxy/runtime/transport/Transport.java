package io.dotproxy.runtime.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The Netty transport: native epoll where the platform has it (SO_REUSEPORT lets every event loop
 * read the UDP port, so UDP scales with cores), else NIO with one UDP reader per address.
 */
public record Transport(
    String name,
    IoHandlerFactory ioHandlerFactory,
    Class<? extends DatagramChannel> datagramChannel,
    Class<? extends ServerChannel> serverChannel,
    Class<? extends SocketChannel> socketChannel,
    boolean reusePort) {

  public static Transport detect() {
    if (Epoll.isAvailable()) {
      return new Transport("epoll", EpollIoHandler.newFactory(), EpollDatagramChannel.class,
          EpollServerSocketChannel.class, EpollSocketChannel.class, true);
    }
    return nio();
  }

  public static Transport nio() {
    return new Transport("nio", NioIoHandler.newFactory(), NioDatagramChannel.class,
        NioServerSocketChannel.class, NioSocketChannel.class, false);
  }

  public EventLoopGroup newEventLoopGroup(int threads, String threadPrefix) {
    return new MultiThreadIoEventLoopGroup(
        threads, new DefaultThreadFactory(threadPrefix, false), ioHandlerFactory);
  }

  /** How many UDP sockets to bind per address: one per event loop with SO_REUSEPORT. */
  public int udpSocketsPerAddress(int eventLoops) {
    return reusePort ? eventLoops : 1;
  }

  public void enableReusePort(Bootstrap bootstrap) {
    if (reusePort) {
      bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
    }
  }

  /**
   * Reads up to {@link #DATAGRAMS_PER_READ} datagrams of at most {@code maxDatagramSize} bytes
   * with one recvmmsg call on epoll; NIO reads one at a time into a buffer of that size.
   */
  public void enableBatchedReads(Bootstrap bootstrap, int maxDatagramSize) {
    if (datagramChannel == EpollDatagramChannel.class) {
      bootstrap.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, maxDatagramSize)
          .option(ChannelOption.RCVBUF_ALLOCATOR,
              new FixedRecvByteBufAllocator(maxDatagramSize * DATAGRAMS_PER_READ));
    } else {
      bootstrap.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(maxDatagramSize));
    }
  }

  /** Datagrams per recvmmsg call. */
  static final int DATAGRAMS_PER_READ = 16;
}
