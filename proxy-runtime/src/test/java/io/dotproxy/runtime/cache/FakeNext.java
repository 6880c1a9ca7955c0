package io.dotproxy.runtime.cache;

import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.DecodedQuery;
import io.dotproxy.runtime.dns.PlainQuery;
import io.dotproxy.runtime.dns.QueryDecoder;
import io.dotproxy.runtime.dns.Resolver;
import io.dotproxy.runtime.dns.WireResolver;
import io.netty.channel.EventLoop;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;

/** The stage behind the cache, in memory: answers as told and counts what it was asked. */
final class FakeNext implements Resolver, WireResolver {

  private final AtomicInteger calls = new AtomicInteger();
  private final List<CompletableFuture<Message>> held = new CopyOnWriteArrayList<>();
  private volatile Function<ClientQuery, Message> answers;
  private volatile boolean hold;
  private volatile RuntimeException failure;
  private volatile boolean declineBytes;
  private final List<byte[]> packetsAsked = new CopyOnWriteArrayList<>();

  FakeNext(Function<ClientQuery, Message> answers) {
    this.answers = answers;
  }

  /** Answers every query from now on with {@code answers}. */
  void answer(Function<ClientQuery, Message> answers) {
    this.answers = answers;
    this.failure = null;
    this.hold = false;
  }

  /** Fails every query from now on (an unreachable upstream). */
  void fail() {
    this.failure = new IllegalStateException("upstream unreachable");
  }

  /** Leaves queries unanswered until {@link #release()} (a slow upstream). */
  void hold() {
    this.hold = true;
  }

  /** Answers the held queries and stops holding. */
  void release() {
    hold = false;
    for (CompletableFuture<Message> future : held) {
      future.complete(null);
    }
  }

  /** Declines plain queries as bytes from now on, as a forward zone does for its names. */
  void declineBytes() {
    declineBytes = true;
  }

  /** The client packets handed over as bytes. */
  List<byte[]> packetsAsked() {
    return packetsAsked;
  }

  int calls() {
    return calls.get();
  }

  @Override
  public CompletableFuture<Message> resolve(ClientQuery query, EventLoop loop) {
    calls.incrementAndGet();
    if (failure != null) {
      return CompletableFuture.failedFuture(failure);
    }
    if (hold) {
      CompletableFuture<Message> released = new CompletableFuture<>();
      held.add(released);
      return released.thenApply(ignored -> answers.apply(query));
    }
    return CompletableFuture.completedFuture(answers.apply(query));
  }

  /**
   * The same answers as bytes, as an upstream sends them: under another ID, the client's question
   * as asked (upstreams echo its case).
   */
  @Override
  public CompletableFuture<byte[]> resolveWire(Name name, byte[] packet, PlainQuery query,
      EventLoop loop) {
    if (declineBytes) {
      return null;
    }
    packetsAsked.add(packet.clone());
    ClientQuery decoded = ((DecodedQuery.Resolve) QueryDecoder.decode(ByteBuffer.wrap(packet), false)).query();
    return resolve(decoded, loop).thenApply(message -> {
      Message sent = message.clone();
      sent.getHeader().setID(query.id() ^ 0x5A5A);
      return sent.toWire();
    });
  }
}
