package io.dotproxy.operator.testing;

import io.dotproxy.operator.app.OperatorSettings;
import io.dotproxy.operator.coredns.CoreDnsLocation;
import io.dotproxy.operator.sidecar.NativeSidecars;
import io.dotproxy.operator.sidecar.ServiceRef;
import io.dotproxy.operator.sidecar.SidecarSettings;
import io.dotproxy.operator.webhook.CertMode;
import io.dotproxy.operator.webhook.WebhookSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/** Operator settings for tests: no leader election, any free ports. */
public final class TestSettings {

  public static final String OPERATOR_NAMESPACE = "dotproxy-system";

  /** The proxy image the operator is configured with. */
  public static final String PROXY_IMAGE = "registry.example/dotproxy/proxy-runtime:test";

  private TestSettings() {}

  public static OperatorSettings withoutWebhook(String image, Duration resync) {
    return withoutWebhook(image, resync, Set.of());
  }

  /** Reconciling only {@code namespaces} (all when empty), e.g. a test's own on a shared cluster. */
  public static OperatorSettings withoutWebhook(String image, Duration resync, Set<String> namespaces) {
    return new OperatorSettings(namespaces, false, "dotproxy-operator", Optional.empty(), image,
        CoreDnsLocation.kubeadmDefault(), 0, resync, SidecarSettings.defaults(), WebhookSettings.disabled());
  }

  public static OperatorSettings withWebhook(String image, Duration resync, NativeSidecars nativeSidecars) {
    return new OperatorSettings(Set.of(), false, "dotproxy-operator", Optional.empty(), image,
        CoreDnsLocation.kubeadmDefault(), 0, resync,
        new SidecarSettings(nativeSidecars, ServiceRef.kubeDns(), "cluster.local"),
        operatorModeWebhook());
  }

  public static WebhookSettings operatorModeWebhook() {
    WebhookSettings d = WebhookSettings.defaults();
    return new WebhookSettings(true, 0, CertMode.OPERATOR, d.secretName(), d.configName(), d.certDir(),
        d.serviceName(), Optional.of(OPERATOR_NAMESPACE));
  }

  public static WebhookSettings externalModeWebhook(Path certDir) {
    WebhookSettings d = WebhookSettings.defaults();
    return new WebhookSettings(true, 0, CertMode.EXTERNAL, d.secretName(), d.configName(), certDir,
        d.serviceName(), Optional.of(OPERATOR_NAMESPACE));
  }
}
