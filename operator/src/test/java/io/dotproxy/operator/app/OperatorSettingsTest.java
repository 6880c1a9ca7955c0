package io.dotproxy.operator.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dotproxy.operator.coredns.CoreDnsLocation;
import io.dotproxy.operator.network.IpFamilies;
import io.dotproxy.operator.sidecar.NativeSidecars;
import io.dotproxy.operator.sidecar.ServiceRef;
import io.dotproxy.operator.webhook.CertMode;
import io.dotproxy.operator.webhook.WebhookSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
  void theLogIsTextAtInfoUnlessSetByFlagOrEnvironment() {
    assertThat(OperatorSettings.parse(new String[0], Map.of()).logging()).isEqualTo(OperatorLogging.Settings.DEFAULT);
    assertThat(OperatorSettings.parse(new String[] {"--log-format", "JSON"}, Map.of("DOTPROXY_LOG_LEVEL", "debug"))
        .logging()).isEqualTo(new OperatorLogging.Settings(OperatorLogging.Format.JSON, ch.qos.logback.classic.Level.DEBUG));
    assertThatThrownBy(() -> OperatorSettings.parse(new String[] {"--log-format", "logfmt"}, Map.of()))
        .isInstanceOf(InvalidSettingException.class).hasMessage("--log-format: 'logfmt' is neither text nor json");
    assertThatThrownBy(() -> OperatorSettings.parse(new String[0], Map.of("DOTPROXY_LOG_LEVEL", "trace")))
        .isInstanceOf(InvalidSettingException.class).hasMessage("--log-level: 'trace' is not error, warn, info or debug");
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
  void theIpFamiliesAreTheOperatorPodsOwnUnlessSet() {
    assertThat(OperatorSettings.parse(new String[0], Map.of()).ipFamilies())
        .as("outside a pod: IPv4, which every pod has").isEqualTo(IpFamilies.IPV4);
    assertThat(OperatorSettings.parse(new String[0], Map.of("POD_IPS", "10.244.1.7,fd00:10:244:1::7")).ipFamilies())
        .isEqualTo(IpFamilies.DUAL_STACK);
    assertThat(OperatorSettings.parse(new String[0], Map.of("POD_IPS", "fd00:10:244:1::7")).ipFamilies())
        .isEqualTo(new IpFamilies(false, true));
    assertThat(OperatorSettings.parse(new String[] {"--ip-families", "IPv4"}, Map.of("POD_IPS", "10.244.1.7,fd00::7"))
        .ipFamilies()).as("the flag wins").isEqualTo(IpFamilies.IPV4);
    assertThat(OperatorSettings.parse(new String[0], Map.of("DOTPROXY_IP_FAMILIES", "IPv4,IPv6")).ipFamilies())
        .isEqualTo(IpFamilies.DUAL_STACK);
    assertThatThrownBy(() -> OperatorSettings.parse(new String[] {"--ip-families", "dual-stack"}, Map.of()))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessage("--ip-families: 'dual-stack' is not auto, IPv4, IPv6 or IPv4,IPv6");
  }

  @Test
  void extraCertificateNamesAreDnsNamesAndIpAddressesInTheirCanonicalForm() {
    assertThat(OperatorSettings.parse(new String[0], Map.of()).webhook().certExtraNames()).isEmpty();

    OperatorSettings settings = OperatorSettings.parse(
        new String[] {"--webhook-cert-extra-names", " LocalHost, 127.0.0.1,::1 ,webhook.dev.example,localhost,"}, Map.of());

    assertThat(settings.webhook().certExtraNames())
        .containsExactly("localhost", "127.0.0.1", "0:0:0:0:0:0:0:1", "webhook.dev.example");
    assertThat(settings.webhook().certificateNames("dotproxy-system", "cluster.local")).containsExactly(
        "dotproxy-operator-webhook.dotproxy-system.svc", "dotproxy-operator-webhook.dotproxy-system.svc.cluster.local",
        "localhost", "127.0.0.1", "0:0:0:0:0:0:0:1", "webhook.dev.example");
    assertThat(OperatorSettings.parse(new String[0], Map.of("DOTPROXY_WEBHOOK_CERT_EXTRA_NAMES", "fd00::1"))
        .webhook().certExtraNames()).containsExactly("fd00:0:0:0:0:0:0:1");
  }

  @Test
  void anExtraCertificateNameThatIsNeitherADnsNameNorAnIpAddressIsRefused() {
    for (String bad : List.of("web_hook.local", "*.example.com", "[::1]", "999.1.1.1", "10.1", "1:2:3", "fe80::1%eth0",
        "-leading.example", "https://localhost")) {
      assertThatThrownBy(() -> OperatorSettings.parse(new String[] {"--webhook-cert-extra-names", "localhost," + bad}, Map.of()))
          .as(bad)
          .isInstanceOf(InvalidSettingException.class)
          .hasMessageStartingWith("--webhook-cert-extra-names: ")
          .hasMessageContaining(bad);
    }
  }

  @Test
  void extraCertificateNamesAreOnlyForTheOperatorsOwnCertificate() {
    assertThatThrownBy(() -> OperatorSettings.parse(new String[] {"--webhook-cert-extra-names", "localhost"},
        Map.of("DOTPROXY_WEBHOOK_CERT_MODE", "external")))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessage("--webhook-cert-extra-names: only for --webhook-cert-mode operator; in external mode the"
            + " certificate's issuer decides its names");
    assertThat(OperatorSettings.parse(new String[] {"--webhook-cert-mode", "external", "--webhook-cert-extra-names", " "},
        Map.of()).webhook().certExtraNames()).isEmpty();
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

  @Test
  void theDrainPeriodIsFiveSecondsByDefaultReadsTheEnvironmentAndZeroTurnsItOff() {
    assertThat(OperatorSettings.parse(new String[0], Map.of()).webhook().drainPeriod()).isEqualTo(Duration.ofSeconds(5));
    assertThat(OperatorSettings.parse(new String[0], Map.of("DOTPROXY_DRAIN_PERIOD", "12s")).webhook().drainPeriod())
        .isEqualTo(Duration.ofSeconds(12));
    assertThat(OperatorSettings.parse(new String[] {"--drain-period", "0s"}, Map.of("DOTPROXY_DRAIN_PERIOD", "12s"))
        .webhook().drainPeriod()).isZero();
    assertThat(OperatorSettings.parse(new String[] {"--drain-period=1500ms"}, Map.of()).webhook().drainPeriod())
        .as("whole seconds, rounded up").isEqualTo(Duration.ofSeconds(2));
    assertThatThrownBy(() -> OperatorSettings.parse(new String[] {"--drain-period", "5"}, Map.of()))
        .isInstanceOf(InvalidSettingException.class).hasMessageStartingWith("--drain-period: '5' must be a duration");
    assertThatThrownBy(() -> OperatorSettings.parse(new String[] {"--drain-period", "-1s"}, Map.of()))
        .isInstanceOf(InvalidSettingException.class).hasMessageStartingWith("--drain-period:");
  }
}
