package io.dotproxy.runtime.config;

import ch.qos.logback.classic.Level;
import io.dotproxy.runtime.logging.LogOutput;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole runtime configuration, validated once; nothing downstream re-checks it.
 *
 * @param parallelUpstreams how many upstreams policy {@code parallel} asks at once
 * @param hedgeAfter the longest wait before another upstream is asked too; zero = no hedging
 * @param crossCheck whether and how answers of several upstreams are compared
 * @param udpMaxSize the largest answer sent over UDP, whatever EDNS size the client advertises
 * @param threads event-loop threads (fixed at start)
 */
public record ProxyConfig(
    List<HostPort> listen,
    List<UpstreamSpec> upstreams,
    Optional<Path> caFile,
    Policy policy,
    int parallelUpstreams,
    Duration hedgeAfter,
    CrossCheckSettings crossCheck,
    Duration timeout,
    int udpMaxSize,
    CacheSettings cache,
    RateLimitSettings rateLimit,
    PrivacySettings privacy,
    List<ForwardZone> forwardZones,
    int threads,
    HostPort admin,
    Duration drainPeriod,
    boolean queryLog,
    LogOutput.Format logFormat,
    Level logLevel,
    Optional<Path> configFile) {

  public ProxyConfig {
    listen = List.copyOf(listen);
    upstreams = List.copyOf(upstreams);
    forwardZones = List.copyOf(forwardZones);
    Objects.requireNonNull(caFile, "caFile");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(hedgeAfter, "hedgeAfter");
    Objects.requireNonNull(crossCheck, "crossCheck");
    Objects.requireNonNull(cache, "cache");
    Objects.requireNonNull(rateLimit, "rateLimit");
    Objects.requireNonNull(privacy, "privacy");
    Objects.requireNonNull(admin, "admin");
    Objects.requireNonNull(drainPeriod, "drainPeriod");
    Objects.requireNonNull(logFormat, "logFormat");
    Objects.requireNonNull(logLevel, "logLevel");
    Objects.requireNonNull(configFile, "configFile");
    if (listen.isEmpty() || upstreams.isEmpty()) {
      throw new IllegalArgumentException("at least one listener and one upstream are required");
    }
  }
}
