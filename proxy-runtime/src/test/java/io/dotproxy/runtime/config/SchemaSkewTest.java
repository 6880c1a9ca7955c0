package io.dotproxy.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dotproxy.runtime.testing.TestPki;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Config files across versions: what an older operator rendered, and what a newer one renders for an
 * older runtime (docs/how-to/upgrade.md).
 */
class SchemaSkewTest {

  /** The path the operator mounts the trusted-CA bundle at, as written in the previous release's rendering. */
  private static final String RENDERED_CA_PATH = "/etc/dotproxy/ca.crt";

  private static final ConfigSchema ONE_ZERO = new ConfigSchema(1, 0);

  @TempDir Path dir;

  @Test
  void theRuntimeReadsEverySettingAsThePreviousReleaseRenderedIt() throws Exception {
    // The CA path is the only thing changed: the runtime reads the bundle while validating.
    Path ca = TestPki.newCa().issue().writePem(dir).caCertificate();
    Path file = Files.writeString(dir.resolve("config.yaml"),
        previousRelease("daemonset-every-setting.yaml").replace(RENDERED_CA_PATH, ca.toString()));

    ProxyConfig config = ConfigLoader.load(List.of("--config", file.toString()), Map.of());

    assertThat(config.listen()).extracting(HostPort::toString).containsExactly("0.0.0.0:53");
    assertThat(config.upstreams()).extracting(UpstreamSpec::port).containsExactly(853, 853);
    assertThat(config.upstreams().get(1).spkiPins()).containsExactly("/SlsviBkb05Y/8XiKF9+CZsgCtrqPQk5bh47o0R3/Cg=");
    assertThat(config.caFile()).contains(ca);
    assertThat(config.policy()).isEqualTo(Policy.ROUND_ROBIN);
    assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(config.cache()).isEqualTo(new CacheSettings(2048, Duration.ofSeconds(5), Duration.ofHours(1),
        Duration.ofMinutes(30), false));
    assertThat(config.forwardZones()).singleElement().satisfies(z -> assertThat(z.servers()).hasSize(2));
    assertThat(config.rateLimit()).isEqualTo(new RateLimitSettings(100, 200, RateLimitSettings.Action.DROP));
    assertThat(config.privacy()).isEqualTo(new PrivacySettings(false, false));
    assertThat(config.drainPeriod()).isEqualTo(Duration.ofSeconds(20));
    assertThat(config.queryLog()).isTrue();
    assertThat(config.admin()).hasToString("0.0.0.0:9153");
  }

  @Test
  void theRuntimeReadsASidecarConfigAsThePreviousReleaseRenderedIt() throws Exception {
    ProxyConfig config = ConfigLoader.fromYaml(previousRelease("sidecar.yaml"));

    assertThat(config.listen()).extracting(HostPort::toString).containsExactly("127.0.0.1:53");
    assertThat(config.forwardZones()).singleElement().satisfies(z -> assertThat(z.zone()).hasToString("cluster.local."));
  }

  @Test
  void aFileWithoutAVersionIsSchemaOneZero() throws Exception {
    var contents = new ConfigFileReader(ConfigSchema.CURRENT).read("cache-size: 5\n", "f");

    assertThat(contents.schema()).isEqualTo(ConfigSchema.UNVERSIONED).isEqualTo(ONE_ZERO);
    assertThat(contents.settings()).containsKey(Setting.CACHE_SIZE);
  }

  @Test
  void theVersionIsWrittenAsAStringOrAWholeNumber() throws Exception {
    var reader = new ConfigFileReader(ConfigSchema.CURRENT);

    assertThat(reader.read("version: \"1.0\"\n", "f").schema()).isEqualTo(ONE_ZERO);
    assertThat(reader.read("version: 1\n", "f").schema()).isEqualTo(ONE_ZERO);
    assertThatThrownBy(() -> reader.read("version: 1.0\n", "f"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("version in f must be quoted, e.g. version: \"" + ConfigSchema.CURRENT + "\", because YAML reads 1.0 as a number");
    assertThatThrownBy(() -> reader.read("version: one\n", "f"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("'one' is not a config schema version");
    assertThatThrownBy(() -> reader.read("version: \"0.9\"\n", "f"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("'0.9' is not a config schema version");
  }

  @Test
  void aNewerMajorIsRefusedNamingBothVersions() {
    assertThatThrownBy(() -> ConfigLoader.fromYaml("version: \"2.0\"\ncache-size: 5\n", ONE_ZERO))
        .isInstanceOf(ConfigException.class)
        .hasMessage("config is written in config schema 2.0, but this runtime reads schema 1.x up to 1.0:"
            + " run a proxy image that reads schema 2.x, or write the file for schema 1.0");
  }

  @Test
  void anOlderMajorIsRefusedToo() {
    // Keys of an older major may mean something else; a runtime reads its own major only.
    assertThatThrownBy(() -> ConfigLoader.fromYaml("version: \"1.4\"\n", new ConfigSchema(2, 1)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("written in config schema 1.4, but this runtime reads schema 2.x up to 2.1")
        .hasMessageContaining("rewrite the file for schema 2.1");
  }

  @Test
  void anUnknownKeyInAFileOfAKnownSchemaIsStillATypo() {
    assertThatThrownBy(() -> ConfigLoader.fromYaml("version: \"1.0\"\ncahce-size: 5\n", ONE_ZERO))
        .isInstanceOf(ConfigException.class).hasMessage("unknown setting 'cahce-size' in config");
    assertThatThrownBy(() -> ConfigLoader.fromYaml("cahce-size: 5\n", ONE_ZERO))
        .isInstanceOf(ConfigException.class).hasMessage("unknown setting 'cahce-size' in config");
  }

  @Test
  void anOlderRuntimeSkipsTheKeysANewerMinorAddedAndSaysWhich() throws Exception {
    // What a runtime of schema 1.0 gets from an operator that renders schema 1.2 with two new settings.
    String newer = """
        version: "1.2"
        upstream: ["9.9.9.9@853#dns.quad9.net"]
        cache-size: 64
        cache-shards: 8
        upstream-retry-budget: 0.1
        """;
    var contents = new ConfigFileReader(ONE_ZERO).read(newer, "/etc/dotproxy/config.yaml");

    assertThat(contents.schema()).isEqualTo(new ConfigSchema(1, 2));
    assertThat(contents.skippedKeys()).containsExactly("cache-shards", "upstream-retry-budget");
    assertThat(contents.warning("/etc/dotproxy/config.yaml", ONE_ZERO)).contains(
        "/etc/dotproxy/config.yaml is written in config schema 1.2, newer than the 1.0 this runtime reads;"
            + " ignoring the settings it does not know: cache-shards, upstream-retry-budget");
    ProxyConfig config = ConfigLoader.fromYaml(newer, ONE_ZERO);
    assertThat(config.cache().size()).isEqualTo(64);
    assertThat(config.upstreams()).extracting(UpstreamSpec::toString).containsExactly("9.9.9.9@853#dns.quad9.net");
  }

  @Test
  void aNewerMinorStillHasItsKnownSettingsChecked() {
    assertThatThrownBy(() -> ConfigLoader.fromYaml("version: \"1.3\"\ncache-size: lots\n", ONE_ZERO))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cache-size");
  }

  @Test
  void aFileOfTheRuntimesOwnSchemaHasNothingToSkip() throws Exception {
    var contents = new ConfigFileReader(ConfigSchema.CURRENT).read("version: \"" + ConfigSchema.CURRENT + "\"\n", "f");

    assertThat(contents.skippedKeys()).isEmpty();
    assertThat(contents.warning("f", ConfigSchema.CURRENT)).isEmpty();
  }

  @Test
  void aLoaderForAnOlderSchemaReadsTheFileAsThatRuntimeWould() throws Exception {
    Path file = Files.writeString(dir.resolve("config.yaml"), "version: \"1.1\"\ncache-size: 7\nnew-in-1-1: true\n");

    ConfigLoader older = ConfigLoader.of(List.of("--config", file.toString()), Map.of(), ONE_ZERO);

    assertThat(older.load().cache().size()).isEqualTo(7);
    assertThatThrownBy(() -> ConfigLoader.of(List.of("--config", file.toString()), Map.of(), new ConfigSchema(1, 1)).load())
        .isInstanceOf(ConfigException.class).hasMessage("unknown setting 'new-in-1-1' in " + file);
  }

  @Test
  void theCurrentSchemasKeysAreEverySettingAFileMayHold() {
    assertThat(ConfigSchema.CURRENT.keys())
        .startsWith(ConfigSchema.KEY)
        .contains("listen", "upstream", "cache-size", "drain-period", "query-log")
        .doesNotContain("config", "log-format", "log-level")
        .hasSize(Setting.values().length - 2); // plus version, less config and the two log settings
  }

  private static String previousRelease(String name) throws IOException {
    try (InputStream in = SchemaSkewTest.class.getResourceAsStream("previous-release/" + name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
