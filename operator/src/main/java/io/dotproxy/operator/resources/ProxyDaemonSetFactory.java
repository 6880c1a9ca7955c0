package io.dotproxy.operator.resources;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.DnsOverTlsProxySpec;
import io.dotproxy.operator.model.Durations;
import io.dotproxy.operator.model.Placement;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import java.util.List;

/** The DaemonSet that runs one proxy per node. */
public final class ProxyDaemonSetFactory {

  /** The runtime image uses this uid/gid (distroless "nonroot"). */
  static final long NON_ROOT_ID = 65532L;

  private static final long DEFAULT_GRACE_SECONDS = 30;

  private ProxyDaemonSetFactory() {}

  /**
   * Pods get no checksum of the config: config changes reach running proxies through the mounted
   * ConfigMap and the runtime's hot reload, so only image, resources or placement changes roll pods.
   */
  public static DaemonSet desired(DnsOverTlsProxy proxy, String defaultImage) {
    DnsOverTlsProxySpec spec = proxy.getSpec();
    Placement placement = spec.getPlacement() == null ? new Placement() : spec.getPlacement();
    DaemonSet daemonSet = new DaemonSetBuilder()
        .withNewMetadata()
        .withName(ProxyNames.of(proxy))
        .withNamespace(proxy.getMetadata().getNamespace())
        .withLabels(ProxyLabels.of(proxy))
        .endMetadata()
        .withNewSpec()
        .withNewSelector()
        .withMatchLabels(ProxyLabels.selector(proxy))
        .endSelector()
        // A node is never without DNS during a rollout: the new pod starts beside the old one and the
        // old one stops only when the new one is ready.
        .withNewUpdateStrategy()
        .withType("RollingUpdate")
        .withNewRollingUpdate()
        .withMaxUnavailable(new IntOrString(0))
        .withMaxSurge(new IntOrString(1))
        .endRollingUpdate()
        .endUpdateStrategy()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(ProxyLabels.of(proxy))
        .endMetadata()
        .withNewSpec()
        .withContainers(container(spec, defaultImage))
        .withVolumes(configVolume(proxy), tmpVolume())
        .withSecurityContext(podSecurityContext())
        // The proxy must not resolve through CoreDNS, which may be forwarding to this very proxy.
        .withDnsPolicy("Default")
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withTerminationGracePeriodSeconds(gracePeriodSeconds(spec))
        .withNodeSelector(placement.getNodeSelector())
        .withTolerations(placement.getTolerations() == null ? defaultTolerations() : placement.getTolerations())
        .withAffinity(placement.getAffinity())
        .withPriorityClassName(placement.getPriorityClassName())
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
    return DesiredStateHash.stamp(daemonSet);
  }

  private static Container container(DnsOverTlsProxySpec spec, String defaultImage) {
    return new ContainerBuilder()
        .withName(ProxyNames.CONTAINER)
        .withImage(spec.getImage() == null ? defaultImage : spec.getImage())
        .withArgs("--config", ProxyNames.CONFIG_PATH)
        .withPorts(
            new ContainerPortBuilder().withName(ProxyPorts.DNS_UDP).withContainerPort(ProxyNames.DNS_PORT).withProtocol("UDP").build(),
            new ContainerPortBuilder().withName(ProxyPorts.DNS_TCP).withContainerPort(ProxyNames.DNS_PORT).withProtocol("TCP").build(),
            new ContainerPortBuilder().withName(ProxyPorts.ADMIN).withContainerPort(ProxyNames.ADMIN_PORT).withProtocol("TCP").build())
        .withResources(spec.getResources() == null ? defaultResources() : spec.getResources())
        // A JVM takes a few seconds to start; the startup probe keeps liveness from killing it meanwhile.
        .withStartupProbe(httpProbe("/livez", 2, 30))
        .withLivenessProbe(httpProbe("/livez", 10, 3))
        .withReadinessProbe(httpProbe("/readyz", 5, 2))
        .withSecurityContext(containerSecurityContext())
        .addNewVolumeMount().withName("config").withMountPath(ProxyNames.CONFIG_DIR).withReadOnly(true).endVolumeMount()
        .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
        .build();
  }

  private static Probe httpProbe(String path, int periodSeconds, int failureThreshold) {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withPath(path)
        .withPort(new IntOrString(ProxyPorts.ADMIN))
        .endHttpGet()
        .withPeriodSeconds(periodSeconds)
        .withFailureThreshold(failureThreshold)
        .withTimeoutSeconds(2)
        .build();
  }

  /**
   * Port 53 is opened through the namespaced sysctl net.ipv4.ip_unprivileged_port_start rather than
   * the NET_BIND_SERVICE capability: a non-root process does not get an added capability in its
   * effective set (Kubernetes sets no ambient capabilities), so the capability would only work together
   * with file capabilities and privilege escalation, both of which the restricted profile forbids.
   */
  private static PodSecurityContext podSecurityContext() {
    return new PodSecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withRunAsUser(NON_ROOT_ID)
        .withRunAsGroup(NON_ROOT_ID)
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .addNewSysctl().withName("net.ipv4.ip_unprivileged_port_start").withValue(String.valueOf(ProxyNames.DNS_PORT)).endSysctl()
        .build();
  }

  private static SecurityContext containerSecurityContext() {
    return new SecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withNewCapabilities().withDrop("ALL").endCapabilities()
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .build();
  }

  private static Volume configVolume(DnsOverTlsProxy proxy) {
    // Mounted as a directory, never with subPath: only a directory mount sees ConfigMap updates,
    // which is what lets the runtime hot-reload its config.
    return new VolumeBuilder()
        .withName("config")
        .withNewConfigMap().withName(ProxyNames.of(proxy)).endConfigMap()
        .build();
  }

  private static Volume tmpVolume() {
    // The root filesystem is read-only; the JVM still wants a small scratch directory.
    return new VolumeBuilder()
        .withName("tmp")
        .withNewEmptyDir().withSizeLimit(new Quantity("16Mi")).endEmptyDir()
        .build();
  }

  private static ResourceRequirements defaultResources() {
    return new ResourceRequirementsBuilder()
        .addToRequests("cpu", new Quantity("50m"))
        .addToRequests("memory", new Quantity("128Mi"))
        .addToLimits("memory", new Quantity("256Mi"))
        .build();
  }

  /** Node-local DNS has to run where CoreDNS and its clients run, tainted nodes included. */
  private static List<Toleration> defaultTolerations() {
    return List.of(
        new TolerationBuilder().withOperator("Exists").withEffect("NoSchedule").build(),
        new TolerationBuilder().withOperator("Exists").withEffect("NoExecute").build(),
        new TolerationBuilder().withKey("CriticalAddonsOnly").withOperator("Exists").build());
  }

  private static long gracePeriodSeconds(DnsOverTlsProxySpec spec) {
    // Draining must fit inside the grace period, with room left for the JVM to stop.
    return spec.getDrainPeriod() == null
        ? DEFAULT_GRACE_SECONDS
        : Math.max(DEFAULT_GRACE_SECONDS, Durations.toSecondsRoundedUp(spec.getDrainPeriod()) + 10);
  }
}
