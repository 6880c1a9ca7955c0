package io.dotproxy.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/reference/proxy-settings.md is generated from {@link Setting}, the one definition of the runtime's
 * settings; this test fails when the committed page is not what the enum generates now.
 */
class SettingsReferenceTest {

  static final Path PAGE = Path.of("..", "docs", "reference", "proxy-settings.md");
  static final String REGENERATE =
      "mvn -B -ntp -o -pl proxy-runtime test -Dtest=SettingsReferenceTest -Ddotproxy.docs.update=true";

  @Test
  void theCommittedSettingsReferenceIsTheOneTheSettingsGenerate() throws IOException {
    String generated = markdown();
    if (Boolean.getBoolean("dotproxy.docs.update")) {
      Files.writeString(PAGE, generated);
    }
    assertThat(Files.readString(PAGE))
        .as(PAGE.normalize() + " is stale; regenerate it with: " + REGENERATE)
        .isEqualTo(generated);
  }

  @Test
  void everySettingIsListedWithItsThreeNames() {
    String page = markdown();
    for (Setting setting : Setting.values()) {
      assertThat(page).contains("`" + setting.flag() + "`", "`" + setting.envName() + "`");
    }
  }

  static String markdown() {
    StringBuilder page = new StringBuilder();
    page.append("# Proxy settings: flags, environment variables, config file keys\n\n")
        .append("<!-- Generated from proxy-runtime's config/Setting.java; do not edit. Regenerate with:\n")
        .append("     ").append(REGENERATE).append(" -->\n\n")
        .append("Every setting of `proxy-runtime.jar` has one name, used three ways: a flag `--NAME`, an environment\n")
        .append("variable `DOTPROXY_NAME` (upper case, `-` becomes `_`) and a key `NAME` of the YAML file given with\n")
        .append("`--config`. Precedence: flag > environment > file > default. Repeatable settings are repeated flags,\n")
        .append("YAML lists, or whitespace- (or `;`-) separated environment values. A boolean flag given alone means\n")
        .append("`true`. Durations are written `500ms`, `5s`, `2m`, `1h`, or as plain seconds.\n")
        .append("`java -jar proxy-runtime.jar --help` prints the same list.\n\n")
        .append("The file's format (its `version` key, the structured form of an upstream, SPKI pins, errors) is in\n")
        .append("[the config file reference](config-file.md); the DnsOverTlsProxy field that sets each setting is in\n")
        .append("[the CRD reference](crd.md).\n\n")
        .append("| flag | environment | file key | value | repeatable | since schema | meaning |\n")
        .append("|---|---|---|---|---|---|---|\n");
    for (Setting setting : Setting.values()) {
      page.append("| `").append(setting.flag()).append("` | `").append(setting.envName()).append("` | ")
          .append(setting.inFile() ? "`" + setting.key() + "`" : "(flag and environment only)").append(" | `")
          .append(setting.valueHint())
          .append("` | ").append(setting.repeatable() ? "yes" : "no").append(" | ")
          .append(setting.since().major()).append('.').append(setting.since().minor()).append(" | ")
          .append(setting.help().replace("|", "\\|")).append(" |\n");
    }
    return page.toString();
  }
}
