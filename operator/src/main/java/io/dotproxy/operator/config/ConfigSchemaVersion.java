package io.dotproxy.operator.config;

/**
 * The version of the runtime's config file format, MAJOR.MINOR, as the rendered file's {@code version}
 * key states it (docs/reference/config-file.md). The runtime's ConfigSchema is the definition; the operator
 * does not ship the runtime's code, so it keeps this small copy.
 */
public record ConfigSchemaVersion(int major, int minor) {

  @Override
  public String toString() {
    return major + "." + minor;
  }
}
