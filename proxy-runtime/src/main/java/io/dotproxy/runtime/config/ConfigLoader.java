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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads settings from flags, environment and the YAML file, in that order of precedence, and
 * validates them into one {@link ProxyConfig}. Keeps its flags and environment so that the file can
 * be read again on reload with the same precedence.
 */
public final class ConfigLoader {

  private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);

  private final Map<Setting, RawSetting> flags;
  private final Map<Setting, RawSetting> env;
  private final ConfigSchema readable;

  private ConfigLoader(Map<Setting, RawSetting> flags, Map<Setting, RawSetting> env, ConfigSchema readable) {
    this.flags = flags;
    this.env = env;
    this.readable = readable;
  }

  /** Parses flags and environment; the file named by {@code --config} is read by {@link #load()}. */
  public static ConfigLoader of(List<String> args, Map<String, String> environment)
      throws ConfigException {
    return of(args, environment, ConfigSchema.CURRENT);
  }

  /**
   * @param readable the newest config schema the file may be written in; below {@link ConfigSchema#CURRENT}
   *     it makes this loader read files as an older runtime would
   */
  public static ConfigLoader of(List<String> args, Map<String, String> environment, ConfigSchema readable)
      throws ConfigException {
    return new ConfigLoader(parseFlags(args), readEnvironment(environment), readable);
  }

  /** Convenience for the command line: flags, environment and file in one step. */
  public static ProxyConfig load(List<String> args, Map<String, String> environment)
      throws ConfigException {
    return of(args, environment).load();
  }

  /** Parses a YAML config document alone (plus defaults), as the operator renders it. */
  public static ProxyConfig fromYaml(String yaml) throws ConfigException {
    return fromYaml(yaml, ConfigSchema.CURRENT);
  }

  /** As {@link #fromYaml(String)}, read as a runtime that reads schema {@code readable} at most. */
  public static ProxyConfig fromYaml(String yaml, ConfigSchema readable) throws ConfigException {
    return ConfigValidator.validate(readYaml(yaml, "config", readable), Optional.empty());
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
        + "\n  --check-config                           validate the settings (and the --config file), bind"
        + " nothing, exit 0 or 2\n  --help, --version";
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

  private Map<Setting, RawSetting> readFile(Path file) throws ConfigException {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("cannot read --config " + file + ": " + e.getMessage(), e);
    }
    return readYaml(text, file.toString(), readable);
  }

  private static Map<Setting, RawSetting> readYaml(String text, String origin, ConfigSchema readable)
      throws ConfigException {
    ConfigFileReader.Contents contents = new ConfigFileReader(readable).read(text, origin);
    contents.warning(origin, readable).ifPresent(log::warn);
    return contents.settings();
  }
}
