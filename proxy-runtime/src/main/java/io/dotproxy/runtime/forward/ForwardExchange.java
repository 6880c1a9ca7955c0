package io.dotproxy.runtime.forward;

import io.dotproxy.runtime.config.HostPort;
import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.Responses;
import io.dotproxy.runtime.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.util.ReferenceCountUtil;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Record;

/**
 * One query to a forward zone's plain-DNS servers, run on one event loop. Servers are tried in
 * order, starting with the one that answered last ({@link ZoneServers}), each for at most the
 * attempt timeout, round and round until the overall deadline passes, which answers SERVFAIL.
 *
 * <p>Each try is a fresh UDP socket on a random port, connected to the server (the kernel then
 * delivers nothing from anyone else), with a random ID; a reply whose ID or question differs is
 * ignored, not believed (RFC 5452). An answer with TC=1 is fetched again over TCP from the same
 * server.
 */
final class ForwardExchange {

  private static final Logger log = LoggerFactory.getLogger(ForwardExchange.class);

  /** Random source ports come from here (RFC 6056 allows all non-privileged ports). */
  static final int FIRST_PORT = 1024;
  /** Random ports tried when one is taken, before leaving the choice to the kernel. */
  private static final int RANDOM_PORT_TRIES = 3;
  private static final int MAX_TCP_MESSAGE = 0xFFFF;

  private final ClientQuery query;
  private final Message outgoing;
  private final Record question;
  private final ZoneServers servers;
  private final Transport transport;
  private final EventLoop loop;
  private final Random random;
  private final long deadline;
  private final long attemptNanos;
  private final CompletableFuture<Message> result;
  private int first;
  private int tries;

  /**
   * @param outgoing the query to send, a copy this exchange owns (its ID is set per try)
   * @param random unguessable IDs and ports; used on {@code loop} only
   */
  ForwardExchange(ClientQuery query, Message outgoing, ZoneServers servers, Transport transport,
      EventLoop loop, Random random, long deadline, long attemptNanos,
      CompletableFuture<Message> result) {
    this.query = query;
    this.outgoing = outgoing;
    this.question = outgoing.getQuestion();
    this.servers = servers;
    this.transport = transport;
    this.loop = loop;
    this.random = random;
    this.deadline = deadline;
    this.attemptNanos = attemptNanos;
    this.result = result;
  }

  void start() {
    first = servers.index(0);
    nextTry();
  }

  private void nextTry() {
    long remaining = deadline - System.nanoTime();
    if (remaining <= 0) {
      result.complete(Responses.servfail(query));
      return;
    }
    int index = (first + tries++) % servers.size();
    new UdpTry(index, Math.min(remaining, attemptNanos)).send(RANDOM_PORT_TRIES);
  }

  private void retryOverTcp(int index) {
    long remaining = deadline - System.nanoTime();
    if (remaining <= 0) {
      result.complete(Responses.servfail(query));
      return;
    }
    new TcpTry(index, Math.min(remaining, attemptNanos)).send();
  }

  /** One try at one server; whichever of answer, failure and timer comes first ends it. */
  private abstract class Try {
    final int index;
    final HostPort server;
    final int id;
    final byte[] wire;
    private final ScheduledFuture<?> timer;
    Channel channel;
    boolean over;

    Try(int index, long nanos) {
      this.index = index;
      this.server = servers.server(index);
      this.id = random.nextInt(0x10000);
      outgoing.getHeader().setID(id);
      this.wire = outgoing.toWire();
      this.timer = loop.schedule(() -> failed("no answer in time"), nanos, TimeUnit.NANOSECONDS);
    }

    /** Keeps the channel from the start, so that ending the try also abandons a pending connect. */
    ChannelFuture track(ChannelFuture connecting) {
      channel = connecting.channel();
      return connecting;
    }

    void end() {
      over = true;
      timer.cancel(false);
      if (channel != null) {
        // Never closed from inside the channel's own read: epoll's datagram read loop reads once
        // more after channelRead returns, and by then the closed socket's file descriptor number
        // may belong to another socket. Closing as a separate task lets that loop finish first.
        Channel closing = channel;
        loop.execute(closing::close);
      }
    }

    void failed(String reason) {
      if (over) {
        return;
      }
      end();
      log.debug("forward server {} ({}): {}", server, protocol(), reason);
      nextTry();
    }

    void answered(Message answer) {
      if (over) {
        return;
      }
      end();
      servers.answered(index);
      query.trace().answeredBy(server.toString());
      result.complete(answer);
    }

    abstract String protocol();
  }

  private final class UdpTry extends Try {

    UdpTry(int index, long nanos) {
      super(index, nanos);
    }

    void send(int randomPortsLeft) {
      int port = randomPortsLeft > 0 ? FIRST_PORT + random.nextInt(65536 - FIRST_PORT) : 0;
      track(new Bootstrap()
          .group(loop)
          .channel(transport.datagramChannel())
          .handler(new UdpAnswerHandler(this))
          .bind(new InetSocketAddress(anyAddress(server), port)))
          .addListener((ChannelFuture bound) -> {
            if (over) {
              return;
            }
            if (!bound.isSuccess()) {
              if (randomPortsLeft > 0) {
                send(randomPortsLeft - 1); // that port is taken: another one
              } else {
                failed("cannot bind a source port: " + bound.cause());
              }
              return;
            }
            channel.connect(server.socketAddress()).addListener((ChannelFuture connected) -> {
              if (over) {
                return;
              }
              if (!connected.isSuccess()) {
                failed("cannot send: " + connected.cause());
                return;
              }
              channel.writeAndFlush(Unpooled.wrappedBuffer(wire)).addListener(written -> {
                if (!written.isSuccess()) {
                  failed("cannot send: " + written.cause());
                }
              });
            });
          });
    }

    void received(ByteBuf packet) {
      if (over) {
        return;
      }
      Message answer = MatchingAnswer.parse(packet, id, question);
      if (answer == null) {
        // Keep waiting: a forgery must not cost us the real answer.
        log.debug("forward server {}: ignored a packet that does not answer our query", server);
        return;
      }
      if (answer.getHeader().getFlag(Flags.TC)) {
        end();
        retryOverTcp(index);
        return;
      }
      answered(answer);
    }

    @Override
    String protocol() {
      return "udp";
    }
  }

  private final class TcpTry extends Try {

    TcpTry(int index, long nanos) {
      super(index, nanos);
    }

    void send() {
      TcpAnswerHandler handler = new TcpAnswerHandler(this);
      track(new Bootstrap()
          .group(loop)
          .channel(transport.socketChannel())
          .option(ChannelOption.TCP_NODELAY, true)
          .handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel channel) {
              channel.pipeline().addLast(
                  new LengthFieldBasedFrameDecoder(MAX_TCP_MESSAGE + 2, 0, 2, 0, 2),
                  new LengthFieldPrepender(2),
                  handler);
            }
          })
          .connect(server.socketAddress()))
          .addListener((ChannelFuture done) -> {
            if (over) {
              return;
            }
            if (done.isSuccess()) {
              channel.writeAndFlush(Unpooled.wrappedBuffer(wire));
            } else {
              failed("cannot connect: " + done.cause());
            }
          });
    }

    void received(ByteBuf frame) {
      Message answer = MatchingAnswer.parse(frame, id, question);
      if (answer == null) {
        // Nobody can inject into our TCP stream off-path: this server is confused.
        failed("answered another query");
      } else {
        answered(answer);
      }
    }

    @Override
    String protocol() {
      return "tcp";
    }
  }

  private static final class UdpAnswerHandler extends ChannelInboundHandlerAdapter {
    private final UdpTry attempt;

    UdpAnswerHandler(UdpTry attempt) {
      this.attempt = attempt;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof DatagramPacket packet) {
          attempt.received(packet.content());
        } else if (msg instanceof ByteBuf content) {
          attempt.received(content);
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // Typically ICMP port unreachable, reported on the connected socket: try the next server now.
      attempt.failed(cause.toString());
    }
  }

  private static final class TcpAnswerHandler extends ChannelInboundHandlerAdapter {
    private final TcpTry attempt;

    TcpAnswerHandler(TcpTry attempt) {
      this.attempt = attempt;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf frame = (ByteBuf) msg;
      try {
        attempt.received(frame);
      } finally {
        frame.release();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      attempt.failed("closed the connection without an answer");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      attempt.failed(cause.toString());
    }
  }

  /** The wildcard address of the server's family, for binding the source port. */
  private static InetAddress anyAddress(HostPort server) {
    try {
      return InetAddress.getByAddress(
          new byte[server.address() instanceof Inet6Address ? 16 : 4]);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // only thrown for a byte array of the wrong length
    }
  }
}
