package io.dotproxy.runtime.admin;

import io.dotproxy.runtime.config.HostPort;
import io.dotproxy.runtime.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutorGroup;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The operations endpoint: {@code /metrics}, {@code /livez}, {@code /readyz} over plain HTTP. The
 * connections share the DNS event loops, but the requests are answered on a thread of their own: a
 * scrape reads the JVM's MXBeans and /proc and writes the whole registry, which must not delay the
 * queries queued behind it on a loop.
 */
public final class AdminServer implements AutoCloseable {

  private static final int MAX_REQUEST_BYTES = 8192;
  private static final int READ_TIMEOUT_SECONDS = 10;

  private final Channel channel;
  private final EventExecutorGroup answering;

  private AdminServer(Channel channel, EventExecutorGroup answering) {
    this.channel = channel;
    this.answering = answering;
  }

  /** @param readiness what {@code /readyz} reports now (see {@link Readiness}) */
  public static AdminServer start(HostPort address, EventLoopGroup group, Transport transport,
      PrometheusRegistry registry, Supplier<Readiness> readiness) throws AdminBindException {
    AdminHandler handler = new AdminHandler(registry, readiness);
    EventExecutorGroup answering = new DefaultEventExecutorGroup(1, new DefaultThreadFactory("dotproxy-admin", true));
    ChannelFuture bound = new ServerBootstrap()
        .group(group)
        .channel(transport.serverChannel())
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel channel) {
            channel.pipeline().addLast(
                new ReadTimeoutHandler(READ_TIMEOUT_SECONDS),
                new HttpServerCodec(),
                new HttpObjectAggregator(MAX_REQUEST_BYTES));
            channel.pipeline().addLast(answering, handler);
          }
        })
        .bind(address.socketAddress())
        .awaitUninterruptibly();
    if (!bound.isSuccess()) {
      answering.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw new AdminBindException("cannot listen on admin " + address + ": "
          + bound.cause().getMessage(), bound.cause());
    }
    return new AdminServer(bound.channel(), answering);
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) channel.localAddress();
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly();
    answering.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
  }

  /** The admin address could not be bound. */
  public static final class AdminBindException extends Exception {
    AdminBindException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
