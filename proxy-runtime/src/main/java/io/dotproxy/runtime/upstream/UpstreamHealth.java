package io.dotproxy.runtime.upstream;

import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive health with active recovery: consecutive unanswered queries or a failed connection mark
 * an upstream down; while down, one probe query at a time, with exponential backoff, brings it
 * back. A probe reuses the pool's connections, so a healthy upstream costs no extra handshakes.
 */
final class UpstreamHealth {

  static final int FAILURES_BEFORE_DOWN = 3;
  static final Duration FIRST_PROBE_DELAY = Duration.ofSeconds(1);
  static final Duration MAX_PROBE_DELAY = Duration.ofSeconds(30);

  private static final Logger log = LoggerFactory.getLogger(UpstreamHealth.class);

  private final String label;
  private final EventLoopGroup group;
  private final Supplier<CompletableFuture<byte[]>> probe;
  private final Runnable closeConnections;
  private final Consumer<Boolean> reportHealthy;
  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  private final AtomicBoolean up = new AtomicBoolean(true);
  private volatile boolean closed;

  UpstreamHealth(String label, EventLoopGroup group, Supplier<CompletableFuture<byte[]>> probe,
      Runnable closeConnections, Consumer<Boolean> reportHealthy) {
    this.reportHealthy = reportHealthy;
    this.label = label;
    this.group = group;
    this.probe = probe;
    this.closeConnections = closeConnections;
  }

  boolean isUp() {
    return up.get();
  }

  void succeeded() {
    consecutiveFailures.set(0);
  }

  void failed() {
    if (consecutiveFailures.incrementAndGet() >= FAILURES_BEFORE_DOWN) {
      markDown(FAILURES_BEFORE_DOWN + " queries in a row got no answer");
    }
  }

  void markDown(String reason) {
    if (closed || !up.compareAndSet(true, false)) {
      return;
    }
    log.warn("upstream {} is down: {}", label, reason);
    reportHealthy.accept(false);
    closeConnections.run();
    scheduleProbe(FIRST_PROBE_DELAY);
  }

  void close() {
    closed = true;
  }

  private void scheduleProbe(Duration delay) {
    if (closed || group.isShuttingDown()) {
      return;
    }
    group.next().schedule(() -> probe(delay), delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void probe(Duration delay) {
    if (closed) {
      return;
    }
    probe.get().whenComplete((answer, error) -> {
      if (error == null) {
        markUp();
      } else {
        Duration next = delay.multipliedBy(2);
        scheduleProbe(next.compareTo(MAX_PROBE_DELAY) > 0 ? MAX_PROBE_DELAY : next);
      }
    });
  }

  private void markUp() {
    consecutiveFailures.set(0);
    if (up.compareAndSet(false, true)) {
      log.info("upstream {} is up again", label);
      reportHealthy.accept(true);
    }
  }
}
