package io.dotproxy.runtime.config;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads a YAML config file's settings, as far as a runtime that reads schema {@code readable} (and
 * older minors of its major) understands them; see {@link ConfigSchema}.
 *
 * <p>A file of another major is refused: it may mean something else by a key this runtime knows. An
 * unknown key is refused while the file's schema is not newer than {@code readable}, so a typo in a
 * hand-written file never passes silently; in a file of a newer minor it is a setting that minor
 * added, skipped with a warning, so an operator that renders a newer minor never crash-loops an
 * older runtime.
 */
final class ConfigFileReader {

  /** A file's settings, the schema it declared and the keys skipped because that schema is newer. */
  record Contents(ConfigSchema schema, Map<Setting, RawSetting> settings, List<String> skippedKeys) {

    Contents {
      settings = Map.copyOf(settings);
      skippedKeys = List.copyOf(skippedKeys);
    }

    /** The warning a skipped key deserves: it names the keys only, never their values. */
    Optional<String> warning(String origin, ConfigSchema readable) {
      if (skippedKeys.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(origin + " is written in config schema " + schema + ", newer than the " + readable
          + " this runtime reads; ignoring the settings it does not know: " + String.join(", ", skippedKeys));
    }
  }

  private final ConfigSchema readable;

  ConfigFileReader(ConfigSchema readable) {
    this.readable = readable;
  }

  Contents read(String text, String origin) throws ConfigException {
    Object document;
    try {
      document = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    } catch (YAMLException e) {
      throw new ConfigException(origin + " is not valid YAML: " + firstLine(e.getMessage()), e);
    } catch (RuntimeException e) {
      // SnakeYAML lets some scalar errors through unwrapped: "._" resolves as a float and then
      // fails Double.valueOf with a NumberFormatException (found by ConfigFuzzTest).
      throw new ConfigException(origin + " is not valid YAML: " + e, e);
    }
    if (document == null) {
      return new Contents(ConfigSchema.UNVERSIONED, Map.of(), List.of());
    }
    if (!(document instanceof Map<?, ?> map)) {
      throw new ConfigException(origin + " must be a YAML mapping of setting: value");
    }
    ConfigSchema schema = schema(map.get(ConfigSchema.KEY), origin);
    boolean newerMinor = schema.minor() > readable.minor();
    Map<Setting, RawSetting> settings = new EnumMap<>(Setting.class);
    List<String> skipped = new ArrayList<>();
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      String key = String.valueOf(entry.getKey());
      if (key.equals(ConfigSchema.KEY)) {
        continue;
      }
      Optional<Setting> known = Setting.byKey(key).filter(Setting::inFile).filter(s -> readable.includes(s.since()));
      if (known.isEmpty() && newerMinor) {
        skipped.add(key);
        continue;
      }
      Setting setting = known.orElseThrow(() -> new ConfigException("unknown setting '" + key + "' in " + origin));
      Object value = entry.getValue();
      if (value == null) {
        continue;
      }
      if (value instanceof List<?> list && list.contains(null)) {
        // "upstream:\n  -": an empty list item (found by ConfigFuzzTest; List.copyOf rejects null)
        throw new ConfigException(key + " in " + origin + " has an empty list item");
      }
      List<Object> values = value instanceof List<?> list ? List.copyOf(list) : List.of(value);
      if (!setting.repeatable() && values.size() != 1) {
        throw new ConfigException(key + " in " + origin + " takes one value, not a list");
      }
      settings.put(setting, new RawSetting(key + " in " + origin, values));
    }
    return new Contents(schema, settings, skipped);
  }

  private ConfigSchema schema(Object value, String origin) throws ConfigException {
    if (value == null) {
      return ConfigSchema.UNVERSIONED;
    }
    if (value instanceof Double) {
      // YAML reads 1.10 as the number 1.1: only a string keeps the minor it was written with.
      throw new ConfigException(ConfigSchema.KEY + " in " + origin + " must be quoted, e.g. " + ConfigSchema.KEY
          + ": \"" + readable + "\", because YAML reads " + value + " as a number");
    }
    ConfigSchema schema;
    try {
      schema = ConfigSchema.parse(String.valueOf(value));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(ConfigSchema.KEY + " in " + origin + ": " + e.getMessage(), e);
    }
    if (schema.major() != readable.major()) {
      throw new ConfigException(origin + " is written in config schema " + schema + ", but this runtime reads schema "
          + readable.major() + ".x up to " + readable + (schema.major() > readable.major()
              ? ": run a proxy image that reads schema " + schema.major() + ".x, or write the file for schema " + readable
              : ": rewrite the file for schema " + readable + " (docs/reference/config-file.md)"));
    }
    return schema;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    return message.lines().map(String::trim).filter(l -> !l.isEmpty()).findFirst().orElse("");
  }
}
