package io.dotproxy.operator.resources;

import io.dotproxy.operator.model.DnsOverTlsProxySpec;
import io.dotproxy.operator.model.LoggingSpec;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.util.ArrayList;
import java.util.List;

/** What the DaemonSet's proxy container and an injected sidecar have in common. */
public final class ProxyContainers {

  /** The runtime image uses this uid/gid (distroless "nonroot"). */
  static final long NON_ROOT_ID = 65532L;

  /** The sysctl that lets a non-root process bind port 53; namespaced, and on Kubernetes' safe list. */
  static final String UNPRIVILEGED_PORT_SYSCTL = "net.ipv4.ip_unprivileged_port_start";

  private ProxyContainers() {}

  /** The image the proxies of this spec run. */
  public static String image(DnsOverTlsProxySpec spec, String defaultImage) {
    return spec.getImage() == null ? defaultImage : spec.getImage();
  }

  static ResourceRequirements resources(DnsOverTlsProxySpec spec) {
    return spec.getResources() == null ? defaultResources() : spec.getResources();
  }

  static ResourceRequirements defaultResources() {
    return new ResourceRequirementsBuilder()
        .addToRequests("cpu", new Quantity("50m"))
        .addToRequests("memory", new Quantity("128Mi"))
        .addToLimits("memory", new Quantity("256Mi"))
        .build();
  }

  /** The restricted Pod Security profile, with the runtime image's non-root uid set explicitly. */
  static SecurityContext restrictedSecurityContext() {
    return new SecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withRunAsUser(NON_ROOT_ID)
        .withRunAsGroup(NON_ROOT_ID)
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withNewCapabilities().withDrop("ALL").endCapabilities()
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .build();
  }

  static Probe httpProbe(String path, IntOrString port, int periodSeconds, int failureThreshold, int timeoutSeconds) {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withPath(path)
        .withPort(port)
        .endHttpGet()
        .withPeriodSeconds(periodSeconds)
        .withFailureThreshold(failureThreshold)
        .withTimeoutSeconds(timeoutSeconds)
        .build();
  }

  /** Mounted as a directory, never with subPath: only a directory mount sees ConfigMap updates. */
  static Volume configVolume(String volumeName, String configMapName) {
    return new VolumeBuilder()
        .withName(volumeName)
        .withNewConfigMap().withName(configMapName).endConfigMap()
        .build();
  }

  /** The root filesystem is read-only; the JVM still wants a small scratch directory. */
  static Volume tmpVolume(String volumeName) {
    return new VolumeBuilder()
        .withName(volumeName)
        .withNewEmptyDir().withSizeLimit(new Quantity("16Mi")).endEmptyDir()
        .build();
  }

  /**
   * spec.logging as the runtime's environment variables; only what is set, and null when nothing is, so
   * that a spec without it leaves the pod template (its hash, the running proxies) as it was.
   */
  static List<EnvVar> logEnv(DnsOverTlsProxySpec spec) {
    LoggingSpec logging = spec.getLogging();
    List<EnvVar> env = new ArrayList<>();
    if (logging != null && logging.getFormat() != null) {
      env.add(new EnvVar("DOTPROXY_LOG_FORMAT", logging.getFormat().runtimeName(), null));
    }
    if (logging != null && logging.getLevel() != null) {
      env.add(new EnvVar("DOTPROXY_LOG_LEVEL", logging.getLevel().runtimeName(), null));
    }
    return env.isEmpty() ? null : env;
  }
}
