package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * The proxies' main log (runtime flags --log-format and --log-level, passed as DOTPROXY_LOG_FORMAT and
 * DOTPROXY_LOG_LEVEL). Unset fields leave the runtime's defaults, text and info. The query log is
 * {@code spec.queryLog}, on its own stream.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LoggingSpec {

  /** --log-format. */
  public enum Format {
    @JsonProperty("text")
    TEXT,
    @JsonProperty("json")
    JSON;

    public String runtimeName() {
      return name().toLowerCase();
    }
  }

  /** --log-level. */
  public enum Level {
    @JsonProperty("error")
    ERROR,
    @JsonProperty("warn")
    WARN,
    @JsonProperty("info")
    INFO,
    @JsonProperty("debug")
    DEBUG;

    public String runtimeName() {
      return name().toLowerCase();
    }
  }

  @JsonPropertyDescription("text (default) or json: one JSON object per line, for log collectors.")
  private Format format;

  @JsonPropertyDescription("error, warn, info (default) or debug.")
  private Level level;

  public Format getFormat() {
    return format;
  }

  public void setFormat(Format format) {
    this.format = format;
  }

  public Level getLevel() {
    return level;
  }

  public void setLevel(Level level) {
    this.level = level;
  }
}
