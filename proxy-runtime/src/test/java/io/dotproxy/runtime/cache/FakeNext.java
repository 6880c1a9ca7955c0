package io.dotproxy.runtime.cache;

import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.Resolver;
import io.netty.channel.EventLoop;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.xbill.DNS.Message;

/** The stage behind the cache, in memory: answers as told and counts what it was asked. */
final class FakeNext implements Resolver {

  private final AtomicInteger calls = new AtomicInteger();
  private final List<CompletableFuture<Message>> held = new CopyOnWriteArrayList<>();
  private volatile Function<ClientQuery, Message> answers;
  private volatile boolean hold;
  private volatile RuntimeException failure;

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
}
