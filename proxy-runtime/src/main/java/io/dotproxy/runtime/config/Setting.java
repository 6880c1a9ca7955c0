package io.dotproxy.runtime.config;

import java.util.Locale;
import java.util.Optional;

/**
 * Every setting the runtime reads, by the one name it has as a flag ({@code --cache-size}), an
 * environment variable ({@code DOTPROXY_CACHE_SIZE}) and a YAML key ({@code cache-size}).
 *
 * <p>A setting added after schema 1.0 names the {@link ConfigSchema} minor that added it (and that
 * minor becomes {@link ConfigSchema#CURRENT}), so that the operator can tell which keys an older
 * runtime reads.
 */
enum Setting {
  LISTEN("listen", true, "ADDR:PORT",
      "plain DNS listener, UDP and TCP (IPv6 as [::1]:53) (default " + String.join(" ", ConfigValidator.DEFAULT_LISTEN) + ")"),
  UPSTREAM("upstream", true, "ADDR[@PORT][#TLS_NAME]",
      "DNS-over-TLS upstream, in order (default " + String.join(" ", ConfigValidator.DEFAULT_UPSTREAMS) + ")"),
  CA_FILE("ca-file", false, "PATH", "PEM bundle of CAs trusted for upstreams (default: system store)"),
  POLICY("policy", false, "NAME", "upstream choice: " + Policy.names() + " (default fastest)"),
  PARALLEL_UPSTREAMS("parallel-upstreams", false, "N",
      "upstreams policy parallel asks at once, 2-" + ConfigValidator.MAX_PARALLEL_UPSTREAMS + " (default "
          + ConfigValidator.DEFAULT_PARALLEL_UPSTREAMS + ")", ConfigSchema.V1_1),
  HEDGE_AFTER("hedge-after", false, "DURATION",
      "other policies: also ask the next upstream when the chosen one has not answered within its 95th"
          + " percentile answer time, or this long at most, e.g. 500ms; 0 = off (default 0)", ConfigSchema.V1_1),
  CROSS_CHECK("cross-check", false, "BOOL",
      "send each cache miss to several upstreams and compare their answers before answering (default false)",
      ConfigSchema.V1_1),
  CROSS_CHECK_UPSTREAMS("cross-check-upstreams", false, "N",
      "upstreams each cross-checked query goes to, of different operators where there are, 2-"
          + ConfigValidator.MAX_CROSS_CHECK_UPSTREAMS + " (default " + CrossCheckSettings.OFF.upstreams() + ")",
      ConfigSchema.V1_1),
  CROSS_CHECK_COMPARE("cross-check-compare", false, "MODE",
      "same answer: " + CrossCheckSettings.names(CrossCheckSettings.Compare.class)
          + "; overlap also accepts a shared address or the same CNAME chain (CDNs) (default strict)",
      ConfigSchema.V1_1),
  CROSS_CHECK_ON_MISMATCH("cross-check-on-mismatch", false, "ACTION",
      "answers differ: " + CrossCheckSettings.names(CrossCheckSettings.OnMismatch.class)
          + "; majority needs cross-check-upstreams 3 or more (default servfail)",
      ConfigSchema.V1_1),
  CROSS_CHECK_ON_UNVERIFIED("cross-check-on-unverified", false, "ACTION",
      "fewer than two upstreams answered: " + CrossCheckSettings.names(CrossCheckSettings.OnUnverified.class)
          + " (default servfail)",
      ConfigSchema.V1_1),
  TIMEOUT("timeout", false, "DURATION", "overall deadline for an upstream answer (default 5s)"),
  UDP_MAX_SIZE("udp-max-size", false, "BYTES",
      "largest answer over UDP whatever the client's EDNS size, larger ones truncated (TC=1), 512-4096 (default "
          + ConfigValidator.DEFAULT_UDP_MAX_SIZE + ")", ConfigSchema.V1_1),
  CACHE_SIZE("cache-size", false, "N", "cache entries, 0 turns the cache off (default 10000)"),
  CACHE_MIN_TTL("cache-min-ttl", false, "SECONDS", "raise shorter TTLs to this when caching (default 0)"),
  CACHE_MAX_TTL("cache-max-ttl", false, "SECONDS", "lower longer TTLs to this when caching (default 86400)"),
  CACHE_SERVE_STALE("cache-serve-stale", false, "DURATION",
      "answer from expired entries this long when upstreams fail, 0 = off (default 1h)"),
  CACHE_PREFETCH("cache-prefetch", false, "BOOL", "refresh popular entries before expiry (default true)"),
  RATE_LIMIT_QPS("rate-limit-qps", false, "N", "queries per second per client, 0 = off (default 0)"),
  RATE_LIMIT_BURST("rate-limit-burst", false, "N", "queries a client may send at once (default 2 x qps)"),
  RATE_LIMIT_ACTION("rate-limit-action", false, "ACTION", "over the limit: refuse or drop (default refuse)"),
  EDNS_PADDING("edns-padding", false, "BOOL", "pad queries to upstreams to 128 bytes (default true)"),
  STRIP_CLIENT_SUBNET("strip-client-subnet", false, "BOOL",
      "remove EDNS Client Subnet before forwarding (default true)"),
  FORWARD_ZONE("forward-zone", true, "ZONE=ADDR[:PORT],...", "plain-DNS conditional forwarding"),
  THREADS("threads", false, "N",
      "event-loop threads, 1-" + ConfigValidator.MAX_THREADS + "; takes effect at restart (default: the CPUs the container may use, at most "
          + ConfigValidator.DEFAULT_MAX_THREADS + ")", ConfigSchema.V1_1),
  ADMIN("admin", false, "ADDR:PORT", "HTTP /metrics, /livez, /readyz (default 127.0.0.1:9153)"),
  QUERY_LOG("query-log", false, "BOOL",
      "write one JSON line per query to stdout, with the client and the name (default false)"),
  DRAIN_PERIOD("drain-period", false, "DURATION",
      "on SIGTERM keep answering this long while /readyz says 503 (default 5s)"),
  LOG_FORMAT("log-format", false, "FORMAT",
      "the log on stderr: text, or json (one object per line); flag or environment only (default text)"),
  LOG_LEVEL("log-level", false, "LEVEL", "error, warn, info or debug; flag or environment only (default info)"),
  CONFIG("config", false, "PATH", "YAML file with these settings, watched and reloaded");

  private final String key;
  private final boolean repeatable;
  private final String valueHint;
  private final String help;
  private final ConfigSchema since;

  Setting(String key, boolean repeatable, String valueHint, String help) {
    this(key, repeatable, valueHint, help, ConfigSchema.FIRST);
  }

  Setting(String key, boolean repeatable, String valueHint, String help, ConfigSchema since) {
    this.key = key;
    this.repeatable = repeatable;
    this.valueHint = valueHint;
    this.help = help;
    this.since = since;
  }

  String key() {
    return key;
  }

  String flag() {
    return "--" + key;
  }

  String envName() {
    return "DOTPROXY_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /**
   * Whether the config file may set it: a file cannot name another file to read, and the log is set up
   * before the file is read (the file's errors are logged) and is not changed by a reload.
   */
  boolean inFile() {
    return this != CONFIG && this != LOG_FORMAT && this != LOG_LEVEL;
  }

  /** The config schema that added this setting. */
  ConfigSchema since() {
    return since;
  }

  /** What the value looks like, e.g. {@code ADDR:PORT}. */
  String valueHint() {
    return valueHint;
  }

  /** What the setting does, with its default, as --help and docs/reference/proxy-settings.md say it. */
  String help() {
    return help;
  }

  boolean repeatable() {
    return repeatable;
  }

  /** A boolean flag given without a value means true. */
  boolean isBoolean() {
    return "BOOL".equals(valueHint);
  }

  String usageLine() {
    return String.format("  %-40s %s", flag() + " " + valueHint, help);
  }

  static Optional<Setting> byKey(String key) {
    for (Setting setting : values()) {
      if (setting.key.equals(key)) {
        return Optional.of(setting);
      }
    }
    return Optional.empty();
  }
}
