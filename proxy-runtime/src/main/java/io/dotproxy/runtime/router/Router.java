package io.dotproxy.runtime.router;

import io.dotproxy.runtime.config.Policy;
import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.Resolver;
import io.dotproxy.runtime.dns.Responses;
import io.dotproxy.runtime.privacy.UpstreamQuery;
import io.dotproxy.runtime.upstream.Upstream;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.xbill.DNS.Message;

/**
 * Sends a query to the upstreams in the policy's order, failing over to the next on any failure
 * until one answers or the overall deadline passes. With no healthy upstream it answers SERVFAIL
 * at once rather than after a timeout.
 */
public final class Router implements Resolver {

  /** How long a query waits on one upstream before trying the next (the last one gets the rest). */
  static final Duration FAILOVER_AFTER = Duration.ofSeconds(2);

  private final List<Upstream> upstreams;
  private final UpstreamOrder order;
  private final Duration timeout;
  private final UpstreamQuery upstreamQuery;

  /** @param upstreamQuery what the query looks like on its way out (padding, Client Subnet) */
  public Router(List<Upstream> upstreams, Policy policy, Duration timeout,
      UpstreamQuery upstreamQuery) {
    this.upstreams = List.copyOf(upstreams);
    this.order = UpstreamOrder.of(policy);
    this.timeout = timeout;
    this.upstreamQuery = upstreamQuery;
  }

  @Override
  public CompletableFuture<Message> resolve(ClientQuery query, EventLoop loop) {
    List<Upstream> healthy = new ArrayList<>(upstreams.size());
    for (Upstream upstream : upstreams) {
      if (upstream.isHealthy()) {
        healthy.add(upstream);
      }
    }
    if (healthy.isEmpty()) {
      return CompletableFuture.completedFuture(Responses.servfail(query));
    }
    CompletableFuture<Message> answer = new CompletableFuture<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    attempt(upstreamQuery.forDot(query.message()), order.order(healthy), 0, deadline, loop, query, answer);
    return answer;
  }

  private void attempt(byte[] wire, List<Upstream> candidates, int index, long deadline,
      EventLoop loop, ClientQuery query, CompletableFuture<Message> answer) {
    long remaining = deadline - System.nanoTime();
    if (index >= candidates.size() || remaining <= 0) {
      answer.complete(Responses.servfail(query));
      return;
    }
    boolean last = index == candidates.size() - 1;
    long attemptNanos = last ? remaining : Math.min(remaining, FAILOVER_AFTER.toNanos());
    Upstream upstream = candidates.get(index);
    upstream.query(wire, loop, Duration.ofNanos(attemptNanos))
        .whenComplete((raw, error) -> {
          Message parsed = error == null ? parse(raw) : null;
          if (parsed != null) {
            query.trace().answeredBy(upstream.spec().label());
            answer.complete(parsed);
          } else {
            attempt(wire, candidates, index + 1, deadline, loop, query, answer);
          }
        });
  }

  private static Message parse(byte[] raw) {
    try {
      return new Message(raw);
    } catch (IOException | RuntimeException e) {
      return null; // an upstream answer we cannot read counts as no answer
    }
  }
}
