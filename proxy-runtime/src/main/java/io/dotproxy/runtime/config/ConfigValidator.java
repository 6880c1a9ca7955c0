package io.dotproxy.runtime.config;

import ch.qos.logback.classic.Level;
import io.dotproxy.runtime.logging.LogOutput;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Turns raw setting values into a {@link ProxyConfig}, or one clear line saying what is wrong. */
final class ConfigValidator {

  static final List<String> DEFAULT_LISTEN = List.of("127.0.0.1:5353");
  static final List<String> DEFAULT_UPSTREAMS =
      List.of("1.1.1.1@853#cloudflare-dns.com", "1.0.0.1@853#cloudflare-dns.com");
  static final String DEFAULT_ADMIN = "127.0.0.1:9153";
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  static final int DEFAULT_CACHE_SIZE = 10_000;
  static final int MAX_CACHE_SIZE = 10_000_000;
  /**
   * DNS Flag Day 2020: answers up to 1232 bytes fit an IPv6 packet on a 1280-byte link without
   * fragmenting; larger UDP answers fragment, and networks that drop fragments drop them silently.
   */
  static final int DEFAULT_UDP_MAX_SIZE = 1232;
  /** RFC 1035: every client takes 512 bytes; above 4096 nobody gains from UDP over TCP. */
  static final int MIN_UDP_MAX_SIZE = 512;
  static final int MAX_UDP_MAX_SIZE = 4096;
  /**
   * Event loops by default: the CPUs the JVM may use (the container's CPU limit where there is one),
   * at most this many. A proxy's work per query is small, a few loops saturate any realistic query
   * rate, and every loop costs memory, a UDP socket per listen address and, on demand, its own TLS
   * connections to each upstream: on a 64-core node without a limit, 64 of each would be waste.
   */
  static final int DEFAULT_MAX_THREADS = 4;
  static final int DEFAULT_PARALLEL_UPSTREAMS = 2;
  static final int MAX_PARALLEL_UPSTREAMS = 8;
  /** Off: hedging at the 95th percentile sends about one query in twenty twice. */
  static final Duration DEFAULT_HEDGE_AFTER = Duration.ZERO;
  static final int MAX_CROSS_CHECK_UPSTREAMS = 8;
  static final int MAX_THREADS = 64;

  private static final Set<String> UPSTREAM_KEYS = Set.of("address", "port", "server-name", "spki-pins");

  /** One value's conversion; an IllegalArgumentException's message says why it is wrong. */
  private interface Parser<T> {
    T parse(Object value);
  }

  private final Map<Setting, RawSetting> raw;

  private ConfigValidator(Map<Setting, RawSetting> raw) {
    this.raw = raw;
  }

  static ProxyConfig validate(Map<Setting, RawSetting> raw, Optional<Path> configFile)
      throws ConfigException {
    ConfigValidator v = new ConfigValidator(raw);
    List<UpstreamSpec> upstreams = v.list(Setting.UPSTREAM, DEFAULT_UPSTREAMS, ConfigValidator::upstream);
    rejectDuplicateUpstreams(upstreams, raw.get(Setting.UPSTREAM));
    List<HostPort> listen = v.list(Setting.LISTEN, DEFAULT_LISTEN, value -> HostPort.parse(text(value), 0));
    rejectOverlappingListeners(listen, raw.get(Setting.LISTEN));
    return new ProxyConfig(
        listen,
        upstreams,
        v.optional(Setting.CA_FILE, ConfigValidator::caFile),
        v.single(Setting.POLICY, Policy.FASTEST, value -> Policy.parse(text(value))),
        v.single(Setting.PARALLEL_UPSTREAMS, DEFAULT_PARALLEL_UPSTREAMS,
            value -> integer(text(value), 2, MAX_PARALLEL_UPSTREAMS)),
        v.single(Setting.HEDGE_AFTER, DEFAULT_HEDGE_AFTER,
            value -> Durations.parse(text(value), Duration.ZERO, Duration.ofSeconds(10))),
        v.crossCheck(upstreams.size()),
        v.single(Setting.TIMEOUT, DEFAULT_TIMEOUT,
            value -> Durations.parse(text(value), Duration.ofMillis(100), Duration.ofMinutes(1))),
        v.single(Setting.UDP_MAX_SIZE, DEFAULT_UDP_MAX_SIZE,
            value -> integer(text(value), MIN_UDP_MAX_SIZE, MAX_UDP_MAX_SIZE)),
        v.cache(),
        v.rateLimit(),
        new PrivacySettings(
            v.single(Setting.EDNS_PADDING, true, ConfigValidator::bool),
            v.single(Setting.STRIP_CLIENT_SUBNET, true, ConfigValidator::bool)),
        v.list(Setting.FORWARD_ZONE, List.of(), value -> ForwardZone.parse(text(value))),
        v.single(Setting.THREADS, Math.min(DEFAULT_MAX_THREADS, Runtime.getRuntime().availableProcessors()),
            value -> integer(text(value), 1, MAX_THREADS)),
        v.single(Setting.ADMIN, HostPort.parse(DEFAULT_ADMIN, 0), value -> HostPort.parse(text(value), 0)),
        v.single(Setting.DRAIN_PERIOD, Duration.ofSeconds(5),
            value -> Durations.parse(text(value), Duration.ZERO, Duration.ofMinutes(10))),
        v.single(Setting.QUERY_LOG, false, ConfigValidator::bool),
        v.single(Setting.LOG_FORMAT, LogOutput.Format.TEXT, value -> LogOutput.parseFormat(text(value))
            .orElseThrow(() -> new IllegalArgumentException("must be text or json"))),
        v.single(Setting.LOG_LEVEL, Level.INFO, value -> LogOutput.parseLevel(text(value))
            .orElseThrow(() -> new IllegalArgumentException("must be one of error, warn, info, debug"))),
        configFile);
  }

  private CacheSettings cache() throws ConfigException {
    Duration minTtl = single(Setting.CACHE_MIN_TTL, Duration.ZERO, ConfigValidator::ttl);
    Duration maxTtl = single(Setting.CACHE_MAX_TTL, Duration.ofDays(1), ConfigValidator::ttl);
    if (minTtl.compareTo(maxTtl) > 0) {
      throw new ConfigException("invalid " + raw.get(Setting.CACHE_MIN_TTL).origin()
          + ": cache-min-ttl " + minTtl.toSeconds() + " is above cache-max-ttl " + maxTtl.toSeconds());
    }
    return new CacheSettings(
        single(Setting.CACHE_SIZE, DEFAULT_CACHE_SIZE, value -> integer(text(value), 0, MAX_CACHE_SIZE)),
        minTtl,
        maxTtl,
        single(Setting.CACHE_SERVE_STALE, Duration.ofHours(1),
            value -> Durations.parse(text(value), Duration.ZERO, Duration.ofDays(7))),
        single(Setting.CACHE_PREFETCH, true, ConfigValidator::bool));
  }

  /**
   * Rejects what could never work: more upstreams per query than there are, and a majority of two,
   * which is no different from both agreeing.
   */
  private CrossCheckSettings crossCheck(int configuredUpstreams) throws ConfigException {
    CrossCheckSettings defaults = CrossCheckSettings.OFF;
    CrossCheckSettings settings = new CrossCheckSettings(
        single(Setting.CROSS_CHECK, defaults.enabled(), ConfigValidator::bool),
        single(Setting.CROSS_CHECK_UPSTREAMS, defaults.upstreams(),
            value -> integer(text(value), 2, MAX_CROSS_CHECK_UPSTREAMS)),
        single(Setting.CROSS_CHECK_COMPARE, defaults.compare(),
            value -> CrossCheckSettings.parse(CrossCheckSettings.Compare.class, text(value))),
        single(Setting.CROSS_CHECK_ON_MISMATCH, defaults.onMismatch(),
            value -> CrossCheckSettings.parse(CrossCheckSettings.OnMismatch.class, text(value))),
        single(Setting.CROSS_CHECK_ON_UNVERIFIED, defaults.onUnverified(),
            value -> CrossCheckSettings.parse(CrossCheckSettings.OnUnverified.class, text(value))));
    if (settings.onMismatch() == CrossCheckSettings.OnMismatch.MAJORITY && settings.upstreams() < 3) {
      throw new ConfigException("invalid " + raw.get(Setting.CROSS_CHECK_ON_MISMATCH).origin()
          + " 'majority': needs cross-check-upstreams 3 or more, not " + settings.upstreams()
          + " (two answers that differ have no majority)");
    }
    if (settings.enabled() && settings.upstreams() > configuredUpstreams) {
      throw new ConfigException("invalid " + raw.get(Setting.CROSS_CHECK).origin() + ": it sends each query to "
          + settings.upstreams() + " upstreams (cross-check-upstreams) but " + configuredUpstreams
          + (configuredUpstreams == 1 ? " is" : " are") + " configured");
    }
    return settings;
  }

  private RateLimitSettings rateLimit() throws ConfigException {
    int qps = single(Setting.RATE_LIMIT_QPS, 0, value -> integer(text(value), 0, 1_000_000));
    int burst = single(Setting.RATE_LIMIT_BURST, Math.max(1, 2 * qps),
        value -> integer(text(value), 1, 10_000_000));
    return new RateLimitSettings(qps, burst,
        single(Setting.RATE_LIMIT_ACTION, RateLimitSettings.Action.REFUSE,
            value -> RateLimitSettings.Action.parse(text(value))));
  }

  private <T> T single(Setting setting, T fallback, Parser<T> parser) throws ConfigException {
    RawSetting values = raw.get(setting);
    return values == null ? fallback : parse(values, values.values().get(0), parser);
  }

  private <T> Optional<T> optional(Setting setting, Parser<T> parser) throws ConfigException {
    return Optional.ofNullable(single(setting, null, parser));
  }

  private <T> List<T> list(Setting setting, List<String> fallback, Parser<T> parser)
      throws ConfigException {
    RawSetting values = raw.get(setting);
    if (values == null) {
      values = new RawSetting("default " + setting.flag(), List.copyOf(fallback));
    }
    if (values.values().isEmpty() && !fallback.isEmpty()) {
      throw new ConfigException("invalid " + values.origin() + ": at least one value is needed");
    }
    List<T> result = new ArrayList<>();
    for (Object value : values.values()) {
      result.add(parse(values, value, parser));
    }
    return result;
  }

  private static <T> T parse(RawSetting values, Object value, Parser<T> parser) throws ConfigException {
    try {
      return parser.parse(value);
    } catch (IllegalArgumentException e) {
      String shown = value instanceof Map || value instanceof List ? "" : " '" + value + "'";
      throw new ConfigException("invalid " + values.origin() + shown + ": " + e.getMessage(), e);
    }
  }

  private static String text(Object value) {
    if (value instanceof Map || value instanceof List) {
      throw new IllegalArgumentException("expected a single value, not a " +
          (value instanceof Map ? "mapping" : "list"));
    }
    return String.valueOf(value).trim();
  }

  private static Duration ttl(Object value) {
    return Duration.ofSeconds(integer(text(value), 0, 7 * 86400));
  }

  static boolean bool(Object value) {
    if (value instanceof Boolean b) {
      return b;
    }
    return switch (text(value).toLowerCase(java.util.Locale.ROOT)) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw new IllegalArgumentException("must be true or false");
    };
  }

  static int integer(String text, int min, int max) {
    try {
      int n = Integer.parseInt(text);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("must be a whole number from " + min + " to " + max);
  }

  private static UpstreamSpec upstream(Object value) {
    if (!(value instanceof Map<?, ?> map)) {
      return UpstreamSpec.parse(text(value));
    }
    for (Object key : map.keySet()) {
      if (!UPSTREAM_KEYS.contains(String.valueOf(key))) {
        throw new IllegalArgumentException("unknown upstream field '" + key + "', expected one of "
            + String.join(", ", new java.util.TreeSet<>(UPSTREAM_KEYS)));
      }
    }
    Object address = map.get("address");
    if (address == null) {
      throw new IllegalArgumentException("upstream needs an address");
    }
    Object port = map.get("port");
    Object serverName = map.get("server-name");
    List<String> pins = new ArrayList<>();
    Object pinValues = map.get("spki-pins");
    if (pinValues instanceof List<?> list) {
      for (Object pin : list) {
        pins.add(UpstreamSpec.validPin(text(pin)));
      }
    } else if (pinValues != null) {
      throw new IllegalArgumentException("spki-pins must be a list");
    }
    return new UpstreamSpec(
        UpstreamSpec.upstreamIp(text(address)),
        port == null ? UpstreamSpec.DEFAULT_PORT : HostPort.parsePort(text(port), 1),
        Optional.ofNullable(serverName).map(n -> UpstreamSpec.validServerName(text(n))),
        pins);
  }

  private static void rejectDuplicateUpstreams(List<UpstreamSpec> upstreams, RawSetting origin)
      throws ConfigException {
    List<String> labels = new ArrayList<>();
    for (UpstreamSpec upstream : upstreams) {
      if (labels.contains(upstream.label())) {
        throw new ConfigException("invalid " + (origin == null ? "upstream" : origin.origin())
            + ": " + upstream.label() + " is listed twice");
      }
      labels.add(upstream.label());
    }
  }

  /**
   * Listen addresses that could not all be bound: the same address twice, or a wildcard beside any
   * other address on its port. The runtime opens IPv6 sockets that also take IPv4 (IPV6_V6ONLY off,
   * as Netty and the JDK do): {@code [::]:53} alone listens on every IPv4 and IPv6 address, and
   * {@code 0.0.0.0:53} takes port 53 from IPv6 addresses too. Said here, rather than as "address
   * already in use" from the second bind.
   */
  private static void rejectOverlappingListeners(List<HostPort> listen, RawSetting origin) throws ConfigException {
    for (int i = 0; i < listen.size(); i++) {
      for (int j = 0; j < i; j++) {
        HostPort earlier = listen.get(j);
        HostPort later = listen.get(i);
        if (earlier.port() != 0 && earlier.port() == later.port()
            && (earlier.equals(later) || earlier.address().isAnyLocalAddress() || later.address().isAnyLocalAddress())) {
          throw new ConfigException("invalid " + (origin == null ? "listen" : origin.origin()) + ": " + earlier
              + " and " + later + (earlier.equals(later) ? " are the same address"
                  : " overlap: a wildcard address takes its port on every address, IPv4 and IPv6 ([::]:"
                      + later.port() + " alone listens on both)"));
        }
      }
    }
  }

  private static Path caFile(Object value) {
    Path path = Path.of(text(value));
    try (InputStream in = Files.newInputStream(path)) {
      if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
        throw new IllegalArgumentException("no PEM certificate in the file");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read it (" + e.getClass().getSimpleName() + ")");
    } catch (CertificateException e) {
      throw new IllegalArgumentException("not a PEM certificate bundle: " + e.getMessage());
    }
    return path;
  }
}
