package io.dotproxy.runtime.forward;

import java.time.Duration;

/**
 * Bounds on forward-zone queries.
 *
 * @param attemptTimeout how long one try at one server may take before the next server is tried;
 *     the overall deadline ({@code timeout}) still ends the query
 * @param maxInFlightPerLoop forwarded queries outstanding per event loop (each holds a socket);
 *     beyond it a query gets SERVFAIL at once
 */
record ForwardLimits(Duration attemptTimeout, int maxInFlightPerLoop) {

  static final ForwardLimits DEFAULTS = new ForwardLimits(Duration.ofSeconds(2), 256);
}
