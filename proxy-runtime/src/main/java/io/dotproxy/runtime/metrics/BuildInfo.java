package io.dotproxy.runtime.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.jar.Manifest;

/**
 * The running build, from the jar's manifest: {@code Implementation-Version} and {@code Build-Revision}
 * (the source revision, {@code -Ddotproxy.revision=...} at packaging). Classes run outside the jar
 * (tests, an IDE) report "dev" and "unknown".
 */
public final class BuildInfo {

  private BuildInfo() {}

  public static String version() {
    return Optional.ofNullable(BuildInfo.class.getPackage().getImplementationVersion()).orElse("dev");
  }

  public static String revision() {
    return manifestAttribute("Build-Revision").filter(r -> !r.isBlank()).orElse("unknown");
  }

  private static Optional<String> manifestAttribute(String name) {
    var location = BuildInfo.class.getProtectionDomain().getCodeSource();
    if (location == null || !location.getLocation().getPath().endsWith(".jar")) {
      return Optional.empty();
    }
    try (InputStream in = BuildInfo.class.getResourceAsStream("/META-INF/MANIFEST.MF")) {
      return in == null ? Optional.empty() : Optional.ofNullable(new Manifest(in).getMainAttributes().getValue(name));
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
