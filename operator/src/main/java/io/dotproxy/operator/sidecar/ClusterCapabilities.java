package io.dotproxy.operator.sidecar;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.VersionInfo;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * What the cluster's API server accepts in a pod, decided once at startup from its version.
 *
 * @param nativeSidecars inject the proxy as an init container with restartPolicy Always
 * @param maxSearchPaths how many dnsConfig.searches the API server validates (32 since 1.28, 6 before)
 * @param maxSearchChars how long the search list may be, spaces included (2048 since 1.28, 256 before)
 */
public record ClusterCapabilities(boolean nativeSidecars, int maxSearchPaths, int maxSearchChars) {

  /** Native sidecars are beta and on by default from 1.29 (alpha, off by default, in 1.28). */
  static final int NATIVE_SIDECARS_MINOR = 29;

  /** ExpandedDNSConfig is GA (always on) from 1.28. */
  static final int EXPANDED_DNS_MINOR = 28;

  private static final Pattern MINOR = Pattern.compile("^(\\d+)");

  /**
   * @param version the API server's (major, minor), when it could be read
   */
  public static ClusterCapabilities of(Optional<Version> version, NativeSidecars mode) {
    boolean expandedDns = version.map(v -> v.atLeast(1, EXPANDED_DNS_MINOR)).orElse(false);
    boolean nativeSidecars = switch (mode) {
      case TRUE -> true;
      case FALSE -> false;
      case AUTO -> version.map(v -> v.atLeast(1, NATIVE_SIDECARS_MINOR)).orElseThrow(
          () -> new IllegalStateException("--native-sidecars auto needs the API server's version, which could not be read;"
              + " set --native-sidecars true or false"));
    };
    return expandedDns ? new ClusterCapabilities(nativeSidecars, 32, 2048) : new ClusterCapabilities(nativeSidecars, 6, 256);
  }

  /** A Kubernetes version as /version reports it; managed clusters write minors like "29+". */
  public record Version(int major, int minor) {

    public static Optional<Version> parse(String major, String minor) {
      if (major == null || minor == null) {
        return Optional.empty();
      }
      Matcher ma = MINOR.matcher(major.strip());
      Matcher mi = MINOR.matcher(minor.strip());
      if (!ma.find() || !mi.find()) {
        return Optional.empty();
      }
      return Optional.of(new Version(Integer.parseInt(ma.group(1)), Integer.parseInt(mi.group(1))));
    }

    /** The API server's version, or empty (and a warning logged) when it cannot be read. */
    public static Optional<Version> of(KubernetesClient client) {
      try {
        VersionInfo info = client.getKubernetesVersion();
        return info == null ? Optional.empty() : parse(info.getMajor(), info.getMinor());
      } catch (KubernetesClientException e) {
        LoggerFactory.getLogger(ClusterCapabilities.class).warn("cannot read the API server's version: {}", e.getMessage());
        return Optional.empty();
      }
    }

    public boolean atLeast(int major, int minor) {
      return this.major > major || (this.major == major && this.minor >= minor);
    }

    @Override
    public String toString() {
      return major + "." + minor;
    }
  }
}
