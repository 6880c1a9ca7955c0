package io.dotproxy.runtime.upstream;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;

/**
 * The connections one event loop holds to one upstream. Each loop has its own, so queries never
 * cross threads on their way out and no lock is taken on the hot path.
 */
final class LoopConnections {

  private final Upstream upstream;
  private final EventLoop loop;
  private final int maxConnections;
  private final List<UpstreamConnection> connections = new ArrayList<>(2);
  private long lastQueryNanos;
  private boolean queried;

  LoopConnections(Upstream upstream, EventLoop loop, int maxConnections) {
    this.upstream = upstream;
    this.loop = loop;
    this.maxConnections = maxConnections;
  }

  /**
   * The least loaded connection with room, preferring established ones; a new connection only when
   * every one is at its in-flight limit; null when the pool is full too.
   */
  UpstreamConnection pick() {
    UpstreamConnection best = null;
    for (UpstreamConnection connection : connections) {
      if (connection.hasCapacity() && (best == null || prefer(connection, best))) {
        best = connection;
      }
    }
    if (best == null && connections.size() < maxConnections) {
      best = upstream.connect(this);
      connections.add(best);
    }
    return best;
  }

  private static boolean prefer(UpstreamConnection candidate, UpstreamConnection best) {
    if (candidate.isReady() != best.isReady()) {
      return candidate.isReady();
    }
    return candidate.load() < best.load();
  }

  /** Notes that a query is being sent from this loop. */
  void queried() {
    lastQueryNanos = System.nanoTime();
    queried = true;
  }

  /** Whether this loop sent a query less than {@code window} ago. */
  boolean queriedWithin(long now, java.time.Duration window) {
    return queried && now - lastQueryNanos < window.toNanos();
  }

  EventLoop loop() {
    return loop;
  }

  void remove(UpstreamConnection connection) {
    connections.remove(connection);
  }

  int size() {
    return connections.size();
  }

  void closeAll() {
    for (UpstreamConnection connection : new ArrayList<>(connections)) {
      connection.close();
    }
  }
}
