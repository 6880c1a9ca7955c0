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
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.RollingUpdateDaemonSet;
import io.fabric8.kubernetes.api.model.apps.RollingUpdateDaemonSetBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The DaemonSet that runs one proxy per node. */
public final class ProxyDaemonSetFactory {

  private static final long DEFAULT_GRACE_SECONDS = 30;

  private static final IntOrString ADMIN_PORT = new IntOrString(ProxyPorts.ADMIN);

  /** The annotations a Prometheus configured by the common kubernetes-pods example scrapes by. */
  static final Map<String, String> SCRAPE_ANNOTATIONS = Map.of(
      "prometheus.io/scrape", "true",
      "prometheus.io/port", String.valueOf(ProxyNames.ADMIN_PORT),
      "prometheus.io/path", "/metrics");

  /** The proxy image is built for Linux only. */
  static final String OS_LABEL = "kubernetes.io/os";

  private ProxyDaemonSetFactory() {}

  /**
   * Pods get no checksum of the config: config changes reach running proxies through the mounted
   * ConfigMap and the runtime's hot reload, so only image, resources or placement changes roll pods.
   *
   * @param capabilities what the cluster's version accepts in the DaemonSet
   */
  public static DaemonSet desired(DnsOverTlsProxy proxy, String defaultImage, FleetCapabilities capabilities) {
    return desired(proxy, defaultImage, capabilities, ProxyPriority.forPods(proxy, Optional.empty()));
  }

  /** @param priorityClassName the pods' PriorityClass (see {@link ProxyPriority}), null for none */
  public static DaemonSet desired(DnsOverTlsProxy proxy, String defaultImage, FleetCapabilities capabilities,
      String priorityClassName) {
    return desired(proxy, defaultImage, capabilities, priorityClassName, false);
  }

  /**
   * @param scrapeAnnotations whether the pods carry the conventional prometheus.io annotations, for a
   *     Prometheus that discovers pods by annotation rather than by PodMonitor
   */
  public static DaemonSet desired(DnsOverTlsProxy proxy, String defaultImage, FleetCapabilities capabilities,
      String priorityClassName, boolean scrapeAnnotations) {
    DnsOverTlsProxySpec spec = proxy.getSpec();
    Placement placement = spec.getPlacement() == null ? new Placement() : spec.getPlacement();
    DaemonSet daemonSet = new DaemonSetBuilder()
        .withMetadata(ProxyMetadata.of(proxy))
        .withNewSpec()
        .withNewSelector()
        .withMatchLabels(ProxyLabels.selector(proxy))
        .endSelector()
        .withNewUpdateStrategy()
        .withType("RollingUpdate")
        .withRollingUpdate(rollingUpdate(capabilities))
        .endUpdateStrategy()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(ProxyLabels.of(proxy))
        .withAnnotations(scrapeAnnotations ? SCRAPE_ANNOTATIONS : null)
        .endMetadata()
        .withNewSpec()
        .withContainers(container(spec, defaultImage, capabilities.podDnsPort()))
        .withVolumes(ProxyContainers.configVolume("config", ProxyNames.of(proxy)), ProxyContainers.tmpVolume("tmp"))
        .withSecurityContext(podSecurityContext(capabilities))
        // The proxy must not resolve through CoreDNS, which may be forwarding to this very proxy.
        .withDnsPolicy("Default")
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withTerminationGracePeriodSeconds(gracePeriodSeconds(spec))
        .withNodeSelector(nodeSelector(placement))
        .withTolerations(placement.getTolerations() == null ? defaultTolerations() : placement.getTolerations())
        .withAffinity(placement.getAffinity())
        .withPriorityClassName(priorityClassName)
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
    return DesiredStateHash.stamp(daemonSet);
  }

  /**
   * Where the cluster allows it, a node is never without DNS during a rollout: the new pod starts beside
   * the old one, and the old one stops only when the new one is ready.
   */
  private static RollingUpdateDaemonSet rollingUpdate(FleetCapabilities capabilities) {
    return capabilities.daemonSetMaxSurge()
        ? new RollingUpdateDaemonSetBuilder().withMaxUnavailable(new IntOrString(0)).withMaxSurge(new IntOrString(1)).build()
        : new RollingUpdateDaemonSetBuilder().withMaxUnavailable(new IntOrString(1)).build();
  }

  /**
   * Linux nodes only: the default tolerations admit tainted nodes, and a Windows node would otherwise
   * get a pod that can never start. An explicit {@code kubernetes.io/os} in the placement wins.
   */
  private static Map<String, String> nodeSelector(Placement placement) {
    Map<String, String> selector = new LinkedHashMap<>();
    selector.put(OS_LABEL, "linux");
    if (placement.getNodeSelector() != null) {
      selector.putAll(placement.getNodeSelector());
    }
    return selector;
  }

  private static Container container(DnsOverTlsProxySpec spec, String defaultImage, int dnsPort) {
    return new ContainerBuilder()
        .withName(ProxyNames.CONTAINER)
        .withImage(ProxyContainers.image(spec, defaultImage))
        .withArgs("--config", ProxyNames.CONFIG_PATH)
        .withEnv(ProxyContainers.logEnv(spec))
        .withPorts(
            new ContainerPortBuilder().withName(ProxyPorts.DNS_UDP).withContainerPort(dnsPort).withProtocol("UDP").build(),
            new ContainerPortBuilder().withName(ProxyPorts.DNS_TCP).withContainerPort(dnsPort).withProtocol("TCP").build(),
            new ContainerPortBuilder().withName(ProxyPorts.ADMIN).withContainerPort(ProxyNames.ADMIN_PORT).withProtocol("TCP").build())
        .withResources(ProxyContainers.resources(spec))
        // A JVM takes a few seconds to start; the startup probe keeps liveness from killing it meanwhile.
        .withStartupProbe(ProxyContainers.httpProbe("/livez", ADMIN_PORT, 2, 30, 2))
        .withLivenessProbe(ProxyContainers.httpProbe("/livez", ADMIN_PORT, 10, 3, 2))
        .withReadinessProbe(ProxyContainers.httpProbe("/readyz", ADMIN_PORT, 5, 2, 2))
        .withSecurityContext(containerSecurityContext())
        .addNewVolumeMount().withName("config").withMountPath(ProxyNames.CONFIG_DIR).withReadOnly(true).endVolumeMount()
        .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
        .build();
  }

  /**
   * Port 53 is opened through the namespaced sysctl net.ipv4.ip_unprivileged_port_start rather than
   * the NET_BIND_SERVICE capability: a non-root process does not get an added capability in its
   * effective set (Kubernetes sets no ambient capabilities), so the capability would only work together
   * with file capabilities and privilege escalation, both of which the restricted profile forbids.
   * Where kubelets may refuse the sysctl, the pods listen on an unprivileged port instead.
   */
  private static PodSecurityContext podSecurityContext(FleetCapabilities capabilities) {
    PodSecurityContextBuilder context = new PodSecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withRunAsUser(ProxyContainers.NON_ROOT_ID)
        .withRunAsGroup(ProxyContainers.NON_ROOT_ID)
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile();
    if (capabilities.port53Sysctl()) {
      context.addNewSysctl().withName(ProxyContainers.UNPRIVILEGED_PORT_SYSCTL)
          .withValue(String.valueOf(ProxyNames.DNS_PORT)).endSysctl();
    }
    return context.build();
  }

  /** Node-local DNS has to run where CoreDNS and its clients run, tainted nodes included. */
  private static List<Toleration> defaultTolerations() {
    return List.of(
        new TolerationBuilder().withOperator("Exists").withEffect("NoSchedule").build(),
        new TolerationBuilder().withOperator("Exists").withEffect("NoExecute").build(),
        new TolerationBuilder().withKey("CriticalAddonsOnly").withOperator("Exists").build());
  }

  private static SecurityContext containerSecurityContext() {
    // The pod's securityContext already sets the ids; the container's repeats only what it must.
    SecurityContext sc = ProxyContainers.restrictedSecurityContext();
    sc.setRunAsUser(null);
    sc.setRunAsGroup(null);
    return sc;
  }

  private static long gracePeriodSeconds(DnsOverTlsProxySpec spec) {
    // Draining must fit inside the grace period, with room left for the JVM to stop.
    return spec.getDrainPeriod() == null
        ? DEFAULT_GRACE_SECONDS
        : Math.max(DEFAULT_GRACE_SECONDS, Durations.toSecondsRoundedUp(spec.getDrainPeriod()) + 10);
  }
}
