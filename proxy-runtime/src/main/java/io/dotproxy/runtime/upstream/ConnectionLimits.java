package io.dotproxy.runtime.upstream;

import java.time.Duration;

/**
 * Bounds on upstream connections. The defaults keep memory bounded (at most
 * {@code maxInFlight * connectionsPerLoop} queries per event loop and upstream) while a few
 * connections carry any realistic load thanks to pipelining.
 *
 * @param maxInFlight queries outstanding on one connection before another is opened
 * @param connectionsPerLoop connections each event loop may hold to one upstream
 * @param idleTimeout an unused connection is closed after this
 * @param connectTimeout TCP connect plus TLS handshake
 */
public record ConnectionLimits(
    int maxInFlight, int connectionsPerLoop, Duration idleTimeout, Duration connectTimeout) {

  public static final ConnectionLimits DEFAULTS =
      new ConnectionLimits(256, 2, Duration.ofSeconds(30), Duration.ofSeconds(3));
}
