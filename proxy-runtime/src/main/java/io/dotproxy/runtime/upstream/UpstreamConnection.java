package io.dotproxy.runtime.upstream;

import io.dotproxy.runtime.upstream.UpstreamException.Kind;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * One pipelined TLS connection to an upstream (RFC 7766): many queries outstanding at once, each
 * under a message ID this connection assigns, answers matched back by ID in whatever order they
 * come. Lives on one event loop and is touched only there, so it needs no locks.
 *
 * <p>It stays open while idle for our idle timeout, or for less when the upstream's answers say it
 * keeps idle connections for less (EDNS TCP keepalive, RFC 7828; see {@link ServerKeepalive}).
 */
final class UpstreamConnection extends ChannelInboundHandlerAdapter {

  private static final int QR_BIT = 0x80;

  private final Upstream upstream;
  private final LoopConnections owner;
  private final int maxInFlight;
  private final Duration ourIdleTimeout;
  private final IntObjectMap<PendingQuery> inFlight = new IntObjectHashMap<>();
  private final ArrayDeque<PendingQuery> awaitingHandshake = new ArrayDeque<>();
  private Channel channel;
  private boolean ready;
  private boolean closed;
  private boolean failed;
  private boolean counted;
  /** We closed it (idle, protocol error, shutdown), as opposed to the upstream. */
  private boolean closedByUs;
  /** We closed it because the upstream was about to close it for being idle (keepalive). */
  private boolean closedAheadOfUpstream;
  /** The upstream's keepalive TIMEOUT as its last answer here said, or {@link ServerKeepalive#ABSENT}. */
  private int keepalive;
  /** The upstream said TIMEOUT 0: no more queries here; closed once the outstanding ones are answered. */
  private boolean draining;
  private long idleMillis;
  private long readyNanos;
  private int nextId = ThreadLocalRandom.current().nextInt(0x10000);

  /**
   * @param keepalive the timeout the upstream last advertised on any connection (positive) or
   *     {@link ServerKeepalive#ABSENT}: its best guess until this connection's own answers tell
   */
  UpstreamConnection(Upstream upstream, LoopConnections owner, int maxInFlight,
      Duration ourIdleTimeout, int keepalive) {
    this.upstream = upstream;
    this.owner = owner;
    this.maxInFlight = maxInFlight;
    this.ourIdleTimeout = ourIdleTimeout;
    this.keepalive = keepalive;
    this.idleMillis = idleMillisFor(keepalive);
  }

  /** How long this connection may stay idle now; the pipeline's {@link IdleStateHandler} enforces it. */
  long idleMillis() {
    return idleMillis;
  }

  void attach(Channel channel, SslHandler tls) {
    this.channel = channel;
    tls.handshakeFuture().addListener(done -> {
      if (done.isSuccess()) {
        onHandshake(tls);
      } else {
        failConnection("TLS handshake failed: " + rootMessage(done.cause()));
      }
    });
  }

  int load() {
    return inFlight.size() + awaitingHandshake.size();
  }

  boolean hasCapacity() {
    return !closed && !draining && load() < maxInFlight;
  }

  boolean isReady() {
    return ready && !closed;
  }

  void send(PendingQuery query) {
    query.connection = this;
    if (ready) {
      write(query);
    } else {
      awaitingHandshake.add(query);
    }
  }

  /** Forgets a query that timed out; a late answer to its ID is then ignored. */
  void forget(PendingQuery query) {
    if (query.id >= 0 && inFlight.get(query.id) == query) {
      inFlight.remove(query.id);
    }
    awaitingHandshake.remove(query);
    closeIfDrained();
  }

  void close() {
    closedByUs = true;
    if (channel != null) {
      channel.close();
    }
  }

  private void onHandshake(SslHandler tls) {
    try {
      upstream.tls().verifyPins(tls.engine().getSession());
    } catch (SSLPeerUnverifiedException e) {
      failConnection("certificate rejected: " + e.getMessage());
      return;
    }
    ready = true;
    readyNanos = System.nanoTime();
    while (!awaitingHandshake.isEmpty() && !closed) {
      write(awaitingHandshake.poll());
    }
  }

  private void write(PendingQuery query) {
    int id = allocateId();
    query.id = id;
    query.sentNanos = System.nanoTime();
    inFlight.put(id, query);
    int length = query.wire.length;
    ByteBuf frame = channel.alloc().ioBuffer(2 + length);
    frame.writeShort(length);
    frame.writeShort(id);
    frame.writeBytes(query.wire, 2, length - 2);
    channel.writeAndFlush(frame, channel.voidPromise());
  }

  private int allocateId() {
    // Sequential IDs make reuse of a timed-out query's ID as late as possible; the question check
    // in channelRead drops a late answer that still comes under a reused ID.
    do {
      nextId = (nextId + 1) & 0xFFFF;
    } while (inFlight.containsKey(nextId));
    return nextId;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf frame = (ByteBuf) msg;
    try {
      if (closed) {
        return; // a protocol error earlier in this read condemned the connection: believe nothing more
      }
      if (frame.readableBytes() < 12 || (frame.getByte(frame.readerIndex() + 2) & QR_BIT) == 0) {
        protocolError("a frame that is not a DNS response");
        return;
      }
      int id = frame.getUnsignedShort(frame.readerIndex());
      PendingQuery query = inFlight.get(id);
      if (query == null) {
        return; // the answer to a query that already timed out
      }
      if (!WireQuestions.sameQuestion(query.wire, query.questionLength, frame)) {
        // IDs wrap after 65,536 queries, so this is most likely the late answer to a query that
        // timed out under the same ID: the upstream is slow, not broken. Dropped; the query waits
        // for its own answer, and the connection carries on.
        upstream.strayAnswer();
        return;
      }
      inFlight.remove(id);
      byte[] answer = new byte[frame.readableBytes()];
      frame.readBytes(answer);
      keepalive(ServerKeepalive.timeoutIn(answer));
      upstream.answered(query, answer);
      closeIfDrained();
    } finally {
      frame.release();
    }
  }

  /**
   * Follows the upstream's keepalive TIMEOUT, which every answer may change (RFC 7828 section
   * 3.2.2): an answer without it means the upstream no longer offers keepalive, and our own idle
   * timeout applies again; the upstream's close, if it comes first, is made good by
   * {@link Upstream#closedWhileIdle}.
   */
  private void keepalive(int timeout) {
    if (timeout == keepalive) {
      return;
    }
    keepalive = timeout;
    upstream.keepaliveAdvertised(timeout);
    if (timeout == 0) {
      draining = true;
      return;
    }
    long idle = idleMillisFor(timeout);
    if (idle != idleMillis) {
      idleMillis = idle;
      channel.pipeline().replace(IdleStateHandler.class, "idle",
          new IdleStateHandler(0, 0, idle, TimeUnit.MILLISECONDS));
    }
  }

  /** A connection the upstream wants closed goes as soon as nothing is outstanding on it. */
  private void closeIfDrained() {
    if (draining && inFlight.isEmpty() && !closed) {
      close();
    }
  }

  private long idleMillisFor(int timeout) {
    return timeout > 0 ? ServerKeepalive.idleMillis(timeout, ourIdleTimeout) : ourIdleTimeout.toMillis();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (event instanceof IdleStateEvent && inFlight.isEmpty() && awaitingHandshake.isEmpty()) {
      closedByUs = true;
      closedAheadOfUpstream = idleMillis < ourIdleTimeout.toMillis();
      ctx.close(); // SslHandler sends close_notify first
      return;
    }
    super.userEventTriggered(ctx, event);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    counted = true;
    upstream.metrics().connectionOpened();
    super.channelActive(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (counted) {
      counted = false;
      upstream.metrics().connectionClosed();
    }
    closed = true;
    owner.remove(this);
    List<PendingQuery> orphans = new ArrayList<>(inFlight.values());
    orphans.addAll(awaitingHandshake);
    inFlight.clear();
    awaitingHandshake.clear();
    for (PendingQuery query : orphans) {
      upstream.interrupted(query, owner);
    }
    if (orphans.isEmpty() && ready && (!closedByUs || closedAheadOfUpstream) && !failed) {
      upstream.closedWhileIdle(owner, readyNanos);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    upstream.logConnectionProblem(rootMessage(cause));
    ctx.close();
  }

  private void protocolError(String what) {
    closed = true;
    closedByUs = true;
    upstream.protocolError("upstream sent " + what + "; closing the connection");
    channel.close();
  }

  void connectFailed(String reason) {
    failConnection(reason);
  }

  private void failConnection(String reason) {
    if (failed) {
      return;
    }
    failed = true;
    closed = true;
    closedByUs = true;
    owner.remove(this);
    List<PendingQuery> waiting = new ArrayList<>(awaitingHandshake);
    awaitingHandshake.clear();
    upstream.connectionFailed(reason);
    for (PendingQuery query : waiting) {
      query.fail(new UpstreamException(Kind.CONNECT, reason));
    }
    close();
  }

  static String rootMessage(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return message == null ? root.getClass().getSimpleName() : message;
  }
}
