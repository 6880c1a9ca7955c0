package io.dotproxy.runtime.config;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzz target for the YAML config as the operator renders it and as {@code --config} reads it:
 * {@link ConfigLoader#fromYaml} on arbitrary text either yields a config or throws
 * {@link ConfigException}, never anything else (a stack trace instead of a message at start-up or
 * on reload would be a bug).
 */
class ConfigFuzzTest {

  @FuzzTest(maxDuration = "2m")
  void fromYaml(String yaml) {
    if (yaml == null) {
      return; // the mutator offers null; the loader is only ever given text
    }
    try {
      ConfigLoader.fromYaml(yaml);
    } catch (ConfigException expected) {
      // the documented way to reject a config
    }
  }
}
