package io.dotproxy.operator.resources;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.DnsOverTlsProxySpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The proxy container the webhook injects into opted-in pods (Sidecar mode), and the volumes it needs.
 *
 * <p>The sidecar serves DNS on 127.0.0.1:53 only (nothing outside the pod can use it as a resolver) and
 * its admin endpoint on 0.0.0.0:9153: the kubelet sends httpGet probes to the pod IP, and the runtime
 * image has no shell or HTTP client for an exec probe. Port 53 is opened with the pod sysctl
 * net.ipv4.ip_unprivileged_port_start, which the webhook adds to the pod.
 */
public final class ProxySidecarFactory {

  public static final String CONFIG_VOLUME = "dotproxy-config";
  public static final String TMP_VOLUME = "dotproxy-tmp";
  public static final String NO_TOKEN_VOLUME = "dotproxy-no-token";
  /** Every volume the sidecar adds to the pod. */
  public static final Set<String> VOLUMES = Set.of(CONFIG_VOLUME, TMP_VOLUME, NO_TOKEN_VOLUME);
  public static final String ADMIN_PORT_NAME = "dotproxy-admin";

  /** Where the ServiceAccount admission plugin mounts the API token into every container with nothing there. */
  static final String SERVICE_ACCOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";

  /** Value of the pod sysctl net.ipv4.ip_unprivileged_port_start the sidecar needs (at most this). */
  public static final int UNPRIVILEGED_PORT_START = ProxyNames.DNS_PORT;

  public static final String UNPRIVILEGED_PORT_SYSCTL = ProxyContainers.UNPRIVILEGED_PORT_SYSCTL;

  private static final IntOrString ADMIN = new IntOrString(ProxyNames.ADMIN_PORT);

  /**
   * JVM options the java launcher of the proxy image adds to its ENTRYPOINT flags: C1 only. A sidecar
   * answers one application's queries, a few per second, in every pod, so its footprint counts many
   * times over and its speed hardly: C2's compiler arenas and code cost about 30 MiB of peak RSS,
   * for CPU per answer the fleet's shared proxies need and a sidecar does not
   * (docs/explanation/footprint.md).
   */
  static final EnvVar JVM_OPTIONS = new EnvVar("JDK_JAVA_OPTIONS", "-XX:TieredStopAtLevel=1", null);

  private ProxySidecarFactory() {}

  private static List<EnvVar> sidecarEnv(DnsOverTlsProxySpec spec) {
    List<EnvVar> env = new ArrayList<>();
    env.add(JVM_OPTIONS);
    List<EnvVar> logEnv = ProxyContainers.logEnv(spec);
    if (logEnv != null) {
      env.addAll(logEnv);
    }
    return env;
  }

  /**
   * @param nativeSidecar an init container with restartPolicy Always: it starts before every other
   *     container, the next one starts only once its startup probe passed, and it stops after the app
   */
  public static Container container(DnsOverTlsProxy proxy, String defaultImage, boolean nativeSidecar) {
    DnsOverTlsProxySpec spec = proxy.getSpec();
    return new ContainerBuilder()
        .withName(ProxyNames.CONTAINER)
        .withImage(ProxyContainers.image(spec, defaultImage))
        .withArgs("--config", ProxyNames.CONFIG_PATH)
        .withEnv(sidecarEnv(spec))
        .withRestartPolicy(nativeSidecar ? "Always" : null)
        .addNewPort().withName(ADMIN_PORT_NAME).withContainerPort(ProxyNames.ADMIN_PORT).withProtocol("TCP").endPort()
        .withResources(ProxyContainers.resources(spec))
        // The admin endpoint answers once the DNS listeners are bound, so a passing startup probe means
        // the pod's DNS works; a native sidecar holds the app containers back until then. /livez rather
        // than /readyz: cluster names resolve through kube-dns even while every DoT upstream is down,
        // and an upstream outage must not keep applications from starting.
        .withStartupProbe(ProxyContainers.httpProbe("/livez", ADMIN, 1, 120, 1))
        .withLivenessProbe(ProxyContainers.httpProbe("/livez", ADMIN, 10, 3, 2))
        // No readiness probe: a sidecar's readiness is part of the pod's, and an outage of the DoT
        // upstreams must not take every injected application out of its Services.
        .withSecurityContext(ProxyContainers.restrictedSecurityContext())
        .addNewVolumeMount().withName(CONFIG_VOLUME).withMountPath(ProxyNames.CONFIG_DIR).withReadOnly(true).endVolumeMount()
        .addNewVolumeMount().withName(TMP_VOLUME).withMountPath("/tmp").endVolumeMount()
        // The proxy never talks to the API server. The API server runs its built-in admission plugins again
        // on a pod a webhook changed, and the ServiceAccount plugin would then mount the pod's token into
        // this container too; an (empty) mount of our own at its path is what makes the plugin skip it.
        .addNewVolumeMount().withName(NO_TOKEN_VOLUME).withMountPath(SERVICE_ACCOUNT_PATH).withReadOnly(true).endVolumeMount()
        .build();
  }

  /**
   * The proxy's ConfigMap (rendered by the operator, reloaded by the runtime), a scratch directory, and the
   * empty directory that keeps the service-account token out of the proxy container.
   */
  public static List<Volume> volumes(DnsOverTlsProxy proxy) {
    return List.of(
        ProxyContainers.configVolume(CONFIG_VOLUME, ProxyNames.of(proxy)),
        ProxyContainers.tmpVolume(TMP_VOLUME),
        new VolumeBuilder().withName(NO_TOKEN_VOLUME).withNewEmptyDir().endEmptyDir().build());
  }
}
