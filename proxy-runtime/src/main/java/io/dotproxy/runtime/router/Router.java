package io.dotproxy.runtime.router;

import io.dotproxy.runtime.config.Policy;
import io.dotproxy.runtime.crosscheck.CrossCheck;
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
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/**
 * Sends a query to the upstreams in the policy's order, failing over to the next on any failure
 * until one answers or the overall deadline passes. With no healthy upstream it answers SERVFAIL
 * at once rather than after a timeout.
 *
 * <ul>
 *   <li>{@code parallel}: the first {@code parallel-upstreams} are asked at once; the first good
 *       answer (NOERROR or NXDOMAIN) goes to the client, SERVFAIL and REFUSED wait for the others.
 *       Late answers still count for the upstreams' health and answer times, never for the client.
 *   <li>The other policies hedge: when the chosen upstream has not answered within about its 95th
 *       percentile answer time (at most {@code hedge-after}), the next one is asked too, once, and
 *       the first good answer wins.
 *   <li>With the answer cross-check on, {@link CrossCheckExchange} asks several upstreams instead,
 *       in the policy's order, and compares their answers; there is no hedging then.
 * </ul>
 */
public final class Router implements Resolver {

  /** How long a query waits on one upstream before trying the next (the last one gets the rest). */
  static final Duration FAILOVER_AFTER = Duration.ofSeconds(2);

  private final List<Upstream> upstreams;
  private final Policy policy;
  private final UpstreamOrder order;
  private final int parallelUpstreams;
  private final long hedgeAfterMaxNanos;
  private final Duration timeout;
  private final UpstreamQuery upstreamQuery;
  private final Runnable onHedge;
  private final CrossCheck crossCheck;

  /** Without hedging; {@code parallel} asks two upstreams. */
  public Router(List<Upstream> upstreams, Policy policy, Duration timeout,
      UpstreamQuery upstreamQuery) {
    this(upstreams, policy, 2, Duration.ZERO, timeout, upstreamQuery, () -> { });
  }

  /**
   * @param parallelUpstreams how many upstreams {@code parallel} asks at once
   * @param hedgeAfter the longest wait before a hedge; zero turns hedging off
   * @param upstreamQuery what the query looks like on its way out (padding, Client Subnet)
   * @param onHedge counts a hedge
   */
  public Router(List<Upstream> upstreams, Policy policy, int parallelUpstreams, Duration hedgeAfter,
      Duration timeout, UpstreamQuery upstreamQuery, Runnable onHedge) {
    this(upstreams, policy, parallelUpstreams, hedgeAfter, timeout, upstreamQuery, onHedge, null);
  }

  /** @param crossCheck the answer cross-check, or null when it is off */
  public Router(List<Upstream> upstreams, Policy policy, int parallelUpstreams, Duration hedgeAfter,
      Duration timeout, UpstreamQuery upstreamQuery, Runnable onHedge, CrossCheck crossCheck) {
    this.crossCheck = crossCheck;
    this.upstreams = List.copyOf(upstreams);
    this.policy = policy;
    this.order = UpstreamOrder.of(policy);
    this.parallelUpstreams = parallelUpstreams;
    this.hedgeAfterMaxNanos = hedgeAfter.toNanos();
    this.timeout = timeout;
    this.upstreamQuery = upstreamQuery;
    this.onHedge = onHedge;
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
    long deadline = System.nanoTime() + timeout.toNanos();
    if (crossCheck != null) {
      int asked = crossCheck.settings().upstreams();
      return new CrossCheckExchange(crossCheck, upstreamQuery.forDot(query.message()),
          CrossCheck.distinctOperatorsFirst(order.order(healthy), u -> CrossCheck.operatorOf(u.spec()), asked),
          deadline, loop, query).start(asked);
    }
    Exchange exchange = new Exchange(upstreamQuery.forDot(query.message()), order.order(healthy),
        deadline, loop, query);
    if (policy == Policy.PARALLEL) {
      exchange.askParallel(Math.min(parallelUpstreams, healthy.size()));
    } else {
      exchange.ask(false);
    }
    return exchange.answer;
  }

  /** One client query's way through the upstreams. */
  private final class Exchange {
    final CompletableFuture<Message> answer = new CompletableFuture<>();
    private final byte[] wire;
    private final List<Upstream> candidates;
    private final long deadline;
    private final EventLoop loop;
    private final ClientQuery query;
    private int next;
    private int pending;
    private boolean parallel;
    private boolean hedged;
    private ScheduledFuture<?> hedgeTimer;
    private Message firstBadAnswer;

    Exchange(byte[] wire, List<Upstream> candidates, long deadline, EventLoop loop,
        ClientQuery query) {
      this.wire = wire;
      this.candidates = candidates;
      this.deadline = deadline;
      this.loop = loop;
      this.query = query;
    }

    synchronized void askParallel(int count) {
      parallel = true;
      for (int i = 0; i < count; i++) {
        ask(true);
      }
    }

    /** Asks the next candidate; {@code wholeDeadline} gives it all the time left. */
    synchronized void ask(boolean wholeDeadline) {
      long remaining = deadline - System.nanoTime();
      if (next >= candidates.size() || remaining <= 0) {
        if (pending == 0) {
          answer.complete(firstBadAnswer != null ? firstBadAnswer : Responses.servfail(query));
        }
        return;
      }
      Upstream upstream = candidates.get(next++);
      boolean last = next == candidates.size();
      long attemptNanos = wholeDeadline || last ? remaining : Math.min(remaining, FAILOVER_AFTER.toNanos());
      pending++;
      if (!parallel && !hedged && !last && hedgeAfterMaxNanos > 0) {
        hedgeLater(upstream);
      }
      upstream.query(wire, loop, Duration.ofNanos(attemptNanos))
          .whenComplete((raw, error) -> answered(upstream, error == null ? parse(raw) : null));
    }

    /** Hedges after the upstream's observed 95th percentile, or the bound if that is shorter. */
    private void hedgeLater(Upstream upstream) {
      double highMicros = upstream.highPercentileMicros();
      if (Double.isNaN(highMicros)) {
        return; // nothing observed yet: no telling what is slow for this upstream
      }
      long delay = Math.min(hedgeAfterMaxNanos, (long) (highMicros * 1000));
      try {
        hedgeTimer = loop.schedule(this::hedge, delay, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // the loop is shutting down; no hedge needed
      }
    }

    private synchronized void hedge() {
      if (!answer.isDone() && !hedged && pending > 0 && next < candidates.size()) {
        hedged = true;
        onHedge.run();
        ask(true);
      }
    }

    private synchronized void answered(Upstream upstream, Message parsed) {
      pending--;
      if (hedgeTimer != null) {
        hedgeTimer.cancel(false); // only the first attempt is hedged, and only while it is pending
        hedgeTimer = null;
      }
      if (answer.isDone()) {
        return; // a late answer: it counted for the upstream's health and time, not the client
      }
      if (parsed != null && (isGood(parsed) || (pending == 0 && !parallel && !hedged))) {
        query.trace().answeredBy(upstream.spec().label());
        answer.complete(parsed);
        return;
      }
      if (parsed != null && firstBadAnswer == null) {
        query.trace().answeredBy(upstream.spec().label());
        firstBadAnswer = parsed;
      }
      if (pending == 0) {
        if (firstBadAnswer != null) {
          answer.complete(firstBadAnswer);
        } else {
          ask(parallel || hedged);
        }
      }
    }
  }

  /** An answer worth giving the client at once: anything but SERVFAIL and REFUSED (and the like). */
  static boolean isGood(Message answer) {
    int rcode = answer.getRcode();
    return rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN;
  }

  static Message parse(byte[] raw) {
    try {
      return new Message(raw);
    } catch (IOException | RuntimeException e) {
      return null; // an upstream answer we cannot read counts as no answer
    }
  }
}
