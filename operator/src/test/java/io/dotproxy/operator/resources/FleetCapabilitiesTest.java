package io.dotproxy.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.sidecar.ClusterCapabilities.Version;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FleetCapabilitiesTest {

  static FleetCapabilities of(String major, String minor) {
    return FleetCapabilities.of(Version.parse(major, minor));
  }

  @Test
  void surgeAndNodeLocalTrafficFromKubernetes122() {
    assertThat(of("1", "22")).isEqualTo(new FleetCapabilities(true, true));
    assertThat(of("1", "30+")).isEqualTo(FleetCapabilities.CURRENT);
    assertThat(of("2", "0")).isEqualTo(FleetCapabilities.CURRENT);
  }

  @Test
  void neitherBefore122NorWhenTheVersionIsUnknown() {
    // 1.21 has both fields, alpha and off by default: the API server drops them.
    assertThat(of("1", "21")).isEqualTo(new FleetCapabilities(false, false));
    assertThat(of("1", "20")).isEqualTo(new FleetCapabilities(false, false));
    assertThat(FleetCapabilities.of(Optional.empty())).isEqualTo(new FleetCapabilities(false, false));
  }
}
