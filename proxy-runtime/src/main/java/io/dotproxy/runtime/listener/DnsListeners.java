package io.dotproxy.runtime.listener;

import io.dotproxy.runtime.config.HostPort;
import io.dotproxy.runtime.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Plain DNS listeners: UDP and TCP on the same address and port, for every listen address. */
public final class DnsListeners implements AutoCloseable {

  /** A TCP client that sends nothing for this long, with nothing outstanding, is disconnected. */
  static final Duration TCP_IDLE_TIMEOUT = Duration.ofSeconds(10);
  /**
   * Open TCP client connections per listen address. Not a setting: it is far above what stub
   * resolvers and forwarders hold open (a few each), and far below the file descriptors a
   * container gets. Over it, the oldest idle connection is closed ({@link TcpConnectionLimit}).
   */
  static final int MAX_TCP_CONNECTIONS = 1000;
  /**
   * Longest query a TCP client may send. A stub's query is one question and an OPT record, well
   * under 512 bytes even padded; a connection that announces more is closed at once. Without this
   * each connection could make the proxy buffer up to 64 KB of a frame that never completes:
   * 64 MB of direct memory over {@link #MAX_TCP_CONNECTIONS} slow clients.
   */
  static final int MAX_TCP_QUERY_LENGTH = 4096;
  private static final int UDP_RECEIVE_BUFFER = 4 * 1024 * 1024;
  /**
   * Longer datagrams are cut here and then fail to parse (FORMERR). Netty's default receive buffer
   * for datagrams had the same size; real queries are a few hundred bytes at most.
   */
  static final int MAX_UDP_QUERY_SIZE = 2048;

  private final List<Channel> channels;
  private final List<InetSocketAddress> boundAddresses;

  private DnsListeners(List<Channel> channels, List<InetSocketAddress> boundAddresses) {
    this.channels = channels;
    this.boundAddresses = boundAddresses;
  }

  /** Binds every address; port 0 picks one free port shared by the UDP and TCP sockets. */
  public static DnsListeners bind(List<HostPort> addresses, EventLoopGroup group, Transport transport,
      int eventLoops, QueryPipeline pipeline) throws ListenException {
    List<Channel> channels = new ArrayList<>();
    List<InetSocketAddress> bound = new ArrayList<>();
    try {
      UdpQueryHandler udpHandler = new UdpQueryHandler(pipeline);
      for (HostPort address : addresses) {
        List<Channel> pair = bindPair(address, group, transport, eventLoops, pipeline, udpHandler);
        channels.addAll(pair);
        bound.add((InetSocketAddress) pair.get(0).localAddress());
      }
    } catch (ListenException e) {
      channels.forEach(Channel::close);
      throw e;
    }
    return new DnsListeners(channels, bound);
  }

  /**
   * TCP and UDP on one address and port. With port 0 the kernel picks the TCP port, which another
   * process may hold for UDP; then a few fresh ports are tried.
   */
  private static List<Channel> bindPair(HostPort address, EventLoopGroup group, Transport transport,
      int eventLoops, QueryPipeline pipeline, UdpQueryHandler udpHandler) throws ListenException {
    int attempts = address.port() == 0 ? 10 : 1;
    for (int attempt = 1; ; attempt++) {
      List<Channel> pair = new ArrayList<>();
      Channel tcp = bindTcp(address.socketAddress(), group, transport, pipeline, address);
      pair.add(tcp);
      try {
        for (int i = 0; i < transport.udpSocketsPerAddress(eventLoops); i++) {
          pair.add(bindUdp((InetSocketAddress) tcp.localAddress(), group, transport, udpHandler, address));
        }
        return pair;
      } catch (ListenException e) {
        pair.forEach(Channel::close);
        if (attempt >= attempts) {
          throw e;
        }
      }
    }
  }

  private static Channel bindTcp(InetSocketAddress address, EventLoopGroup group, Transport transport,
      QueryPipeline pipeline, HostPort shown) throws ListenException {
    TcpConnectionLimit limit = new TcpConnectionLimit(MAX_TCP_CONNECTIONS);
    UnreadAnswers unread = new UnreadAnswers(UnreadAnswers.DEFAULT_LIMIT);
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(group)
        .channel(transport.serverChannel())
        .option(ChannelOption.SO_REUSEADDR, true)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel channel) {
            channel.pipeline().addLast(
                batchedFlushes(),
                limit,
                new IdleStateHandler(TCP_IDLE_TIMEOUT.toMillis(), 0, 0, TimeUnit.MILLISECONDS),
                queryFrameDecoder(),
                new TcpQueryHandler(pipeline, unread));
          }
        });
    return await(bootstrap.bind(address), "TCP", shown);
  }

  /** RFC 7766 framing, holding queries back while their client does not read its answers. */
  static QueryFrameDecoder queryFrameDecoder() {
    return new QueryFrameDecoder(MAX_TCP_QUERY_LENGTH);
  }

  private static Channel bindUdp(InetSocketAddress address, EventLoopGroup group, Transport transport,
      UdpQueryHandler handler, HostPort shown) throws ListenException {
    Bootstrap bootstrap = new Bootstrap()
        .group(group)
        .channel(transport.datagramChannel())
        .option(ChannelOption.SO_RCVBUF, UDP_RECEIVE_BUFFER)
        .handler(new ChannelInitializer<DatagramChannel>() {
          @Override
          protected void initChannel(DatagramChannel channel) {
            channel.pipeline().addLast(batchedFlushes(), handler);
          }
        });
    transport.enableReusePort(bootstrap);
    transport.enableBatchedReads(bootstrap, MAX_UDP_QUERY_SIZE);
    return await(bootstrap.bind(address), "UDP", shown);
  }

  /**
   * Answers that become ready together (a batch of datagrams or pipelined TCP queries read at
   * once, or a burst of upstream answers) leave with one flush: one sendmmsg or write call instead
   * of one per answer. A lone answer is flushed at the end of the event loop's current task.
   * Unflushed answers count towards a TCP channel's writability, so {@link QueryFrameDecoder} holds
   * further queries back once 64 KB of them wait.
   */
  static FlushConsolidationHandler batchedFlushes() {
    return new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true);
  }

  private static Channel await(io.netty.channel.ChannelFuture future, String protocol, HostPort shown)
      throws ListenException {
    future.awaitUninterruptibly();
    if (!future.isSuccess()) {
      Throwable cause = future.cause();
      throw new ListenException("cannot listen on " + protocol + " " + shown + ": "
          + (cause.getMessage() == null ? cause.toString() : cause.getMessage()), cause);
    }
    return future.channel();
  }

  public List<InetSocketAddress> boundAddresses() {
    return boundAddresses;
  }

  @Override
  public void close() {
    channels.forEach(channel -> channel.close().awaitUninterruptibly());
  }

  /** A listen address that could not be bound (in use, or a privileged port). */
  public static final class ListenException extends Exception {
    ListenException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
