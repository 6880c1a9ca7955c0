package io.dotproxy.runtime.listener;

import io.dotproxy.runtime.dns.PacketAnswers;
import io.dotproxy.runtime.dns.Resolver;
import io.dotproxy.runtime.dns.ResponseShaper;
import io.dotproxy.runtime.querylog.QueryLog;
import io.dotproxy.runtime.ratelimit.RateLimiter;

/**
 * Everything a query meets after the listener, swapped as one on reload so that no query sees
 * half of an old config and half of a new one.
 *
 * @param resolver the first stage (the cache, or what comes after it)
 * @param packetAnswers what answers queries before they are decoded (the cache's hit path), or
 *     null when the cache is off
 * @param rateLimiter the per-client limit, or null when off
 * @param queryLog where answered queries are logged, or null when the query log is off
 * @param udpMaxSize the largest answer sent over UDP, whatever EDNS size the client advertises
 */
public record QueryPath(Resolver resolver, PacketAnswers packetAnswers, RateLimiter rateLimiter,
    QueryLog queryLog, int udpMaxSize) {

  /** A path with no packet answers and no query log, and the DNS Flag Day UDP cap. */
  public QueryPath(Resolver resolver, RateLimiter rateLimiter) {
    this(resolver, null, rateLimiter, null, ResponseShaper.ADVERTISED_UDP_SIZE);
  }
}
