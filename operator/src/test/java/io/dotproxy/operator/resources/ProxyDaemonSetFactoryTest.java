package io.dotproxy.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.tuple;

import io.dotproxy.operator.config.ProxyAddresses;
import io.dotproxy.operator.config.TrustedCaBundle;
import io.dotproxy.operator.network.IpFamilies;
import io.dotproxy.operator.model.CacheSpec;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.Placement;
import io.dotproxy.operator.sidecar.ClusterCapabilities.Version;
import io.dotproxy.operator.testing.TestProxies;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ProxyDaemonSetFactoryTest {

  static final String IMAGE = "ghcr.io/dotproxy/proxy-runtime:1.0.0";
  static final FleetCapabilities KUBERNETES_1_21 = FleetCapabilities.of(Optional.of(new Version(1, 21)));

  /** For a current cluster; the real v1.20 API server checks the other side (DaemonSetModeIT). */
  static DaemonSet desired(DnsOverTlsProxy proxy) {
    return ProxyDaemonSetFactory.desired(proxy, IMAGE, FleetCapabilities.CURRENT);
  }

  @Test
  void podsRunRestrictedAndBindPort53ThroughTheSysctl() {
    PodSpec pod = desired(TestProxies.quad9("dns", "edge")).getSpec().getTemplate().getSpec();
    Container container = pod.getContainers().get(0);

    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getSecurityContext().getSysctls())
        .singleElement()
        .satisfies(s -> {
          assertThat(s.getName()).isEqualTo("net.ipv4.ip_unprivileged_port_start");
          assertThat(s.getValue()).isEqualTo("53");
        });
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(container.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(pod.getDnsPolicy()).isEqualTo("Default");
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
  }

  @Test
  void containerRunsTheRuntimeWithItsConfigAndAdminProbes() {
    Container container = desired(TestProxies.quad9("dns", "edge"))
        .getSpec().getTemplate().getSpec().getContainers().get(0);

    assertThat(container.getName()).isEqualTo("dotproxy");
    assertThat(container.getImage()).isEqualTo(IMAGE);
    assertThat(container.getArgs()).containsExactly("--config", "/etc/dotproxy/config.yaml");
    assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/livez");
    assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(container.getPorts()).anySatisfy(p -> {
      assertThat(p.getName()).isEqualTo("admin");
      assertThat(p.getContainerPort()).isEqualTo(9153);
    });
    assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(container.getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo("/etc/dotproxy");
      assertThat(m.getSubPath()).isNull(); // subPath mounts never see ConfigMap updates
    });
  }

  @Test
  void rollsOutWithoutEverLeavingANodeWithoutAProxy() {
    DaemonSet ds = desired(TestProxies.quad9("dns", "edge"));

    assertThat(ds.getSpec().getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
    assertThat(ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
    assertThat(ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxSurge().getIntVal()).isEqualTo(1);
  }

  @Test
  void beforeKubernetes122RollsOneNodeAtATimeBecauseTheApiServerRefusesMaxUnavailableZeroWithoutSurge() {
    DaemonSet ds = ProxyDaemonSetFactory.desired(TestProxies.quad9("dns", "edge"), IMAGE, KUBERNETES_1_21);

    assertThat(ds.getSpec().getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
    assertThat(ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxSurge()).isNull();
    assertThat(DesiredStateHash.same(ds, desired(TestProxies.quad9("dns", "edge"))))
        .as("an operator restarted after an upgrade to 1.22 rewrites the DaemonSet").isFalse();
  }

  @Test
  void whereKubeletsMayRefuseThePortSysctlThePodsListenOnAnUnprivilegedPortWithoutIt() {
    PodSpec pod = ProxyDaemonSetFactory.desired(TestProxies.quad9("dns", "edge"), IMAGE, KUBERNETES_1_21)
        .getSpec().getTemplate().getSpec();

    assertThat(pod.getSecurityContext().getSysctls()).isEmpty();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getContainers().get(0).getPorts())
        .extracting(ContainerPort::getName, ContainerPort::getContainerPort, ContainerPort::getProtocol)
        .containsExactly(tuple("dns-udp", 5353, "UDP"), tuple("dns-tcp", 5353, "TCP"), tuple("admin", 9153, "TCP"));
  }

  @Test
  void theConfigTheContainerPortsAndTheServiceAgreeOnTheDnsPort() {
    DnsOverTlsProxy proxy = TestProxies.quad9("dns", "edge");
    for (FleetCapabilities fleet : List.of(FleetCapabilities.CURRENT, KUBERNETES_1_21)) {
      String config = ProxyConfigMapFactory.desired(proxy, new TrustedCaBundle.SystemTrustStore(), List.of(),
          new ProxyAddresses(IpFamilies.IPV4, fleet.podDnsPort()), io.dotproxy.operator.config.RuntimeCompatibility.NEWEST)
          .getData().get("config.yaml");
      Map<String, Integer> containerPorts = ProxyDaemonSetFactory.desired(proxy, IMAGE, fleet)
          .getSpec().getTemplate().getSpec().getContainers().get(0).getPorts().stream()
          .collect(Collectors.toMap(ContainerPort::getName, ContainerPort::getContainerPort));
      Service service = ProxyServiceFactory.desired(proxy, fleet);

      assertThat(config).as("%s", fleet).contains("- 0.0.0.0:" + fleet.podDnsPort() + "\n");
      assertThat(service.getSpec().getPorts()).as("%s", fleet).allSatisfy(port -> {
        assertThat(port.getPort()).isEqualTo(53);
        assertThat(containerPorts).containsEntry(port.getTargetPort().getStrVal(), fleet.podDnsPort());
      });
    }
  }

  @Test
  void runsOnLinuxNodesOnlyWhetherOrNotThePlacementSelectsNodes() {
    DnsOverTlsProxy proxy = TestProxies.quad9("dns", "edge");
    assertThat(desired(proxy).getSpec().getTemplate().getSpec().getNodeSelector())
        .containsExactly(entry("kubernetes.io/os", "linux"));

    proxy.getSpec().setPlacement(new Placement());
    proxy.getSpec().getPlacement().setNodeSelector(Map.of("pool", "edge"));
    assertThat(desired(proxy).getSpec().getTemplate().getSpec().getNodeSelector())
        .containsExactly(entry("kubernetes.io/os", "linux"), entry("pool", "edge"));

    proxy.getSpec().getPlacement().setNodeSelector(Map.of("kubernetes.io/os", "plan9"));
    assertThat(desired(proxy).getSpec().getTemplate().getSpec().getNodeSelector())
        .as("an explicit choice is the user's").containsExactly(entry("kubernetes.io/os", "plan9"));
  }

  @Test
  void toleratesEveryTaintUnlessThePlacementSaysOtherwise() {
    DnsOverTlsProxy proxy = TestProxies.quad9("dns", "edge");
    assertThat(desired(proxy).getSpec().getTemplate().getSpec().getTolerations())
        .extracting(Toleration::getKey, Toleration::getOperator, Toleration::getEffect)
        .containsExactlyInAnyOrder(
            tuple(null, "Exists", "NoSchedule"), tuple(null, "Exists", "NoExecute"), tuple("CriticalAddonsOnly", "Exists", null));

    proxy.getSpec().setPlacement(new Placement());
    proxy.getSpec().getPlacement().setTolerations(List.of());
    assertThat(desired(proxy).getSpec().getTemplate().getSpec().getTolerations()).isEmpty();
  }

  @Test
  void configChangesLeaveThePodTemplateAloneSoTheyAreHotReloadedNotRolled() {
    DnsOverTlsProxy proxy = TestProxies.quad9("dns", "edge");
    DaemonSet before = desired(proxy);
    proxy.getSpec().setCache(new CacheSpec());
    proxy.getSpec().getCache().setSize(1);
    proxy.getSpec().setTimeout("1s");

    DaemonSet after = desired(proxy);

    assertThat(after).isEqualTo(before);
  }

  @Test
  void imageOrResourceChangesChangeTheHash() {
    DnsOverTlsProxy proxy = TestProxies.quad9("dns", "edge");
    DaemonSet before = desired(proxy);
    proxy.getSpec().setImage("ghcr.io/dotproxy/proxy-runtime:1.0.1");

    DaemonSet after = desired(proxy);

    assertThat(DesiredStateHash.same(after, before)).isFalse();
  }
}
