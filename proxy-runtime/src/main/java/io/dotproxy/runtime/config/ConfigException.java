package io.dotproxy.runtime.config;

/** A setting that cannot be used; the message is the one line a user sees before exit code 2. */
public final class ConfigException extends Exception {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
