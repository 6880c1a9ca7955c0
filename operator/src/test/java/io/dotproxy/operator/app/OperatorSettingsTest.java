package io.dotproxy.operator.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dotproxy.operator.coredns.CoreDnsLocation;
import io.dotproxy.operator.sidecar.NativeSidecars;
import io.dotproxy.operator.sidecar.ServiceRef;
import io.dotproxy.operator.webhook.CertMode;
import io.dotproxy.operator.webhook.WebhookSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OperatorSettingsTest {

  @Test
  void defaultsWatchEverythingWithLeaderElection() {
    OperatorSettings settings = OperatorSettings.parse(new String[0], Map.of());

    assertThat(settings.watchNamespaces()).isEmpty();
    assertThat(settings.leaderElection()).isTrue();
    assertThat(settings.leaseName()).isEqualTo("dotproxy-operator");
    assertThat(settings.leaseNamespace()).isEmpty();
    assertThat(settings.proxyImage()).startsWith("ghcr.io/dotproxy/proxy-runtime:");
    assertThat(settings.coreDns()).isEqualTo(CoreDnsLocation.kubeadmDefault());
    assertThat(settings.httpPort()).isEqualTo(8080);
    assertThat(settings.resyncInterval()).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void aFlagWinsOverTheEnvironment() {
    OperatorSettings settings = OperatorSettings.parse(
        new String[] {"--watch-namespaces", "a,b", "--lease-namespace=ops"},
        Map.of("DOTPROXY_WATCH_NAMESPACES", "c", "DOTPROXY_LEADER_ELECTION", "false",
            "DOTPROXY_COREDNS_CONFIGMAP", "dns/corefile"));

    assertThat(settings.watchNamespaces()).isEqualTo(Set.of("a", "b"));
    assertThat(settings.leaderElection()).isFalse();
    assertThat(settings.leaseNamespace()).isEqualTo(Optional.of("ops"));
    assertThat(settings.coreDns()).isEqualTo(new CoreDnsLocation("dns", "corefile"));
  }

  @Test
  void aBadValueNamesTheSetting() {
    assertThatThrownBy(() -> OperatorSettings.parse(new String[] {"--http-port", "http"}, Map.of()))
        .isInstanceOf(InvalidSettingException.class).hasMessageStartingWith("--http-port:");
    assertThatThrownBy(() -> OperatorSettings.parse(new String[0], Map.of("DOTPROXY_LEADER_ELECTION", "yes")))
        .isInstanceOf(InvalidSettingException.class).hasMessageStartingWith("--leader-election:");
    assertThatThrownBy(() -> OperatorSettings.parse(new String[] {"--watch"}, Map.of()))
        .isInstanceOf(InvalidSettingException.class);
  }

  @Test
  void theWebhookAndSidecarDefaultsAreTheOnesTheChartReliesOn() {
    OperatorSettings settings = OperatorSettings.parse(new String[0], Map.of());

    WebhookSettings webhook = settings.webhook();
    assertThat(webhook.enabled()).isTrue();
    assertThat(webhook.port()).isEqualTo(9443);
    assertThat(webhook.certMode()).isEqualTo(CertMode.OPERATOR);
    assertThat(webhook.secretName()).isEqualTo("dotproxy-operator-webhook-tls");
    assertThat(webhook.configName()).isEqualTo("dotproxy-operator");
    assertThat(webhook.certDir()).isEqualTo(Path.of("/etc/dotproxy/webhook-tls"));
    assertThat(webhook.serviceName()).isEqualTo("dotproxy-operator-webhook");
    assertThat(webhook.operatorNamespace()).isEmpty();
    assertThat(settings.sidecar().nativeSidecars()).isEqualTo(NativeSidecars.AUTO);
    assertThat(settings.sidecar().clusterDns()).isEqualTo(new ServiceRef("kube-system", "kube-dns"));
    assertThat(settings.sidecar().clusterDomain()).isEqualTo("cluster.local");
  }

  @Test
  void webhookFlagsReadTheEnvironmentAndTheOperatorNamespaceFallsBackToPodNamespace() {
    OperatorSettings settings = OperatorSettings.parse(
        new String[] {"--webhook-port=8443", "--native-sidecars", "false", "--cluster-domain", "corp.internal."},
        Map.of("DOTPROXY_WEBHOOK_CERT_MODE", "external", "DOTPROXY_WEBHOOK_CERT_DIR", "/certs",
            "DOTPROXY_CLUSTER_DNS_SERVICE", "dns/coredns", "DOTPROXY_WEBHOOK_ENABLED", "false",
            "POD_NAMESPACE", "ops"));

    assertThat(settings.webhook().port()).isEqualTo(8443);
    assertThat(settings.webhook().certMode()).isEqualTo(CertMode.EXTERNAL);
    assertThat(settings.webhook().certDir()).isEqualTo(Path.of("/certs"));
    assertThat(settings.webhook().enabled()).isFalse();
    assertThat(settings.webhook().operatorNamespace()).contains("ops");
    assertThat(settings.sidecar().nativeSidecars()).isEqualTo(NativeSidecars.FALSE);
    assertThat(settings.sidecar().clusterDns()).isEqualTo(new ServiceRef("dns", "coredns"));
    assertThat(settings.sidecar().clusterDomain()).isEqualTo("corp.internal");

    assertThat(OperatorSettings.parse(new String[0], Map.of("DOTPROXY_OPERATOR_NAMESPACE", "mine", "POD_NAMESPACE", "ops"))
        .webhook().operatorNamespace()).contains("mine");
  }

  @Test
  void aBadWebhookValueNamesTheSetting() {
    assertThatThrownBy(() -> OperatorSettings.parse(new String[] {"--webhook-cert-mode", "cert-manager"}, Map.of()))
        .isInstanceOf(InvalidSettingException.class).hasMessageStartingWith("--webhook-cert-mode:");
    assertThatThrownBy(() -> OperatorSettings.parse(new String[] {"--native-sidecars", "yes"}, Map.of()))
        .isInstanceOf(InvalidSettingException.class).hasMessageStartingWith("--native-sidecars:");
    assertThatThrownBy(() -> OperatorSettings.parse(new String[] {"--cluster-dns-service", "kube-dns"}, Map.of()))
        .isInstanceOf(InvalidSettingException.class).hasMessageStartingWith("--cluster-dns-service:");
    assertThatThrownBy(() -> OperatorSettings.parse(new String[] {"--webhook-port", "70000"}, Map.of()))
        .isInstanceOf(InvalidSettingException.class).hasMessageStartingWith("--webhook-port:");
    assertThatThrownBy(() -> OperatorSettings.parse(new String[] {"--webhook-service", "Web_hook"}, Map.of()))
        .isInstanceOf(InvalidSettingException.class).hasMessageStartingWith("--webhook-service:");
    assertThatThrownBy(() -> OperatorSettings.parse(new String[] {"--cluster-domain", "-bad-"}, Map.of()))
        .isInstanceOf(InvalidSettingException.class).hasMessageStartingWith("--cluster-domain:");
  }
}
