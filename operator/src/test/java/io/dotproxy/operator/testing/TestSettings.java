package io.dotproxy.operator.testing;

import io.dotproxy.operator.app.OperatorLogging;
import io.dotproxy.operator.app.OperatorSettings;
import io.dotproxy.operator.coredns.CoreDnsLocation;
import io.dotproxy.operator.network.IpFamilies;
import io.dotproxy.operator.sidecar.NativeSidecars;
import io.dotproxy.operator.sidecar.ServiceRef;
import io.dotproxy.operator.sidecar.SidecarSettings;
import io.dotproxy.operator.webhook.CertMode;
import io.dotproxy.operator.webhook.WebhookSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Operator settings for tests: no leader election, any free ports, no drain period when stopped. */
public final class TestSettings {

  public static final String OPERATOR_NAMESPACE = "dotproxy-system";

  /** The proxy image the operator is configured with. */
  public static final String PROXY_IMAGE = "registry.example/dotproxy/proxy-runtime:test";

  /** Short, so that tests see a deleted fleet go; long enough to see it kept first. */
  public static final Duration COREDNS_RELEASE_GRACE = Duration.ofSeconds(6);

  private TestSettings() {}

  public static OperatorSettings withoutWebhook(String image, Duration resync) {
    return withoutWebhook(image, resync, Set.of());
  }

  /** Reconciling only {@code namespaces} (empty: all), e.g. to leave other test classes' proxies alone. */
  public static OperatorSettings withoutWebhook(String image, Duration resync, Set<String> namespaces) {
    return withoutWebhook(image, resync, namespaces, IpFamilies.IPV4);
  }

  /** As {@link #withoutWebhook(String, Duration, Set)}, for a pod network of these IP families. */
  public static OperatorSettings withoutWebhook(String image, Duration resync, Set<String> namespaces, IpFamilies families) {
    return new OperatorSettings(namespaces, false, "dotproxy-operator", Optional.empty(), image,
        CoreDnsLocation.kubeadmDefault(), true, COREDNS_RELEASE_GRACE, 0, resync, true, SidecarSettings.defaults(), WebhookSettings.disabled(), false,
        OperatorLogging.Settings.DEFAULT, families);
  }

  /** The webhook on, its certificate from {@code certDir} (external mode: nothing to patch in the mock). */
  public static OperatorSettings withExternalWebhook(String image, Duration resync, Path certDir) {
    return withExternalWebhook(image, resync, certDir, Set.of());
  }

  /** As {@link #withExternalWebhook(String, Duration, Path)}, reconciling only {@code namespaces} (all when empty). */
  public static OperatorSettings withExternalWebhook(String image, Duration resync, Path certDir, Set<String> namespaces) {
    return new OperatorSettings(namespaces, false, "dotproxy-operator", Optional.empty(), image,
        CoreDnsLocation.kubeadmDefault(), true, COREDNS_RELEASE_GRACE, 0, resync, true, SidecarSettings.defaults(), externalModeWebhook(certDir), false,
        OperatorLogging.Settings.DEFAULT, IpFamilies.IPV4);
  }

  public static OperatorSettings withWebhook(String image, Duration resync, NativeSidecars nativeSidecars) {
    return withWebhook(image, resync, nativeSidecars, operatorModeWebhook());
  }

  public static OperatorSettings withWebhook(String image, Duration resync, NativeSidecars nativeSidecars, WebhookSettings webhook) {
    return new OperatorSettings(Set.of(), false, "dotproxy-operator", Optional.empty(), image,
        CoreDnsLocation.kubeadmDefault(), true, COREDNS_RELEASE_GRACE, 0, resync, true,
        new SidecarSettings(nativeSidecars, ServiceRef.kubeDns(), "cluster.local"),
        webhook, false, OperatorLogging.Settings.DEFAULT, IpFamilies.IPV4);
  }

  public static WebhookSettings operatorModeWebhook() {
    return operatorModeWebhook(0, List.of());
  }

  /** Operator cert mode on {@code port}, the certificate also issued for {@code certExtraNames}. */
  public static WebhookSettings operatorModeWebhook(int port, List<String> certExtraNames) {
    return operatorModeWebhook(port, certExtraNames, Duration.ZERO);
  }

  /** As {@link #operatorModeWebhook(int, List)}, answering admissions for {@code drainPeriod} when stopped. */
  public static WebhookSettings operatorModeWebhook(int port, List<String> certExtraNames, Duration drainPeriod) {
    WebhookSettings d = WebhookSettings.defaults();
    return new WebhookSettings(true, port, CertMode.OPERATOR, d.secretName(), d.configName(), d.certDir(),
        d.serviceName(), certExtraNames, Optional.of(OPERATOR_NAMESPACE), drainPeriod);
  }

  public static WebhookSettings externalModeWebhook(Path certDir) {
    WebhookSettings d = WebhookSettings.defaults();
    return new WebhookSettings(true, 0, CertMode.EXTERNAL, d.secretName(), d.configName(), certDir,
        d.serviceName(), List.of(), Optional.of(OPERATOR_NAMESPACE), Duration.ZERO);
  }
}
