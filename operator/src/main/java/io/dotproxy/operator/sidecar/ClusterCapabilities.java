package io.dotproxy.operator.sidecar;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.VersionInfo;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the cluster accepts in a pod, decided once at startup from the API server's version; with
 * {@code --native-sidecars auto} native sidecars also wait for every Linux node's kubelet
 * ({@link KubeletVersionWatch}). The fleet's DaemonSet and Service have theirs in
 * {@link io.dotproxy.operator.resources.FleetCapabilities}.
 *
 * @param nativeSidecars inject the proxy as an init container with restartPolicy Always
 * @param maxSearchPaths how many dnsConfig.searches the API server validates (32 since 1.28, 6 before)
 * @param maxSearchChars how long the search list may be, spaces included (2048 since 1.28, 256 before)
 */
public record ClusterCapabilities(boolean nativeSidecars, int maxSearchPaths, int maxSearchChars) {

  private static final Logger log = LoggerFactory.getLogger(ClusterCapabilities.class);

  /**
   * Native sidecars are beta and on by default from 1.29 (alpha, off by default, in 1.28), in the API
   * server and in the kubelet alike.
   */
  static final int NATIVE_SIDECARS_MINOR = 29;

  /** ExpandedDNSConfig is GA (always on) from 1.28. */
  static final int EXPANDED_DNS_MINOR = 28;

  private static final Pattern MINOR = Pattern.compile("^(\\d+)");

  /** A git version such as a kubelet reports: v1.29.3, v1.28.2-eks-a5df82a, v1.30.1+k3s1. */
  private static final Pattern GIT_VERSION = Pattern.compile("^v?(\\d+)\\.(\\d+)");

  /** The same limits, injecting native sidecars or not. */
  public ClusterCapabilities withNativeSidecars(boolean nativeSidecars) {
    return new ClusterCapabilities(nativeSidecars, maxSearchPaths, maxSearchChars);
  }

  /**
   * What the API server allows; in auto mode {@link KubeletVersionWatch} also asks the nodes.
   *
   * @param version the API server's (major, minor), when it could be read
   */
  public static ClusterCapabilities of(Optional<Version> version, NativeSidecars mode) {
    boolean expandedDns = version.map(v -> v.atLeast(1, EXPANDED_DNS_MINOR)).orElse(false);
    boolean nativeSidecars = switch (mode) {
      case TRUE -> true;
      case FALSE -> false;
      case AUTO -> version.map(ClusterCapabilities::runsNativeSidecars).orElseThrow(
          () -> new IllegalStateException("--native-sidecars auto needs the API server's version, which could not be read;"
              + " set --native-sidecars true or false"));
    };
    return expandedDns ? new ClusterCapabilities(nativeSidecars, 32, 2048) : new ClusterCapabilities(nativeSidecars, 6, 256);
  }

  /** Whether an API server or kubelet of this version runs native sidecars by default. */
  static boolean runsNativeSidecars(Version version) {
    return version.atLeast(1, NATIVE_SIDECARS_MINOR);
  }

  /** A Kubernetes version as /version reports it; managed clusters write minors like "29+". */
  public record Version(int major, int minor) {

    /** The API server's /version, or empty when it cannot be read or understood. */
    public static Optional<Version> read(KubernetesClient client) {
      try {
        VersionInfo info = client.getKubernetesVersion();
        return info == null ? Optional.empty() : parse(info.getMajor(), info.getMinor());
      } catch (KubernetesClientException e) {
        log.warn("cannot read the API server's version: {}", e.getMessage());
        return Optional.empty();
      }
    }

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

    /** A version such as {@code status.nodeInfo.kubeletVersion}, or empty when it is not one. */
    public static Optional<Version> parseGitVersion(String gitVersion) {
      Matcher m = GIT_VERSION.matcher(gitVersion == null ? "" : gitVersion.strip());
      return m.find() ? Optional.of(new Version(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)))) : Optional.empty();
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
