package io.dotproxy.runtime.config;

import java.util.Locale;
import java.util.Optional;

/**
 * Every setting the runtime reads, by the one name it has as a flag ({@code --cache-size}), an
 * environment variable ({@code DOTPROXY_CACHE_SIZE}) and a YAML key ({@code cache-size}).
 */
enum Setting {
  LISTEN("listen", true, "ADDR:PORT", "plain DNS listener, UDP and TCP (IPv6 as [::1]:53)"),
  UPSTREAM("upstream", true, "ADDR[@PORT][#TLS_NAME]", "DNS-over-TLS upstream, in order"),
  CA_FILE("ca-file", false, "PATH", "PEM bundle of CAs trusted for upstreams (default: system store)"),
  POLICY("policy", false, "NAME", "upstream choice: " + Policy.names() + " (default fastest)"),
  TIMEOUT("timeout", false, "DURATION", "overall deadline for an upstream answer (default 5s)"),
  CACHE_SIZE("cache-size", false, "N", "cache entries, 0 turns the cache off (default 10000)"),
  FORWARD_ZONE("forward-zone", true, "ZONE=ADDR[:PORT],...", "plain-DNS conditional forwarding"),
  ADMIN("admin", false, "ADDR:PORT", "HTTP /metrics, /livez, /readyz (default 127.0.0.1:9153)"),
  CONFIG("config", false, "PATH", "YAML file with these settings, watched and reloaded");

  private final String key;
  private final boolean repeatable;
  private final String valueHint;
  private final String help;

  Setting(String key, boolean repeatable, String valueHint, String help) {
    this.key = key;
    this.repeatable = repeatable;
    this.valueHint = valueHint;
    this.help = help;
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

  boolean repeatable() {
    return repeatable;
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
