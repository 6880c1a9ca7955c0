package io.dotproxy.operator.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dotproxy.operator.coredns.CoreDnsLocation;
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
}
