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
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/** The operations endpoint: {@code /metrics}, {@code /livez}, {@code /readyz} over plain HTTP. */
public final class AdminServer implements AutoCloseable {

  private static final int MAX_REQUEST_BYTES = 8192;
  private static final int READ_TIMEOUT_SECONDS = 10;

  private final Channel channel;

  private AdminServer(Channel channel) {
    this.channel = channel;
  }

  /** @param readiness what {@code /readyz} reports now (see {@link Readiness}) */
  public static AdminServer start(HostPort address, EventLoopGroup group, Transport transport,
      PrometheusRegistry registry, Supplier<Readiness> readiness) throws AdminBindException {
    AdminHandler handler = new AdminHandler(registry, readiness);
    ChannelFuture bound = new ServerBootstrap()
        .group(group)
        .channel(transport.serverChannel())
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel channel) {
            channel.pipeline().addLast(
                new ReadTimeoutHandler(READ_TIMEOUT_SECONDS),
                new HttpServerCodec(),
                new HttpObjectAggregator(MAX_REQUEST_BYTES),
                handler);
          }
        })
        .bind(address.socketAddress())
        .awaitUninterruptibly();
    if (!bound.isSuccess()) {
      throw new AdminBindException("cannot listen on admin " + address + ": "
          + bound.cause().getMessage(), bound.cause());
    }
    return new AdminServer(bound.channel());
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) channel.localAddress();
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly();
  }

  /** The admin address could not be bound. */
  public static final class AdminBindException extends Exception {
    AdminBindException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
