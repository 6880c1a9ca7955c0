package io.dotproxy.operator.app;

import io.dotproxy.operator.coredns.CoreDnsLocation;
import io.dotproxy.operator.model.Durations;
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
    OperatorLogging.Settings logging) {

  /** Flag names, in the order `--help` lists them. */
  static final List<String> FLAGS = List.of(
      "watch-namespaces", "leader-election", "lease-name", "lease-namespace", "proxy-image",
      "coredns-configmap", "coredns-patch", "coredns-release-grace", "http-port", "resync-interval", "trusted-ca-secrets",
      "webhook-enabled", "webhook-port", "webhook-cert-mode", "webhook-secret", "webhook-config-name",
      "webhook-cert-dir", "webhook-service", "webhook-cert-extra-names", "operator-namespace", "native-sidecars",
      "cluster-dns-service", "cluster-domain", "drain-period", "proxy-scrape-annotations",
      "log-format", "log-level");

  public static OperatorSettings parse(String[] args, Map<String, String> env) {
    Map<String, String> flags = flags(args);
    Function<String, Optional<String>> setting = name -> Optional.ofNullable(flags.get(name))
        .or(() -> Optional.ofNullable(env.get("DOTPROXY_" + name.toUpperCase().replace('-', '_'))))
        .map(String::strip);
    return new OperatorSettings(
        namespaces(setting.apply("watch-namespaces").orElse("")),
        bool("leader-election", setting.apply("leader-election").orElse("true")),
        setting.apply("lease-name").orElse("dotproxy-operator"),
        setting.apply("lease-namespace").filter(s -> !s.isEmpty()),
        setting.apply("proxy-image").orElse("ghcr.io/dotproxy/proxy-runtime:" + version()),
        coreDns(setting.apply("coredns-configmap").orElse("kube-system/coredns")),
        bool("coredns-patch", setting.apply("coredns-patch").orElse("true")),
        duration("coredns-release-grace", setting.apply("coredns-release-grace").orElse("2m")),
        port("http-port", setting.apply("http-port").orElse("8080")),
        duration("resync-interval", setting.apply("resync-interval").orElse("2m")),
        bool("trusted-ca-secrets", setting.apply("trusted-ca-secrets").orElse("true")),
        new SidecarSettings(
            nativeSidecars(setting.apply("native-sidecars").orElse("auto")),
            serviceRef("cluster-dns-service", setting.apply("cluster-dns-service").orElse("kube-system/kube-dns")),
            dnsName("cluster-domain", setting.apply("cluster-domain").orElse(SidecarSettings.DEFAULT_CLUSTER_DOMAIN))),
        webhook(setting, env),
        bool("proxy-scrape-annotations", setting.apply("proxy-scrape-annotations").orElse("false")),
        OperatorLogging.Settings.parse(setting.apply("log-format").orElse("text"), setting.apply("log-level").orElse("info")));
  }

  private static WebhookSettings webhook(Function<String, Optional<String>> setting, Map<String, String> env) {
    WebhookSettings d = WebhookSettings.defaults();
    CertMode certMode = certMode(setting.apply("webhook-cert-mode").orElse("operator"));
    return new WebhookSettings(
        bool("webhook-enabled", setting.apply("webhook-enabled").orElse("true")),
        port("webhook-port", setting.apply("webhook-port").orElse(String.valueOf(d.port()))),
        certMode,
        dnsLabel("webhook-secret", setting.apply("webhook-secret").orElse(d.secretName()), 253),
        dnsLabel("webhook-config-name", setting.apply("webhook-config-name").orElse(d.configName()), 253),
        Path.of(setting.apply("webhook-cert-dir").filter(s -> !s.isEmpty()).orElse(d.certDir().toString())),
        dnsLabel("webhook-service", setting.apply("webhook-service").orElse(d.serviceName()), 63),
        certExtraNames(setting.apply("webhook-cert-extra-names").orElse(""), certMode),
        // The Downward API's POD_NAMESPACE is the usual source; the flag/env wins when set.
        setting.apply("operator-namespace")
            .or(() -> Optional.ofNullable(env.get("POD_NAMESPACE")).map(String::strip))
            .filter(s -> !s.isEmpty())
            .map(ns -> dnsLabel("operator-namespace", ns, 63)),
        duration("drain-period", setting.apply("drain-period").orElse(d.drainPeriod().toSeconds() + "s")));
  }

  /** What this operator does, and so which informers run and which permissions it needs. */
  public OperatorFeatures features() {
    return OperatorFeatures.of(this);
  }

  static String usage() {
    return "usage: java -jar operator.jar [--NAME VALUE]... where NAME is one of " + String.join(", ", FLAGS)
        + " (each also read from DOTPROXY_NAME); see README.md";
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
      if (!FLAGS.contains(name)) {
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
