package io.dotproxy.operator.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.app.OperatorSettings;
import io.dotproxy.operator.config.RuntimeCompatibility.Release;
import io.dotproxy.operator.config.RuntimeCompatibility.Schema;
import io.dotproxy.operator.config.RuntimeCompatibility.Verdict;
import io.dotproxy.runtime.config.ConfigSchema;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuntimeCompatibilityTest {

  private static final String RUNTIME = "ghcr.io/dotproxy/proxy-runtime";

  /**
   * A history with one more schema than this build has: 1.1 arrived with runtime 0.3 and added one key.
   * An operator of 0.3 drives runtimes 0.2 (schema 1.0) and 0.3 (schema 1.1).
   */
  private static final List<Schema> HISTORY = List.of(
      new Schema(new ConfigSchemaVersion(1, 0), new Release(0, 1), List.of("version", "listen", "upstream", "cache-size", "admin")),
      new Schema(new ConfigSchemaVersion(1, 1), new Release(0, 3), List.of("cache-shards")));

  private final RuntimeCompatibility operator03 = new RuntimeCompatibility("0.3.0", HISTORY);

  @Test
  void theTagOfAnImageReference() {
    assertThat(RuntimeCompatibility.tag(RUNTIME + ":0.2.1")).contains("0.2.1");
    assertThat(RuntimeCompatibility.tag("registry.example:5000/dotproxy/proxy-runtime")).isEmpty();
    assertThat(RuntimeCompatibility.tag("registry.example:5000/proxy-runtime:v0.3@sha256:abcd")).contains("v0.3");
    assertThat(RuntimeCompatibility.tag(RUNTIME + "@sha256:abcd")).isEmpty();
  }

  @Test
  void versionTagsAreReleaseLines() {
    assertThat(Release.parse("0.2.1")).contains(new Release(0, 2));
    assertThat(Release.parse("v1.4")).contains(new Release(1, 4));
    assertThat(Release.parse("0.3.0-SNAPSHOT")).contains(new Release(0, 3));
    assertThat(Release.parse("latest")).isEmpty();
    assertThat(Release.parse("0.2.1-distroless")).contains(new Release(0, 2));
    assertThat(Release.parse("sha-1a2b3c")).isEmpty();
  }

  @Test
  void eachRuntimeInTheWindowGetsTheSchemaItReads() {
    assertThat(operator03.check(RUNTIME + ":0.2.5", List.of("listen", "cache-size")))
        .isEqualTo(new Verdict.Render(new ConfigSchemaVersion(1, 0)));
    assertThat(operator03.check(RUNTIME + ":0.3.0", List.of("listen", "cache-shards")))
        .isEqualTo(new Verdict.Render(new ConfigSchemaVersion(1, 1)));
  }

  @Test
  void aNewerRuntimeOfTheSameMajorGetsTheOperatorsNewestSchema() {
    assertThat(operator03.check(RUNTIME + ":0.4.0", List.of("cache-shards")))
        .isEqualTo(new Verdict.Render(new ConfigSchemaVersion(1, 1)));
  }

  @Test
  void anImageWithoutAVersionTagIsTakenToBeTheOperatorsOwnRelease() {
    assertThat(operator03.check(RUNTIME + ":latest", List.of("cache-shards")))
        .isEqualTo(new Verdict.Render(new ConfigSchemaVersion(1, 1)));
    assertThat(operator03.check(RUNTIME + "@sha256:abcd", List.of("cache-shards")))
        .isEqualTo(new Verdict.Render(new ConfigSchemaVersion(1, 1)));
  }

  @Test
  void aSettingThePinnedRuntimeDoesNotReadIsNamedNotRendered() {
    Verdict verdict = operator03.check(RUNTIME + ":0.2.5", List.of("listen", "cache-shards", "cache-size"));

    assertThat(verdict).isEqualTo(new Verdict.Unsupported("proxy image " + RUNTIME + ":0.2.5 runs proxy runtime 0.2,"
        + " which reads config schema 1.0 and so not: cache-shards (schema 1.1, runtime 0.3);"
        + " unset these settings or use a newer proxy image"));
  }

  @Test
  void aRuntimeOlderThanTheWindowIsNotDriven() {
    assertThat(operator03.check(RUNTIME + ":0.1.9", List.of("listen"))).isEqualTo(new Verdict.Unsupported(
        "proxy image " + RUNTIME + ":0.1.9 runs proxy runtime 0.1, which this operator (0.3) does not drive:"
            + " it drives runtimes 0.2 and 0.3; use a proxy image of one of those (docs/how-to/upgrade.md)"));
    assertThat(operator03.check(RUNTIME + ":1.0.0", List.of("listen"))).isInstanceOf(Verdict.Unsupported.class);
  }

  @Test
  void theFirstReleaseDrivesItsOwnRuntimeOnly() {
    RuntimeCompatibility first = new RuntimeCompatibility("0.1.0", HISTORY);

    assertThat(first.check(RUNTIME + ":0.1.0", List.of("listen"))).isEqualTo(new Verdict.Render(new ConfigSchemaVersion(1, 0)));
    assertThat(first.check(RUNTIME + ":0.0.7", List.of("listen"))).isEqualTo(new Verdict.Unsupported(
        "proxy image " + RUNTIME + ":0.0.7 runs proxy runtime 0.0, which this operator (0.1) does not drive:"
            + " it drives runtimes 0.1; use a proxy image of one of those (docs/how-to/upgrade.md)"));
  }

  @Test
  void thisBuildDrivesTheChartsDefaultImageWithItsNewestSchema() {
    RuntimeCompatibility built = RuntimeCompatibility.of(OperatorSettings.version());
    String defaultImage = OperatorSettings.parse(new String[0], java.util.Map.of()).proxyImage();

    assertThat(built.check(defaultImage, RuntimeCompatibility.SCHEMAS.get(0).addedKeys()))
        .isEqualTo(new Verdict.Render(RuntimeCompatibility.NEWEST));
  }

  /** The operator's copy of the schemas against the runtime's own definition (its Setting enum). */
  @Test
  void theSchemasAreTheRuntimes() {
    assertThat(RuntimeCompatibility.NEWEST.toString()).isEqualTo(ConfigSchema.CURRENT.toString());
    List<String> keys = new ArrayList<>();
    for (Schema schema : RuntimeCompatibility.SCHEMAS) {
      keys.addAll(schema.addedKeys());
      ConfigSchema runtimes = new ConfigSchema(schema.version().major(), schema.version().minor());
      assertThat(keys).as("keys of schema %s", schema.version()).containsExactlyInAnyOrderElementsOf(runtimes.keys());
    }
  }
}
