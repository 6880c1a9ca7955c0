package io.dotproxy.runtime.config;

import java.time.Duration;

/**
 * The answer cache.
 *
 * @param size entries; 0 turns the cache off
 * @param minTtl TTLs below this are raised when stored (does not apply to negative answers' floor)
 * @param maxTtl TTLs above this are lowered when stored
 * @param serveStale how long after expiry an entry may still answer when upstreams fail (RFC 8767);
 *     zero turns serve-stale off
 * @param prefetch whether popular entries are refreshed shortly before they expire
 */
public record CacheSettings(int size, Duration minTtl, Duration maxTtl, Duration serveStale, boolean prefetch) {

  public boolean enabled() {
    return size > 0;
  }
}
