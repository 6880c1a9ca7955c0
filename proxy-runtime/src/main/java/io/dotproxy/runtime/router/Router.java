package io.dotproxy.runtime.router;

import io.dotproxy.runtime.config.Policy;
import io.dotproxy.runtime.crosscheck.CrossCheck;
import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.PlainQuery;
import io.dotproxy.runtime.dns.QueryTrace;
import io.dotproxy.runtime.dns.Resolver;
import io.dotproxy.runtime.dns.UpstreamAnswers;
import io.dotproxy.runtime.dns.WireRecordWalk;
import io.dotproxy.runtime.dns.WireResolver;
import io.dotproxy.runtime.dns.Responses;
import io.dotproxy.runtime.privacy.UpstreamQuery;
import io.dotproxy.runtime.upstream.Upstream;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

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
public final class Router implements Resolver, WireResolver {

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
    List<Upstream> healthy = healthy();
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
    return start(new Exchange<>(upstreamQuery.forDot(query.message()), order.order(healthy),
        deadline, loop, query.trace(), UpstreamAnswers::decode, Message::getRcode, () -> Responses.servfail(query)));
  }

  /**
   * The upstream's answer as it was sent, checked only for being a well-formed message; the
   * cross-check, which compares decoded answers, declines.
   */
  @Override
  public CompletableFuture<byte[]> resolveWire(Name name, byte[] packet, PlainQuery query,
      EventLoop loop) {
    if (crossCheck != null) {
      return null;
    }
    List<Upstream> healthy = healthy();
    if (healthy.isEmpty()) {
      return CompletableFuture.failedFuture(new IllegalStateException("no healthy upstream"));
    }
    return start(new Exchange<>(upstreamQuery.forDot(packet, query), order.order(healthy),
        System.nanoTime() + timeout.toNanos(), loop, QueryTrace.OFF,
        raw -> WireRecordWalk.walk(raw, WELL_FORMED) ? raw : null, Router::rcode, () -> null));
  }

  private List<Upstream> healthy() {
    List<Upstream> healthy = new ArrayList<>(upstreams.size());
    for (Upstream upstream : upstreams) {
      if (upstream.isHealthy()) {
        healthy.add(upstream);
      }
    }
    return healthy;
  }

  private <A> CompletableFuture<A> start(Exchange<A> exchange) {
    int count = policy == Policy.PARALLEL ? Math.min(parallelUpstreams, exchange.candidates.size()) : 0;
    if (count > 0) {
      exchange.askParallel(count);
    } else {
      exchange.ask(false);
    }
    return exchange.answer;
  }

  /**
   * One client query's way through the upstreams, with its answers read as {@code A}: decoded
   * messages, or the bytes as they came.
   */
  private final class Exchange<A> {
    final CompletableFuture<A> answer = new CompletableFuture<>();
    private final byte[] wire;
    private final List<Upstream> candidates;
    private final long deadline;
    private final EventLoop loop;
    private final QueryTrace trace;
    private final Function<byte[], A> read;
    private final ToIntFunction<A> rcodeOf;
    private final Supplier<A> noAnswer;
    private int next;
    private int pending;
    private boolean parallel;
    private boolean hedged;
    private ScheduledFuture<?> hedgeTimer;
    private A firstBadAnswer;

    /**
     * @param read the answer as {@code A}, or null when it cannot be read (which counts as none)
     * @param noAnswer what answers when no upstream did; null to fail instead
     */
    Exchange(byte[] wire, List<Upstream> candidates, long deadline, EventLoop loop,
        QueryTrace trace, Function<byte[], A> read, ToIntFunction<A> rcodeOf, Supplier<A> noAnswer) {
      this.wire = wire;
      this.candidates = candidates;
      this.deadline = deadline;
      this.loop = loop;
      this.trace = trace;
      this.read = read;
      this.rcodeOf = rcodeOf;
      this.noAnswer = noAnswer;
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
          giveUp();
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
          .whenComplete((raw, error) -> answered(upstream, error == null ? read.apply(raw) : null));
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

    private void giveUp() {
      A fallback = firstBadAnswer != null ? firstBadAnswer : noAnswer.get();
      if (fallback != null) {
        answer.complete(fallback);
      } else {
        answer.completeExceptionally(new IllegalStateException("no upstream answered"));
      }
    }

    private synchronized void answered(Upstream upstream, A parsed) {
      pending--;
      if (hedgeTimer != null) {
        hedgeTimer.cancel(false); // only the first attempt is hedged, and only while it is pending
        hedgeTimer = null;
      }
      if (answer.isDone()) {
        return; // a late answer: it counted for the upstream's health and time, not the client
      }
      if (parsed != null && (isGood(rcodeOf.applyAsInt(parsed)) || (pending == 0 && !parallel && !hedged))) {
        trace.answeredBy(upstream.spec().label());
        answer.complete(parsed);
        return;
      }
      if (parsed != null && firstBadAnswer == null) {
        trace.answeredBy(upstream.spec().label());
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
    return isGood(answer.getRcode());
  }

  private static boolean isGood(int rcode) {
    return rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN;
  }

  /** The rcode of a well-formed answer's bytes: the header's four bits and the OPT record's eight. */
  static int rcode(byte[] raw) {
    int[] extended = {0};
    WireRecordWalk.walk(raw, (section, type, ttlOffset, rdataOffset, rdataLength) -> {
      if (type == Type.OPT && section == Section.ADDITIONAL) {
        extended[0] = raw[ttlOffset] & 0xFF;
        return false;
      }
      return true;
    });
    return extended[0] << 4 | (raw[3] & 0xF);
  }

  private static final WireRecordWalk.Visitor WELL_FORMED =
      (section, type, ttlOffset, rdataOffset, rdataLength) -> true;
}
