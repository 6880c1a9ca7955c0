package io.dotproxy.runtime.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The version of the config file's format, written in the file as {@code version: "MAJOR.MINOR"}.
 *
 * <p>A new minor only adds settings, so a runtime reads every older minor of its major unchanged; a
 * new major removes or changes a setting, so a runtime reads its own major only. A file without the
 * key is {@link #UNVERSIONED}: what the operator rendered before the key existed.
 */
public record ConfigSchema(int major, int minor) {

  /** The config file key; a file-only key, not a flag or an environment variable. */
  public static final String KEY = "version";

  /** The first schema: the settings the runtime had when the key was introduced. */
  public static final ConfigSchema FIRST = new ConfigSchema(1, 0);

  /** Added udp-max-size, threads, parallel-upstreams, hedge-after and the cross-check settings. */
  public static final ConfigSchema V1_1 = new ConfigSchema(1, 1);

  /** The newest schema this runtime reads, described by docs/reference/config-file.md. */
  public static final ConfigSchema CURRENT = V1_1;

  /** What a file without a {@code version} key is read as. */
  public static final ConfigSchema UNVERSIONED = FIRST;

  private static final Pattern TEXT = Pattern.compile("([1-9][0-9]{0,3})(?:\\.(0|[1-9][0-9]{0,3}))?");

  public ConfigSchema {
    if (major < 1 || minor < 0) {
      throw new IllegalArgumentException("a config schema is MAJOR.MINOR with MAJOR >= 1, not " + major + "." + minor);
    }
  }

  /** Reads "1.2", or "1" meaning 1.0. */
  public static ConfigSchema parse(String text) {
    Matcher m = TEXT.matcher(text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a config schema version MAJOR.MINOR such as \"1.0\"");
    }
    return new ConfigSchema(Integer.parseInt(m.group(1)), m.group(2) == null ? 0 : Integer.parseInt(m.group(2)));
  }

  /** Whether settings added in {@code schema} are known to a runtime that reads this schema. */
  boolean includes(ConfigSchema schema) {
    return major == schema.major && minor >= schema.minor;
  }

  /** The keys a file of this schema may hold, {@value #KEY} included, in the order --help lists them. */
  public List<String> keys() {
    List<String> keys = new ArrayList<>();
    keys.add(KEY);
    for (Setting setting : Setting.values()) {
      if (setting.inFile() && includes(setting.since())) {
        keys.add(setting.key());
      }
    }
    return List.copyOf(keys);
  }

  @Override
  public String toString() {
    return major + "." + minor;
  }
}
