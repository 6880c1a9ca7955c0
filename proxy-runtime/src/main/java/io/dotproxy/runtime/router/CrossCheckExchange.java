package io.dotproxy.runtime.router;

import io.dotproxy.runtime.crosscheck.AnswerComparison;
import io.dotproxy.runtime.crosscheck.CrossCheck;
import io.dotproxy.runtime.crosscheck.Verdict;
import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.Responses;
import io.dotproxy.runtime.dns.UpstreamAnswers;
import io.dotproxy.runtime.upstream.Upstream;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.xbill.DNS.Message;

/**
 * One cross-checked query: sent to several upstreams at once, answered when all of them have
 * answered or failed. An upstream that fails (no answer, an unreadable one, SERVFAIL, REFUSED) is
 * replaced by the next candidate while there is one and time is left, so that a failing upstream
 * costs a verification only when there is nobody left to ask.
 */
final class CrossCheckExchange {

  private final CompletableFuture<Message> answer = new CompletableFuture<>();
  private final CrossCheck check;
  private final byte[] wire;
  private final List<Upstream> candidates;
  private final long deadline;
  private final EventLoop loop;
  private final ClientQuery query;
  /** Every asked upstream's answer, null while pending or when it gave none; in the order asked. */
  private final Map<String, Message> byUpstream = new LinkedHashMap<>();
  private final List<Message> good = new ArrayList<>();
  private final List<String> goodFrom = new ArrayList<>();
  private Message firstBadAnswer;
  private int next;
  private int pending;
  /** True while the first upstreams are being asked: an answer that comes at once must not end it early. */
  private boolean starting;

  /** @param candidates in the order to ask them: the first ones at once, the rest as stand-ins */
  CrossCheckExchange(CrossCheck check, byte[] wire, List<Upstream> candidates, long deadline,
      EventLoop loop, ClientQuery query) {
    this.check = check;
    this.wire = wire;
    this.candidates = candidates;
    this.deadline = deadline;
    this.loop = loop;
    this.query = query;
  }

  synchronized CompletableFuture<Message> start(int count) {
    starting = true;
    for (int i = 0; i < count && next < candidates.size(); i++) {
      ask();
    }
    starting = false;
    if (pending == 0) {
      finish();
    }
    return answer;
  }

  private void ask() {
    Upstream upstream = candidates.get(next++);
    long remaining = deadline - System.nanoTime();
    // With a stand-in left, a silent upstream is given up after the failover time, not the whole deadline.
    long attemptNanos = next < candidates.size()
        ? Math.min(remaining, Router.FAILOVER_AFTER.toNanos())
        : remaining;
    pending++;
    byUpstream.put(upstream.spec().label(), null);
    upstream.query(wire, loop, Duration.ofNanos(attemptNanos))
        .whenComplete((raw, error) -> answered(upstream, error == null ? UpstreamAnswers.decode(raw) : null));
  }

  private synchronized void answered(Upstream upstream, Message parsed) {
    pending--;
    String label = upstream.spec().label();
    byUpstream.put(label, parsed);
    if (parsed != null && Router.isGood(parsed)) {
      good.add(parsed);
      goodFrom.add(label);
    } else {
      if (parsed != null && firstBadAnswer == null) {
        firstBadAnswer = parsed;
      }
      if (next < candidates.size() && deadline - System.nanoTime() > 0) {
        ask();
      }
    }
    if (pending == 0 && !starting) {
      finish();
    }
  }

  private void finish() {
    if (good.isEmpty()) {
      // Nothing to verify: every upstream failed, as it can without the cross-check too.
      answer.complete(firstBadAnswer != null ? firstBadAnswer : Responses.servfail(query));
      return;
    }
    Verdict verdict = check.decide(good);
    check.record(verdict, query.trace(), this::summaries);
    if (verdict.chosen() < 0) {
      answer.complete(CrossCheck.servfail(query, verdict));
    } else {
      query.trace().answeredBy(goodFrom.get(verdict.chosen()));
      answer.complete(good.get(verdict.chosen()));
    }
  }

  /** For the query log: what each asked upstream said, in one line each. */
  private Map<String, String> summaries() {
    Map<String, String> lines = new LinkedHashMap<>();
    byUpstream.forEach((label, message) ->
        lines.put(label, message == null ? "no answer" : AnswerComparison.summary(message)));
    return lines;
  }
}
