package io.dotproxy.runtime.listener;

import io.dotproxy.runtime.dns.PacketAnswers;
import io.dotproxy.runtime.dns.Resolver;
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
 */
public record QueryPath(Resolver resolver, PacketAnswers packetAnswers, RateLimiter rateLimiter,
    QueryLog queryLog) {

  public QueryPath(Resolver resolver, RateLimiter rateLimiter) {
    this(resolver, null, rateLimiter, null);
  }
}
