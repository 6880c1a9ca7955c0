package io.dotproxy.runtime.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.xbill.DNS.Message;

/**
 * An in-test DNS-over-TLS server on {@code 127.0.0.1:0} (Netty, RFC 7858 two-byte framing) whose
 * answers are scripted by a {@link Behaviour}, for the faults real servers will not produce on demand:
 * stalls, garbage, resets, reordering, idle closes. The behaviour can be switched while clients are
 * connected; counters let tests assert connection reuse and pipelining.
 *
 * <p>One event-loop thread serves everything, so behaviours and per-connection state are
 * single-threaded.
 */
public final class FakeDotServer implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final SslContext sslContext;
    private final Channel serverChannel;
    // Seeded so a failing garbage test replays the same bytes.
    private final Random random = new Random(0x5eed);

    private volatile Behaviour behaviour = Behaviour.ANSWER;
    private volatile Duration idleClose;
    private volatile boolean stallHandshakes;

    private final AtomicInteger connectionsAccepted = new AtomicInteger();
    private final AtomicInteger handshakesCompleted = new AtomicInteger();
    private final AtomicInteger queriesReceived = new AtomicInteger();
    private final List<Connection> connections = new CopyOnWriteArrayList<>();

    /** Starts serving {@code certificate} on a free loopback port. */
    public FakeDotServer(Issued certificate) {
        this(certificate.serverSslContext());
    }

    /** Starts serving with a prepared Netty server context (e.g. TLS 1.2 only). */
    public FakeDotServer(SslContext sslContext) {
        this(sslContext, 0);
    }

    /**
     * Starts serving {@code certificate} on loopback port {@code port} (0: a free one): a restarted
     * upstream, back on the port a proxy was configured with.
     */
    public FakeDotServer(Issued certificate, int port) {
        this(certificate.serverSslContext(), port);
    }

    private FakeDotServer(SslContext sslContext, int port) {
        this.sslContext = sslContext;
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        accept(channel);
                    }
                });
        try {
            serverChannel = bootstrap.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException(e);
        }
    }

    /** Switches what happens to the next query on every connection. Returns this. */
    public FakeDotServer behave(Behaviour next) {
        this.behaviour = next;
        return this;
    }

    /**
     * Closes a connection (gracefully, with close_notify) once it has been idle - no query read and
     * no answer written - for {@code idle}, as public resolvers do. {@code null} disables. Applies from
     * each connection's next activity.
     */
    public FakeDotServer closeIdleAfter(Duration idle) {
        this.idleClose = idle;
        return this;
    }

    /** When true, new connections are accepted but TLS never starts: the client's handshake hangs. */
    public FakeDotServer stallHandshakes(boolean stall) {
        this.stallHandshakes = stall;
        return this;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    public int connectionsAccepted() {
        return connectionsAccepted.get();
    }

    public int handshakesCompleted() {
        return handshakesCompleted.get();
    }

    public int queriesReceived() {
        return queriesReceived.get();
    }

    /** Queries received on each connection, in accept order. */
    public List<Integer> queriesPerConnection() {
        return connections.stream().map(Connection::queriesReceived).toList();
    }

    /** Connections currently open. */
    public int openConnections() {
        return (int) connections.stream().filter(Connection::isOpen).count();
    }

    /** Waits until at least {@code count} queries arrived in total; false on timeout. */
    public boolean awaitQueries(int count, Duration timeout) {
        return await(queriesReceived::get, count, timeout);
    }

    /** Waits until at least {@code count} connections were accepted; false on timeout. */
    public boolean awaitConnections(int count, Duration timeout) {
        return await(connectionsAccepted::get, count, timeout);
    }

    /** Waits until no connection is open; false on timeout. */
    public boolean awaitNoOpenConnections(Duration timeout) {
        return await(() -> -openConnections(), 0, timeout);
    }

    @Override
    public void close() {
        if (group.isShuttingDown()) {
            return; // closed already, e.g. an upstream a test killed midway
        }
        serverChannel.close().syncUninterruptibly();
        channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static boolean await(IntSupplier value, int atLeast, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (value.getAsInt() < atLeast) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    private void accept(SocketChannel channel) {
        Connection connection = new Connection(connectionsAccepted.getAndIncrement(), channel);
        connections.add(connection);
        channels.add(channel);
        if (stallHandshakes) {
            channel.pipeline().addLast(new DiscardInput());
            return;
        }
        channel.pipeline()
                .addLast(sslContext.newHandler(channel.alloc()))
                .addLast(new LengthFieldBasedFrameDecoder(0xFFFF, 0, 2, 0, 2))
                .addLast(new QueryHandler(connection));
    }

    static byte[] frame(byte[] payload) {
        byte[] framed = new byte[payload.length + 2];
        framed[0] = (byte) (payload.length >>> 8);
        framed[1] = (byte) payload.length;
        System.arraycopy(payload, 0, framed, 2, payload.length);
        return framed;
    }

    /** Feeds each decoded frame to the current behaviour and keeps the counters and idle timer. */
    private final class QueryHandler extends ChannelInboundHandlerAdapter {

        private final Connection connection;

        QueryHandler(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof SslHandshakeCompletionEvent handshake && handshake.isSuccess()) {
                handshakesCompleted.incrementAndGet();
                connection.touch();
            }
            ctx.fireUserEventTriggered(event);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                byte[] wire = ByteBufUtil.getBytes((ByteBuf) msg);
                queriesReceived.incrementAndGet();
                connection.queries.incrementAndGet();
                connection.touch();
                behaviour.onQuery(new Query(connection, wire));
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            connection.cancelIdleTimer();
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Failed handshakes, resets by the client: expected in fault tests, so just drop the connection.
            ctx.close();
        }
    }

    /** Used when handshakes are stalled: read and ignore everything. */
    private static final class DiscardInput extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** One accepted client connection. */
    public final class Connection {

        private final int index;
        private final Channel channel;
        private final AtomicInteger queries = new AtomicInteger();
        private final AtomicInteger answers = new AtomicInteger();
        private final Map<Object, Object> state = new HashMap<>();
        private ScheduledFuture<?> idleTimer;

        private Connection(int index, Channel channel) {
            this.index = index;
            this.channel = channel;
        }

        /** 0 for the first connection accepted, 1 for the next, ... */
        public int index() {
            return index;
        }

        public int queriesReceived() {
            return queries.get();
        }

        /** Answers written (by {@link Query#reply} / {@link Query#answer}). */
        public int answersSent() {
            return answers.get();
        }

        public boolean isOpen() {
            return channel.isOpen();
        }

        /** Per-connection state owned by {@code owner} (typically a behaviour), created on first use. */
        @SuppressWarnings("unchecked")
        public <T> T state(Object owner, Supplier<T> initial) {
            return (T) state.computeIfAbsent(owner, key -> initial.get());
        }

        private void touch() {
            cancelIdleTimer();
            Duration idle = idleClose;
            if (idle != null && channel.isOpen()) {
                idleTimer = channel.eventLoop().schedule(() -> {
                    channel.close();
                }, idle.toMillis(), TimeUnit.MILLISECONDS);
            }
        }

        private void cancelIdleTimer() {
            if (idleTimer != null) {
                idleTimer.cancel(false);
                idleTimer = null;
            }
        }
    }

    /** One received query and the actions a {@link Behaviour} can take on it. */
    public final class Query {

        private final Connection connection;
        private final byte[] wire;
        private Message message;
        private boolean parsed;

        private Query(Connection connection, byte[] wire) {
            this.connection = connection;
            this.wire = wire;
        }

        public Connection connection() {
            return connection;
        }

        /** The query exactly as received (without the length prefix). */
        public byte[] wire() {
            return wire.clone();
        }

        /** The parsed query, or {@code null} if the bytes are not a DNS message. */
        public Message message() {
            if (!parsed) {
                parsed = true;
                try {
                    message = new Message(wire);
                } catch (IOException e) {
                    message = null;
                }
            }
            return message;
        }

        /** The ID from the first two bytes (0 if fewer arrived). */
        public int id() {
            return wire.length >= 2 ? ((wire[0] & 0xFF) << 8) | (wire[1] & 0xFF) : 0;
        }

        /** Sends {@link Behaviour#standardAnswer} (FORMERR with this ID if the query did not parse). */
        public void answer() {
            Message answer = Behaviour.standardAnswer(message());
            answer.getHeader().setID(id());
            reply(answer);
        }

        public void reply(Message answer) {
            reply(answer.toWire());
        }

        /** Sends {@code payload} with a correct length prefix; counts as an answer. */
        public void reply(byte[] payload) {
            connection.answers.incrementAndGet();
            writeRaw(frame(payload));
        }

        /** Writes bytes into the TLS stream as they are: no length prefix added. */
        public void writeRaw(byte[] bytes) {
            connection.touch();
            connection.channel.writeAndFlush(Unpooled.wrappedBuffer(bytes));
        }

        /** Writes bytes on the TCP connection beneath TLS, corrupting the TLS record stream. */
        public void writeBeneathTls(byte[] bytes) {
            connection.channel.pipeline().context(SslHandler.class).writeAndFlush(Unpooled.wrappedBuffer(bytes));
        }

        /** Graceful close after pending writes: TLS close_notify, then FIN. */
        public void close() {
            connection.channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }

        /**
         * Abortive close after pending writes: SO_LINGER 0 makes the kernel send RST. The transport is
         * closed directly so TLS sends no close_notify first.
         */
        public void reset() {
            Channel channel = connection.channel;
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(done -> {
                channel.config().setOption(ChannelOption.SO_LINGER, 0);
                channel.unsafe().close(channel.unsafe().voidPromise());
            });
        }

        /** Runs {@code action} on this connection's event loop after {@code delay}. */
        public void later(Duration delay, Runnable action) {
            connection.channel.eventLoop().schedule(action, delay.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** Bytes from the server's seeded generator. */
        public byte[] randomBytes(int count) {
            byte[] bytes = new byte[count];
            random.nextBytes(bytes);
            return bytes;
        }
    }
}
