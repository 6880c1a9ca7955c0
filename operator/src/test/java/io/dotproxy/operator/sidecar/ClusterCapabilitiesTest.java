package io.dotproxy.operator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClusterCapabilitiesTest {

  static Optional<ClusterCapabilities.Version> version(String major, String minor) {
    return ClusterCapabilities.Version.parse(major, minor);
  }

  @Test
  void nativeSidecarsFrom129InAutoMode() {
    assertThat(ClusterCapabilities.of(version("1", "29"), NativeSidecars.AUTO).nativeSidecars()).isTrue();
    assertThat(ClusterCapabilities.of(version("1", "33"), NativeSidecars.AUTO).nativeSidecars()).isTrue();
    assertThat(ClusterCapabilities.of(version("1", "28"), NativeSidecars.AUTO).nativeSidecars()).isFalse();
  }

  @Test
  void managedClustersVersionsWithSuffixesAreUnderstood() {
    assertThat(version("1", "30+")).contains(new ClusterCapabilities.Version(1, 30)); // GKE, EKS
    assertThat(version("1+", "29")).contains(new ClusterCapabilities.Version(1, 29));
    assertThat(version("1", "")).isEmpty();
    assertThat(version(null, "29")).isEmpty();
  }

  @Test
  void theFlagOverridesTheVersion() {
    assertThat(ClusterCapabilities.of(version("1", "28"), NativeSidecars.TRUE).nativeSidecars()).isTrue();
    assertThat(ClusterCapabilities.of(version("1", "31"), NativeSidecars.FALSE).nativeSidecars()).isFalse();
    assertThat(ClusterCapabilities.of(Optional.empty(), NativeSidecars.TRUE).nativeSidecars()).isTrue();
    assertThatThrownBy(() -> ClusterCapabilities.of(Optional.empty(), NativeSidecars.AUTO))
        .hasMessageContaining("--native-sidecars");
  }

  @Test
  void dnsSearchLimitsFollowTheVersion() {
    assertThat(ClusterCapabilities.of(version("1", "28"), NativeSidecars.AUTO))
        .isEqualTo(new ClusterCapabilities(false, 32, 2048));
    assertThat(ClusterCapabilities.of(version("1", "27"), NativeSidecars.AUTO))
        .isEqualTo(new ClusterCapabilities(false, 6, 256));
    assertThat(ClusterCapabilities.of(Optional.empty(), NativeSidecars.FALSE))
        .isEqualTo(new ClusterCapabilities(false, 6, 256));
  }
}
