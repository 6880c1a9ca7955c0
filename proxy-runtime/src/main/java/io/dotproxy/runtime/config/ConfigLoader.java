package io.dotproxy.runtime.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads settings from flags, environment and the YAML file, in that order of precedence, and
 * validates them into one {@link ProxyConfig}. Keeps its flags and environment so that the file can
 * be read again on reload with the same precedence.
 */
public final class ConfigLoader {

  private final Map<Setting, RawSetting> flags;
  private final Map<Setting, RawSetting> env;

  private ConfigLoader(Map<Setting, RawSetting> flags, Map<Setting, RawSetting> env) {
    this.flags = flags;
    this.env = env;
  }

  /** Parses flags and environment; the file named by {@code --config} is read by {@link #load()}. */
  public static ConfigLoader of(List<String> args, Map<String, String> environment)
      throws ConfigException {
    return new ConfigLoader(parseFlags(args), readEnvironment(environment));
  }

  /** Convenience for the command line: flags, environment and file in one step. */
  public static ProxyConfig load(List<String> args, Map<String, String> environment)
      throws ConfigException {
    return of(args, environment).load();
  }

  /** Parses a YAML config document alone (plus defaults), as the operator renders it. */
  public static ProxyConfig fromYaml(String yaml) throws ConfigException {
    return ConfigValidator.validate(parseYaml(yaml, "config"), Optional.empty());
  }

  /** Reads the config file (if any) now and validates everything into a config. */
  public ProxyConfig load() throws ConfigException {
    Optional<Path> file = configFile();
    Map<Setting, RawSetting> merged = new EnumMap<>(Setting.class);
    if (file.isPresent()) {
      merged.putAll(readFile(file.get()));
    }
    merged.putAll(env);
    merged.putAll(flags);
    return ConfigValidator.validate(merged, file);
  }

  /** The YAML file to read and watch, as chosen by flag or environment. */
  public Optional<Path> configFile() throws ConfigException {
    RawSetting raw = flags.containsKey(Setting.CONFIG) ? flags.get(Setting.CONFIG) : env.get(Setting.CONFIG);
    if (raw == null) {
      return Optional.empty();
    }
    return Optional.of(Path.of(raw.single()));
  }

  /** The usage text for {@code --help}. */
  public static String usage() {
    return "Usage: java -jar proxy-runtime.jar [flags]\n"
        + "Plain DNS in (UDP and TCP), DNS over TLS out. Every flag also reads from DOTPROXY_<NAME>\n"
        + "and from the --config YAML file; precedence: flag > env > file > default.\n\n"
        + Arrays.stream(Setting.values()).map(Setting::usageLine).collect(Collectors.joining("\n"))
        + "\n  --help, --version";
  }

  private static Map<Setting, RawSetting> parseFlags(List<String> args) throws ConfigException {
    Map<Setting, RawSetting> result = new EnumMap<>(Setting.class);
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("--")) {
        throw new ConfigException("unexpected argument '" + arg + "' (flags start with --)");
      }
      String name = arg.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      Setting setting = Setting.byKey(name)
          .orElseThrow(() -> new ConfigException("unknown flag " + arg + " (see --help)"));
      if (value == null && setting.isBoolean()
          && (i + 1 >= args.size() || args.get(i + 1).startsWith("--"))) {
        value = "true";
      }
      if (value == null) {
        if (i + 1 >= args.size()) {
          throw new ConfigException("flag " + setting.flag() + " needs a value");
        }
        value = args.get(++i);
      }
      RawSetting previous = result.get(setting);
      if (previous != null && !setting.repeatable()) {
        throw new ConfigException("flag " + setting.flag() + " given twice");
      }
      List<Object> values = previous == null ? new ArrayList<>() : new ArrayList<>(previous.values());
      values.add(value);
      result.put(setting, new RawSetting(setting.flag(), values));
    }
    return result;
  }

  private static Map<Setting, RawSetting> readEnvironment(Map<String, String> environment) {
    Map<Setting, RawSetting> result = new EnumMap<>(Setting.class);
    for (Setting setting : Setting.values()) {
      String value = environment.get(setting.envName());
      if (value == null || value.isBlank()) {
        continue;
      }
      List<Object> values = setting.repeatable()
          ? List.copyOf(Arrays.asList((Object[]) value.trim().split("[\\s;]+")))
          : List.of(value.trim());
      result.put(setting, new RawSetting(setting.envName(), values));
    }
    return result;
  }

  private static Map<Setting, RawSetting> readFile(Path file) throws ConfigException {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("cannot read --config " + file + ": " + e.getMessage(), e);
    }
    return parseYaml(text, file.toString());
  }

  private static Map<Setting, RawSetting> parseYaml(String text, String origin) throws ConfigException {
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
      return Map.of();
    }
    if (!(document instanceof Map<?, ?> map)) {
      throw new ConfigException(origin + " must be a YAML mapping of setting: value");
    }
    Map<Setting, RawSetting> result = new EnumMap<>(Setting.class);
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      String key = String.valueOf(entry.getKey());
      Setting setting = Setting.byKey(key)
          .filter(s -> s != Setting.CONFIG)
          .orElseThrow(() -> new ConfigException("unknown setting '" + key + "' in " + origin));
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
      result.put(setting, new RawSetting(key + " in " + origin, values));
    }
    return result;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    return message.lines().map(String::trim).filter(l -> !l.isEmpty()).findFirst().orElse("");
  }
}
