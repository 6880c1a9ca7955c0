package io.dotproxy.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.dotproxy.runtime.logging.LogOutput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Name;

class ConfigLoaderTest {

  @TempDir Path dir;

  @Test
  void anEmptyListItemIsAConfigError() {
    // Found by ConfigFuzzTest: List.copyOf threw a NullPointerException.
    assertThatThrownBy(() -> ConfigLoader.fromYaml("upstream:\n  -"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("empty list item");
    assertThatThrownBy(() -> ConfigLoader.fromYaml("listen: [127.0.0.1:53, ~]"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("empty list item");
  }

  @Test
  void yamlScalarsSnakeYamlCannotConvertAreConfigErrors() {
    // "._", a float-looking scalar that Double.valueOf rejects (found by ConfigFuzzTest).
    assertThatThrownBy(() -> ConfigLoader.fromYaml("._"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("not valid YAML");
    assertThatThrownBy(() -> ConfigLoader.fromYaml("cache-size: ._"))
        .isInstanceOf(ConfigException.class);
  }

  @Test
  void defaultsMatchTheConventions() throws Exception {
    ProxyConfig config = ConfigLoader.load(List.of(), Map.of());
    assertThat(config.listen()).extracting(HostPort::toString).containsExactly("127.0.0.1:5353");
    assertThat(config.upstreams()).extracting(UpstreamSpec::toString)
        .containsExactly("1.1.1.1@853#cloudflare-dns.com", "1.0.0.1@853#cloudflare-dns.com");
    assertThat(config.policy()).isEqualTo(Policy.FASTEST);
    assertThat(config.cache().size()).isEqualTo(10_000);
    assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.admin()).hasToString("127.0.0.1:9153");
    assertThat(config.caFile()).isEmpty();
    assertThat(config.forwardZones()).isEmpty();
  }

  @Test
  void flagBeatsEnvironmentBeatsFileBeatsDefault() throws Exception {
    Path file = write("cache-size: 1\npolicy: round_robin\ntimeout: 3s\nadmin: 127.0.0.1:1\n");
    Map<String, String> env = Map.of(
        "DOTPROXY_CONFIG", file.toString(),
        "DOTPROXY_CACHE_SIZE", "2",
        "DOTPROXY_POLICY", "sequential");
    ProxyConfig config = ConfigLoader.load(List.of("--cache-size", "3"), env);
    assertThat(config.cache().size()).isEqualTo(3);
    assertThat(config.policy()).isEqualTo(Policy.SEQUENTIAL);
    assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(config.admin()).hasToString("127.0.0.1:1");
    assertThat(config.listen()).extracting(HostPort::toString).containsExactly("127.0.0.1:5353");
    assertThat(config.configFile()).contains(file);
  }

  @Test
  void repeatedFlagsKeepTheirOrder() throws Exception {
    ProxyConfig config = ConfigLoader.load(List.of(
        "--upstream", "9.9.9.9#dns.quad9.net", "--upstream=[2620:fe::fe]@853#dns.quad9.net",
        "--upstream", "2606:4700::1111@8853", "--listen", "[::1]:53", "--listen=127.0.0.2:5300"),
        Map.of());
    assertThat(config.upstreams()).extracting(UpstreamSpec::label)
        .containsExactly("9.9.9.9@853", "2620:fe::fe@853", "2606:4700::1111@8853");
    assertThat(config.upstreams().get(2).serverName()).isEmpty();
    assertThat(config.upstreams().get(2).verifiedName()).isEqualTo("2606:4700::1111");
    assertThat(config.listen()).extracting(HostPort::toString).containsExactly("[::1]:53", "127.0.0.2:5300");
  }

  @Test
  void environmentListsSplitOnWhitespaceOrSemicolons() throws Exception {
    ProxyConfig config = ConfigLoader.load(List.of(), Map.of(
        "DOTPROXY_UPSTREAM", "9.9.9.9@853#dns.quad9.net  149.112.112.112#dns.quad9.net",
        "DOTPROXY_FORWARD_ZONE", "cluster.local=10.96.0.10,10.96.0.11:5353;corp.example=192.0.2.53"));
    assertThat(config.upstreams()).hasSize(2);
    assertThat(config.forwardZones()).hasSize(2);
    ForwardZone cluster = config.forwardZones().get(0);
    assertThat(cluster.zone()).isEqualTo(Name.fromConstantString("cluster.local."));
    assertThat(cluster.servers()).extracting(HostPort::toString)
        .containsExactly("10.96.0.10:53", "10.96.0.11:5353");
  }

  @Test
  void yamlTakesStructuredUpstreamsWithPins() throws Exception {
    String pin = "YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=";
    ProxyConfig config = ConfigLoader.fromYaml("""
        listen: ["127.0.0.1:53", "[::1]:53"]
        upstream:
          - "1.1.1.1@853#cloudflare-dns.com"
          - address: 9.9.9.9
            port: 853
            server-name: dns.quad9.net
            spki-pins: ["%s"]
        cache-size: 0
        forward-zone: ["cluster.local=10.96.0.10:53"]
        """.formatted(pin));
    assertThat(config.upstreams().get(1))
        .isEqualTo(new UpstreamSpec(HostPort.parseIp("9.9.9.9"), 853, Optional.of("dns.quad9.net"), List.of(pin)));
    assertThat(config.cache().size()).isZero();
    assertThat(config.listen()).hasSize(2);
  }

  @Test
  void emptyYamlMeansDefaults() throws Exception {
    assertThat(ConfigLoader.fromYaml("")).isEqualTo(ConfigLoader.load(List.of(), Map.of()));
  }

  @Test
  void invalidValuesNameTheSettingAndTheReason() {
    assertInvalid(List.of("--upstream", "1.1.1.1@99999"),
        "invalid --upstream '1.1.1.1@99999': port must be a number from 1 to 65535");
    assertInvalid(List.of("--upstream", "dns.google"),
        "invalid --upstream 'dns.google': 'dns.google' is not an IP address (a host name would need DNS to reach DNS)");
    assertInvalid(List.of("--upstream", "1.1.1.1#bad_name!"), "is not a valid TLS server name");
    assertInvalid(List.of("--listen", "::1:53"), "write IPv6 addresses in brackets");
    assertInvalid(List.of("--listen", "127.0.0.1"), "invalid --listen '127.0.0.1': expected ADDR:PORT");
    assertInvalid(List.of("--policy", "random"),
        "invalid --policy 'random': must be one of sequential, round_robin, fastest");
    assertInvalid(List.of("--cache-size", "-1"), "invalid --cache-size '-1': must be a whole number");
    assertInvalid(List.of("--timeout", "10ms"), "invalid --timeout '10ms': must be from 100ms to 60s");
    assertInvalid(List.of("--timeout", "soon"), "expected a duration");
    assertInvalid(List.of("--forward-zone", "cluster.local"), "expected ZONE=ADDR[:PORT],...");
    assertInvalid(List.of("--ca-file", dir.resolve("missing.pem").toString()), "cannot read it");
    assertInvalid(List.of("--cache-sise", "1"), "unknown flag --cache-sise (see --help)");
    assertInvalid(List.of("--policy"), "flag --policy needs a value");
    assertInvalid(List.of("--policy", "sequential", "--policy", "fastest"), "flag --policy given twice");
    assertInvalid(List.of("stray"), "unexpected argument 'stray'");
    assertInvalid(List.of("--upstream", "1.1.1.1", "--upstream", "1.1.1.1@853#one.one.one.one"),
        "1.1.1.1@853 is listed twice");
  }

  @Test
  void listenAddressesThatCannotAllBeBoundAreRefusedNamingBoth() throws Exception {
    assertInvalid(List.of("--listen", "0.0.0.0:53", "--listen", "[::]:53"),
        "invalid --listen: 0.0.0.0:53 and [::]:53 overlap: a wildcard address takes its port on every address,"
            + " IPv4 and IPv6 ([::]:53 alone listens on both)");
    assertInvalid(List.of("--listen", "[::]:53", "--listen", "127.0.0.1:53"), "[::]:53 and 127.0.0.1:53 overlap");
    assertInvalid(List.of("--listen", "127.0.0.1:53", "--listen", "127.0.0.1:53"),
        "127.0.0.1:53 and 127.0.0.1:53 are the same address");

    // Loopback of both families on one port (a sidecar's), and a wildcard beside another port, bind fine.
    assertThat(ConfigLoader.load(List.of("--listen", "127.0.0.1:53", "--listen", "[::1]:53"), Map.of()).listen())
        .extracting(HostPort::toString).containsExactly("127.0.0.1:53", "[::1]:53");
    assertThat(ConfigLoader.load(List.of("--listen", "[::]:53", "--listen", "127.0.0.1:5353"), Map.of()).listen())
        .hasSize(2);
  }

  @Test
  void environmentErrorsNameTheVariable() {
    assertThatThrownBy(() -> ConfigLoader.load(List.of(), Map.of("DOTPROXY_CACHE_SIZE", "lots")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("invalid DOTPROXY_CACHE_SIZE 'lots'");
  }

  @Test
  void fileErrorsNameTheFileAndKey() throws IOException {
    Path file = write("cache-size: 1\npolcy: sequential\n");
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", file.toString()), Map.of()))
        .hasMessage("unknown setting 'polcy' in " + file);
    Path badValue = write("upstream:\n  - address: 1.1.1.1\n    sni: x\n");
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", badValue.toString()), Map.of()))
        .hasMessageContaining("upstream in " + badValue)
        .hasMessageContaining("unknown upstream field 'sni'");
    Path notYaml = write("listen: [oops\n");
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", notYaml.toString()), Map.of()))
        .hasMessageStartingWith(notYaml + " is not valid YAML");
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", dir.resolve("none.yaml").toString()), Map.of()))
        .hasMessageStartingWith("cannot read --config");
  }

  @Test
  void theLogIsSetByFlagOrEnvironmentOnlyNotByTheFile() throws Exception {
    ProxyConfig defaults = ConfigLoader.load(List.of(), Map.of());
    assertThat(defaults.logFormat()).isEqualTo(LogOutput.Format.TEXT);
    assertThat(defaults.logLevel()).isEqualTo(Level.INFO);
    ProxyConfig set = ConfigLoader.load(List.of("--log-format", "json"), Map.of("DOTPROXY_LOG_LEVEL", "debug"));
    assertThat(set.logFormat()).isEqualTo(LogOutput.Format.JSON);
    assertThat(set.logLevel()).isEqualTo(Level.DEBUG);

    assertInvalid(List.of("--log-format", "logfmt"), "invalid --log-format 'logfmt': must be text or json");
    assertInvalid(List.of("--log-level", "trace"), "invalid --log-level 'trace': must be one of error, warn, info, debug");
    Path file = write("log-format: json\n");
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", file.toString()), Map.of()))
        .hasMessage("unknown setting 'log-format' in " + file);
  }

  @Test
  void pinsMustBeSha256() {
    assertThatThrownBy(() -> ConfigLoader.fromYaml(
        "upstream:\n  - address: 1.1.1.1\n    spki-pins: [\"abcd\"]\n"))
        .hasMessageContaining("is not a base64 SHA-256 digest");
  }

  @Test
  void caFileMustHoldCertificates() throws IOException {
    Path notPem = write("hello");
    assertThatThrownBy(() -> ConfigLoader.load(List.of("--ca-file", notPem.toString()), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("invalid --ca-file '" + notPem + "'");
  }

  @Test
  void messagesAreOneLine() {
    assertThatThrownBy(() -> ConfigLoader.fromYaml("listen: [\"a\", {x: [1, 2]}]"))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  /** The settings are refused with one line that contains {@code expected}. */
  static void assertInvalid(List<String> args, String expected) {
    assertThatThrownBy(() -> ConfigLoader.load(args, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(expected)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  private Path write(String yaml) throws IOException {
    Path file = Files.createTempFile(dir, "config", ".yaml");
    Files.writeString(file, yaml);
    return file;
  }
}
