package io.dotproxy.operator.webhook;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The mutating admission webhook's settings.
 *
 * @param enabled whether the operator serves the webhook at all
 * @param port HTTPS port (0: any free port, for tests)
 * @param certMode where the serving certificate comes from
 * @param secretName the Secret holding CA and serving certificate (operator mode), in the operator's namespace
 * @param configName the MutatingWebhookConfiguration whose caBundle the operator keeps in step (operator mode)
 * @param certDir where tls.crt and tls.key are mounted (external mode)
 * @param serviceName the Service in front of the webhook; the certificate is issued for its DNS names
 * @param certExtraNames further DNS names and IP addresses for the operator's serving certificate (operator
 *     mode), e.g. localhost for an API server that calls an operator running outside the cluster by URL
 * @param operatorNamespace the namespace the operator runs in; empty means the client's namespace
 * @param drainPeriod how long the webhook keeps answering after the operator is told to stop, while
 *     {@code /readyz} already says 503 (zero: it stops at once)
 */
public record WebhookSettings(
    boolean enabled,
    int port,
    CertMode certMode,
    String secretName,
    String configName,
    Path certDir,
    String serviceName,
    List<String> certExtraNames,
    Optional<String> operatorNamespace,
    Duration drainPeriod) {

  public static final int DEFAULT_PORT = 9443;

  /**
   * Endpoints controllers take a second or two to remove a terminating pod from the Service, and each
   * API server's view follows a little later; the chart's terminationGracePeriodSeconds (30) leaves room.
   */
  public static final Duration DEFAULT_DRAIN_PERIOD = Duration.ofSeconds(5);

  public WebhookSettings {
    certExtraNames = List.copyOf(certExtraNames);
    if (drainPeriod.isNegative()) {
      throw new IllegalArgumentException("negative drain period: " + drainPeriod);
    }
  }

  public static WebhookSettings defaults() {
    return new WebhookSettings(true, DEFAULT_PORT, CertMode.OPERATOR, "dotproxy-operator-webhook-tls",
        "dotproxy-operator", Path.of("/etc/dotproxy/webhook-tls"), "dotproxy-operator-webhook", List.of(),
        Optional.empty(), DEFAULT_DRAIN_PERIOD);
  }

  public static WebhookSettings disabled() {
    WebhookSettings d = defaults();
    return new WebhookSettings(false, d.port, d.certMode, d.secretName, d.configName, d.certDir, d.serviceName,
        d.certExtraNames, d.operatorNamespace, d.drainPeriod);
  }

  /**
   * What the operator's serving certificate is issued for: the names the API server uses for the Service
   * (it connects to {@code <service>.<namespace>.svc}), then the extra names.
   */
  public List<String> certificateNames(String namespace, String clusterDomain) {
    List<String> names = new ArrayList<>(List.of(
        serviceName + "." + namespace + ".svc",
        serviceName + "." + namespace + ".svc." + clusterDomain));
    names.addAll(certExtraNames);
    return names;
  }
}
