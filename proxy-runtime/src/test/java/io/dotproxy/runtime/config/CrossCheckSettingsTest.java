package io.dotproxy.runtime.config;

import static io.dotproxy.runtime.config.ConfigLoaderTest.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.config.CrossCheckSettings.Compare;
import io.dotproxy.runtime.config.CrossCheckSettings.OnMismatch;
import io.dotproxy.runtime.config.CrossCheckSettings.OnUnverified;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cross-check's settings from flags, environment and file, and what is refused at the edge. */
class CrossCheckSettingsTest {

  private static final List<String> THREE_UPSTREAMS = List.of(
      "--upstream", "1.1.1.1#cloudflare-dns.com", "--upstream", "9.9.9.9#dns.quad9.net",
      "--upstream", "8.8.8.8#dns.google");

  @Test
  void offByDefault() throws Exception {
    assertThat(ConfigLoader.load(List.of(), Map.of()).crossCheck()).isEqualTo(CrossCheckSettings.OFF);
    assertThat(CrossCheckSettings.OFF).isEqualTo(
        new CrossCheckSettings(false, 2, Compare.STRICT, OnMismatch.SERVFAIL, OnUnverified.SERVFAIL));
  }

  @Test
  void everySettingIsReadFromFlagsEnvironmentAndFile() throws Exception {
    List<String> flags = new java.util.ArrayList<>(THREE_UPSTREAMS);
    flags.addAll(List.of("--cross-check", "--cross-check-upstreams", "3", "--cross-check-compare", "overlap"));
    ProxyConfig config = ConfigLoader.load(flags, Map.of(
        "DOTPROXY_CROSS_CHECK_ON_MISMATCH", "majority", "DOTPROXY_CROSS_CHECK_ON_UNVERIFIED", "answer"));
    assertThat(config.crossCheck()).isEqualTo(
        new CrossCheckSettings(true, 3, Compare.OVERLAP, OnMismatch.MAJORITY, OnUnverified.ANSWER));

    ProxyConfig fromFile = ConfigLoader.fromYaml("""
        upstream: ["1.1.1.1#cloudflare-dns.com", "9.9.9.9#dns.quad9.net"]
        cross-check: true
        cross-check-on-mismatch: first
        """);
    assertThat(fromFile.crossCheck()).isEqualTo(
        new CrossCheckSettings(true, 2, Compare.STRICT, OnMismatch.FIRST, OnUnverified.SERVFAIL));
  }

  @Test
  void moreUpstreamsPerQueryThanThereAreIsAConfigError() {
    assertInvalid(List.of("--upstream", "9.9.9.9#dns.quad9.net", "--cross-check"),
        "invalid --cross-check: it sends each query to 2 upstreams (cross-check-upstreams) but 1 is configured");
    List<String> flags = new java.util.ArrayList<>(THREE_UPSTREAMS);
    flags.addAll(List.of("--cross-check", "--cross-check-upstreams", "4"));
    assertInvalid(flags, "but 3 are configured");
  }

  @Test
  void aMajorityOfTwoIsAConfigError() {
    List<String> flags = new java.util.ArrayList<>(THREE_UPSTREAMS);
    flags.addAll(List.of("--cross-check", "--cross-check-on-mismatch", "majority"));
    assertInvalid(flags, "invalid --cross-check-on-mismatch 'majority': needs cross-check-upstreams 3 or more, not 2");
  }

  @Test
  void unknownValuesNameTheChoices() {
    assertInvalid(List.of("--cross-check-compare", "loose"),
        "invalid --cross-check-compare 'loose': must be one of strict, overlap");
    assertInvalid(List.of("--cross-check-on-mismatch", "ignore"),
        "invalid --cross-check-on-mismatch 'ignore': must be one of servfail, majority, first");
    assertInvalid(List.of("--cross-check-on-unverified", "retry"),
        "invalid --cross-check-on-unverified 'retry': must be one of servfail, answer");
    assertInvalid(List.of("--cross-check-upstreams", "1"),
        "invalid --cross-check-upstreams '1': must be a whole number from 2 to 8");
  }
}
