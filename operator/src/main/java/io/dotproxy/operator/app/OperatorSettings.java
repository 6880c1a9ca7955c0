package io.dotproxy.operator.app;

import io.dotproxy.operator.coredns.CoreDnsLocation;
import io.dotproxy.operator.model.Durations;
import io.dotproxy.operator.network.IpFamilies;
import io.dotproxy.operator.sidecar.NativeSidecars;
import io.dotproxy.operator.sidecar.ServiceRef;
import io.dotproxy.operator.sidecar.SidecarSettings;
import io.dotproxy.operator.webhook.CertMode;
import io.dotproxy.operator.webhook.WebhookSettings;
import io.dotproxy.operator.webhook.tls.SubjectNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The operator's settings. Like the runtime's, every flag {@code --NAME} also reads from the environment
 * variable {@code DOTPROXY_NAME}; a flag wins over the environment, which wins over the default.
 *
 * @param watchNamespaces namespaces whose DnsOverTlsProxies are reconciled; empty means all
 * @param leaseNamespace where the leader-election Lease lives; empty means the client's namespace
 * @param coreDnsPatch whether the operator may patch CoreDNS's ConfigMap (and so watches it)
 * @param coreDnsReleaseGrace how long a fleet outlives its block in the Corefile: the kubelet syncs
 *     CoreDNS's ConfigMap volume within about a minute, and CoreDNS's reload plugin checks every 30 s
 *     (± 15 s), so CoreDNS may forward to the fleet for up to about 105 s after the revert
 * @param trustedCaSecrets whether spec.trustedCA.secretRef may be read
 * @param sidecar Sidecar mode: how proxies are injected and where cluster names are forwarded
 * @param webhook the injection webhook's endpoint and certificates
 * @param logging the operator's own log: format and level
 * @param proxyScrapeAnnotations whether DaemonSet-mode proxy pods carry the prometheus.io/scrape, port and
 *     path annotations, for a Prometheus that discovers pods by annotation
 * @param ipFamilies the pod network's IP families, where the proxies listen
 */
public record OperatorSettings(
    Set<String> watchNamespaces,
    boolean leaderElection,
    String leaseName,
    Optional<String> leaseNamespace,
    String proxyImage,
    CoreDnsLocation coreDns,
    boolean coreDnsPatch,
    Duration coreDnsReleaseGrace,
    int httpPort,
    Duration resyncInterval,
    boolean trustedCaSecrets,
    SidecarSettings sidecar,
    WebhookSettings webhook,
    boolean proxyScrapeAnnotations,
    OperatorLogging.Settings logging,
    IpFamilies ipFamilies) {

  /** The Downward API's {@code status.podIPs}, comma-separated, as the chart passes it. */
  static final String POD_IPS = "POD_IPS";

  public static OperatorSettings parse(String[] args, Map<String, String> env) {
    Map<String, String> flags = flags(args);
    Function<OperatorFlag, Optional<String>> setting = flag -> Optional.ofNullable(flags.get(flag.flagName()))
        .or(() -> Optional.ofNullable(env.get(flag.envName())))
        .map(String::strip);
    Function<OperatorFlag, String> valueOrDefault = flag -> setting.apply(flag).orElseGet(() -> flag.defaultValue().orElseThrow());
    return new OperatorSettings(
        namespaces(valueOrDefault.apply(OperatorFlag.WATCH_NAMESPACES)),
        bool("leader-election", valueOrDefault.apply(OperatorFlag.LEADER_ELECTION)),
        valueOrDefault.apply(OperatorFlag.LEASE_NAME),
        setting.apply(OperatorFlag.LEASE_NAMESPACE).filter(s -> !s.isEmpty()),
        setting.apply(OperatorFlag.PROXY_IMAGE).orElse("ghcr.io/dotproxy/proxy-runtime:" + version()),
        coreDns(valueOrDefault.apply(OperatorFlag.COREDNS_CONFIGMAP)),
        bool("coredns-patch", valueOrDefault.apply(OperatorFlag.COREDNS_PATCH)),
        duration("coredns-release-grace", valueOrDefault.apply(OperatorFlag.COREDNS_RELEASE_GRACE)),
        port("http-port", valueOrDefault.apply(OperatorFlag.HTTP_PORT)),
        duration("resync-interval", valueOrDefault.apply(OperatorFlag.RESYNC_INTERVAL)),
        bool("trusted-ca-secrets", valueOrDefault.apply(OperatorFlag.TRUSTED_CA_SECRETS)),
        new SidecarSettings(
            nativeSidecars(valueOrDefault.apply(OperatorFlag.NATIVE_SIDECARS)),
            serviceRef("cluster-dns-service", valueOrDefault.apply(OperatorFlag.CLUSTER_DNS_SERVICE)),
            dnsName("cluster-domain", valueOrDefault.apply(OperatorFlag.CLUSTER_DOMAIN))),
        webhook(setting, valueOrDefault, env),
        bool("proxy-scrape-annotations", valueOrDefault.apply(OperatorFlag.PROXY_SCRAPE_ANNOTATIONS)),
        OperatorLogging.Settings.parse(valueOrDefault.apply(OperatorFlag.LOG_FORMAT), valueOrDefault.apply(OperatorFlag.LOG_LEVEL)),
        ipFamilies(valueOrDefault.apply(OperatorFlag.IP_FAMILIES), Optional.ofNullable(env.get(POD_IPS))));
  }

  /**
   * The operator's pod is on the same pod network as the proxies' pods, so its own addresses tell which
   * families they have; without them (the operator runs outside the cluster) IPv4, which every pod has.
   */
  private static IpFamilies ipFamilies(String value, Optional<String> podIps) {
    if (value.equalsIgnoreCase("auto")) {
      return podIps.flatMap(IpFamilies::ofAddresses).orElse(IpFamilies.FALLBACK);
    }
    try {
      return IpFamilies.parse(value);
    } catch (IllegalArgumentException e) {
      throw new InvalidSettingException("--ip-families: '" + value + "' is not auto, IPv4, IPv6 or IPv4,IPv6");
    }
  }

  private static WebhookSettings webhook(Function<OperatorFlag, Optional<String>> setting,
      Function<OperatorFlag, String> valueOrDefault, Map<String, String> env) {
    CertMode certMode = certMode(valueOrDefault.apply(OperatorFlag.WEBHOOK_CERT_MODE));
    return new WebhookSettings(
        bool("webhook-enabled", valueOrDefault.apply(OperatorFlag.WEBHOOK_ENABLED)),
        port("webhook-port", valueOrDefault.apply(OperatorFlag.WEBHOOK_PORT)),
        certMode,
        dnsLabel("webhook-secret", valueOrDefault.apply(OperatorFlag.WEBHOOK_SECRET), 253),
        dnsLabel("webhook-config-name", valueOrDefault.apply(OperatorFlag.WEBHOOK_CONFIG_NAME), 253),
        Path.of(setting.apply(OperatorFlag.WEBHOOK_CERT_DIR).filter(s -> !s.isEmpty())
            .orElseGet(() -> OperatorFlag.WEBHOOK_CERT_DIR.defaultValue().orElseThrow())),
        dnsLabel("webhook-service", valueOrDefault.apply(OperatorFlag.WEBHOOK_SERVICE), 63),
        certExtraNames(valueOrDefault.apply(OperatorFlag.WEBHOOK_CERT_EXTRA_NAMES), certMode),
        // The Downward API's POD_NAMESPACE is the usual source; the flag/env wins when set.
        setting.apply(OperatorFlag.OPERATOR_NAMESPACE)
            .or(() -> Optional.ofNullable(env.get("POD_NAMESPACE")).map(String::strip))
            .filter(s -> !s.isEmpty())
            .map(ns -> dnsLabel("operator-namespace", ns, 63)),
        duration("drain-period", valueOrDefault.apply(OperatorFlag.DRAIN_PERIOD)));
  }

  /** What this operator does, and so which informers run and which permissions it needs. */
  public OperatorFeatures features() {
    return OperatorFeatures.of(this);
  }

  static String usage() {
    return "usage: java -jar operator.jar [--NAME VALUE]... where NAME is one of "
        + Arrays.stream(OperatorFlag.values()).map(OperatorFlag::flagName).collect(Collectors.joining(", "))
        + " (each also read from DOTPROXY_NAME); see docs/reference/operator-flags.md";
  }

  private static Map<String, String> flags(String[] args) {
    Map<String, String> flags = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new InvalidSettingException("unexpected argument " + arg + "; " + usage());
      }
      String name = arg.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new InvalidSettingException("--" + name + ": needs a value");
      }
      if (OperatorFlag.byName(name).isEmpty()) {
        throw new InvalidSettingException("--" + name + ": unknown flag; " + usage());
      }
      flags.put(name, value);
    }
    return flags;
  }

  private static Set<String> namespaces(String value) {
    Set<String> namespaces = new LinkedHashSet<>();
    Arrays.stream(value.split("[,\\s]+")).filter(s -> !s.isEmpty()).forEach(namespaces::add);
    return Set.copyOf(namespaces);
  }

  private static boolean bool(String name, String value) {
    return switch (value.toLowerCase()) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new InvalidSettingException("--" + name + ": '" + value + "' is neither true nor false");
    };
  }

  private static CoreDnsLocation coreDns(String value) {
    String[] parts = value.split("/");
    if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new InvalidSettingException("--coredns-configmap: '" + value + "' is not NAMESPACE/NAME");
    }
    return new CoreDnsLocation(parts[0], parts[1]);
  }

  private static int port(String name, String value) {
    try {
      int port = Integer.parseInt(value);
      if (port < 0 || port > 65535) { // 0: any free port (tests)
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new InvalidSettingException("--" + name + ": '" + value + "' is not a port number");
    }
  }

  private static NativeSidecars nativeSidecars(String value) {
    return switch (value.toLowerCase()) {
      case "auto" -> NativeSidecars.AUTO;
      case "true" -> NativeSidecars.TRUE;
      case "false" -> NativeSidecars.FALSE;
      default -> throw new InvalidSettingException("--native-sidecars: '" + value + "' is not auto, true or false");
    };
  }

  private static CertMode certMode(String value) {
    return switch (value.toLowerCase()) {
      case "operator" -> CertMode.OPERATOR;
      case "external" -> CertMode.EXTERNAL;
      default -> throw new InvalidSettingException("--webhook-cert-mode: '" + value + "' is neither operator nor external");
    };
  }

  /** Comma-separated DNS names and IP addresses; only the operator's own certificate can carry them. */
  private static List<String> certExtraNames(String value, CertMode certMode) {
    List<String> names = Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    if (!names.isEmpty() && certMode != CertMode.OPERATOR) {
      throw new InvalidSettingException("--webhook-cert-extra-names: only for --webhook-cert-mode operator; in external"
          + " mode the certificate's issuer decides its names");
    }
    try {
      return SubjectNames.canonical(names);
    } catch (IllegalArgumentException e) {
      throw new InvalidSettingException("--webhook-cert-extra-names: " + e.getMessage());
    }
  }

  private static ServiceRef serviceRef(String name, String value) {
    String[] parts = value.split("/");
    if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new InvalidSettingException("--" + name + ": '" + value + "' is not NAMESPACE/NAME");
    }
    return new ServiceRef(parts[0], parts[1]);
  }

  private static String dnsName(String name, String value) {
    String domain = value.endsWith(".") ? value.substring(0, value.length() - 1) : value;
    if (!domain.matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$") || domain.length() > 253) {
      throw new InvalidSettingException("--" + name + ": '" + value + "' is not a DNS domain such as cluster.local");
    }
    return domain;
  }

  private static String dnsLabel(String name, String value, int maxLength) {
    if (!value.matches("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") || value.length() > maxLength) {
      throw new InvalidSettingException("--" + name + ": '" + value + "' is not a valid Kubernetes object name");
    }
    return value;
  }

  private static Duration duration(String name, String value) {
    try {
      return Duration.ofSeconds(Durations.toSecondsRoundedUp(value));
    } catch (IllegalArgumentException e) {
      throw new InvalidSettingException("--" + name + ": '" + value + "' " + Durations.MESSAGE);
    }
  }

  /** The operator's version; the default proxy image carries the same one. */
  public static String version() {
    try (InputStream in = OperatorSettings.class.getResourceAsStream("/dotproxy-operator.properties")) {
      Properties properties = new Properties();
      if (in != null) {
        properties.load(in);
      }
      return properties.getProperty("version", "latest");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
