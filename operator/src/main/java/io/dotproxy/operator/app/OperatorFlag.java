package io.dotproxy.operator.app;

import io.dotproxy.operator.sidecar.SidecarSettings;
import io.dotproxy.operator.webhook.WebhookSettings;
import java.util.Locale;
import java.util.Optional;

/**
 * Every flag of the operator, with its default and what it means: the one definition that
 * {@link OperatorSettings} parses, {@code --help} lists and docs/reference/operator-flags.md is
 * generated from. Each flag {@code --NAME} is also read from the environment variable
 * {@code DOTPROXY_NAME}.
 */
public enum OperatorFlag {
  WATCH_NAMESPACES("watch-namespaces", "", "all namespaces",
      "comma-separated namespaces whose DnsOverTlsProxies are reconciled"),
  LEADER_ELECTION("leader-election", "true", null,
      "`true`/`false`: only the holder of the Lease reconciles"),
  LEASE_NAME("lease-name", "dotproxy-operator", null, "name of the `coordination.k8s.io` Lease"),
  LEASE_NAMESPACE("lease-namespace", null, "the pod's namespace (or the kubeconfig context's), else `default`",
      "namespace of the Lease"),
  PROXY_IMAGE("proxy-image", null, "`ghcr.io/dotproxy/proxy-runtime:<operator version>`",
      "image for DnsOverTlsProxies without `spec.image`"),
  COREDNS_CONFIGMAP("coredns-configmap", "kube-system/coredns", null, "`NAMESPACE/NAME` of CoreDNS's ConfigMap"),
  COREDNS_PATCH("coredns-patch", "true", null,
      "`true`/`false`: the operator may patch CoreDNS's ConfigMap (and watches it). `false`: DnsOverTlsProxies with"
          + " `spec.coreDNS.patch` report `CoreDNSPatchRefused`; the chart sets it from `coreDNS.patch`"),
  COREDNS_RELEASE_GRACE("coredns-release-grace", "2m", null,
      "how long a fleet outlives its block in the Corefile (on deletion, a switch to Sidecar mode, or"
          + " `coreDNS.patch: false`), so that CoreDNS has reloaded before the fleet goes; the chart sets it from"
          + " `coreDNS.releaseGracePeriod`"),
  HTTP_PORT("http-port", "8080", null, "port of `/healthz`, `/readyz` and `/metrics`"),
  RESYNC_INTERVAL("resync-interval", "2m", null, "every DnsOverTlsProxy is reconciled at least this often"),
  TRUSTED_CA_SECRETS("trusted-ca-secrets", "true", null,
      "`true`/`false`: `spec.trustedCA.secretRef` may be read. `false`: such DnsOverTlsProxies report"
          + " `TrustedCANotFound` saying so; the chart sets it from `rbac.trustedCASecrets`"),
  WEBHOOK_ENABLED("webhook-enabled", "true", null, "`true`/`false`: serve the Sidecar-mode injection webhook"),
  WEBHOOK_PORT("webhook-port", String.valueOf(WebhookSettings.defaults().port()), null,
      "HTTPS port of the webhook (`POST /mutate-pods`)"),
  WEBHOOK_CERT_MODE("webhook-cert-mode", "operator", null,
      "`operator`: the operator's own CA and certificate; `external`: files from `--webhook-cert-dir`"
          + " (cert-manager)"),
  WEBHOOK_SECRET("webhook-secret", WebhookSettings.defaults().secretName(), null,
      "Secret in the operator's namespace for the webhook's CA and serving certificate (operator mode)"),
  WEBHOOK_CONFIG_NAME("webhook-config-name", WebhookSettings.defaults().configName(), null,
      "MutatingWebhookConfiguration whose webhooks' `caBundle` the operator keeps in step (operator mode)"),
  WEBHOOK_CERT_DIR("webhook-cert-dir", WebhookSettings.defaults().certDir().toString(), null,
      "directory with `tls.crt` and `tls.key` (external mode)"),
  WEBHOOK_SERVICE("webhook-service", WebhookSettings.defaults().serviceName(), null,
      "Service in front of the webhook; the certificate is for `<service>.<namespace>.svc` and"
          + " `<service>.<namespace>.svc.<cluster domain>`"),
  WEBHOOK_CERT_EXTRA_NAMES("webhook-cert-extra-names", "", "none",
      "comma-separated DNS names and IP addresses that the serving certificate also carries (operator mode"
          + " only), e.g. `localhost` when the API server calls an operator running outside the cluster"),
  OPERATOR_NAMESPACE("operator-namespace", null, "`$POD_NAMESPACE`, else the kubeconfig context's, else `default`",
      "the operator's namespace: where the webhook Secret lives, and whose pods are never injected"),
  NATIVE_SIDECARS("native-sidecars", "auto", null,
      "`auto`, `true` or `false`: inject the proxy as a native sidecar. `auto` uses native sidecars while the API"
          + " server (read once at startup) and every Linux node's kubelet (watched) are 1.29 or newer, and needs"
          + " `nodes` list and watch"),
  CLUSTER_DNS_SERVICE("cluster-dns-service", "kube-system/kube-dns", null,
      "`NAMESPACE/NAME` of the cluster DNS Service; sidecars forward the cluster domain to its IP"),
  CLUSTER_DOMAIN("cluster-domain", SidecarSettings.DEFAULT_CLUSTER_DOMAIN, null,
      "the cluster's DNS domain: sidecars' forward zone and search list"),
  IP_FAMILIES("ip-families", "auto", null,
      "`auto`, `IPv4`, `IPv6` or `IPv4,IPv6`: the pod network's IP families, and so where the proxies listen"
          + " (`[::]` with IPv6, which takes IPv4 too; `0.0.0.0` without). `auto`: those of the operator's own pod,"
          + " from `$POD_IPS` (the Downward API's `status.podIPs`, which the chart passes), else `IPv4`; the chart"
          + " sets it from `ipFamilies`"),
  DRAIN_PERIOD("drain-period", WebhookSettings.defaults().drainPeriod().toSeconds() + "s", null,
      "on SIGTERM, keep answering admissions this long while `/readyz` says 503 (whole seconds, rounded up;"
          + " `0s`: stop at once; only with the webhook on); the chart sets it from `webhook.drainPeriod`"),
  PROXY_SCRAPE_ANNOTATIONS("proxy-scrape-annotations", "false", null,
      "`true`/`false`: DaemonSet-mode proxy pods carry the `prometheus.io/scrape`, `port` and `path` annotations, for"
          + " a Prometheus that discovers pods by annotation; the chart sets it from `metrics.proxies.scrapeAnnotations`"),
  LOG_FORMAT("log-format", "text", null,
      "`text` or `json` (one object per line) for the operator's own log on stderr; the chart sets it from"
          + " `logging.format`"),
  LOG_LEVEL("log-level", "info", null,
      "`error`, `warn`, `info` or `debug`; the chart sets it from `logging.level`");

  private final String name;
  private final Optional<String> defaultValue;
  private final String documentedDefault;
  private final String description;

  /**
   * @param defaultValue the value parsed when neither flag nor environment sets one; null where the
   *     default is worked out at start-up
   * @param documentedDefault how the documentation states the default, where the value alone would not say it
   */
  OperatorFlag(String name, String defaultValue, String documentedDefault, String description) {
    this.name = name;
    this.defaultValue = Optional.ofNullable(defaultValue);
    this.documentedDefault = documentedDefault != null ? documentedDefault : "`" + defaultValue + "`";
    this.description = description;
  }

  /** The name after {@code --}. */
  public String flagName() {
    return name;
  }

  public String envName() {
    return "DOTPROXY_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  public Optional<String> defaultValue() {
    return defaultValue;
  }

  /** The default as the reference states it (Markdown). */
  public String documentedDefault() {
    return documentedDefault;
  }

  /** What the flag does (Markdown). */
  public String description() {
    return description;
  }

  static Optional<OperatorFlag> byName(String name) {
    for (OperatorFlag flag : values()) {
      if (flag.name.equals(name)) {
        return Optional.of(flag);
      }
    }
    return Optional.empty();
  }
}
