package io.dotproxy.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.model.CacheSpec;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.sidecar.ClusterCapabilities;
import io.dotproxy.operator.testing.TestProxies;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProxyDaemonSetFactoryTest {

  static final String IMAGE = "ghcr.io/dotproxy/proxy-runtime:1.0.0";

  @Test
  void podsRunRestrictedAndBindPort53ThroughTheSysctl() {
    PodSpec pod = ProxyDaemonSetFactory.desired(TestProxies.quad9("dns", "edge"), IMAGE, DaemonSetRollout.SURGE).getSpec().getTemplate().getSpec();
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
    Container container = ProxyDaemonSetFactory.desired(TestProxies.quad9("dns", "edge"), IMAGE, DaemonSetRollout.SURGE)
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
    DaemonSet ds = ProxyDaemonSetFactory.desired(TestProxies.quad9("dns", "edge"), IMAGE, DaemonSetRollout.SURGE);

    assertThat(ds.getSpec().getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
    assertThat(ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
    assertThat(ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxSurge().getIntVal()).isEqualTo(1);
  }

  /** 1.20 refuses maxUnavailable 0 without maxSurge (GitOpsIT runs fleets there). */
  @Test
  void beforeKubernetes122ItRollsOneNodeAtATime() {
    DaemonSet ds = ProxyDaemonSetFactory.desired(TestProxies.quad9("dns", "edge"), IMAGE, DaemonSetRollout.ONE_NODE_AT_A_TIME);

    assertThat(ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxSurge()).isNull();
    assertThat(DaemonSetRollout.of(ClusterCapabilities.Version.parse("1", "21"))).isEqualTo(DaemonSetRollout.ONE_NODE_AT_A_TIME);
    assertThat(DaemonSetRollout.of(ClusterCapabilities.Version.parse("1", "22+"))).isEqualTo(DaemonSetRollout.SURGE);
    assertThat(DaemonSetRollout.of(Optional.empty())).as("version unknown").isEqualTo(DaemonSetRollout.ONE_NODE_AT_A_TIME);
  }

  @Test
  void configChangesLeaveThePodTemplateAloneSoTheyAreHotReloadedNotRolled() {
    DnsOverTlsProxy proxy = TestProxies.quad9("dns", "edge");
    DaemonSet before = ProxyDaemonSetFactory.desired(proxy, IMAGE, DaemonSetRollout.SURGE);
    proxy.getSpec().setCache(new CacheSpec());
    proxy.getSpec().getCache().setSize(1);
    proxy.getSpec().setTimeout("1s");

    DaemonSet after = ProxyDaemonSetFactory.desired(proxy, IMAGE, DaemonSetRollout.SURGE);

    assertThat(after).isEqualTo(before);
  }

  @Test
  void imageOrResourceChangesChangeTheHash() {
    DnsOverTlsProxy proxy = TestProxies.quad9("dns", "edge");
    DaemonSet before = ProxyDaemonSetFactory.desired(proxy, IMAGE, DaemonSetRollout.SURGE);
    proxy.getSpec().setImage("ghcr.io/dotproxy/proxy-runtime:1.0.1");

    DaemonSet after = ProxyDaemonSetFactory.desired(proxy, IMAGE, DaemonSetRollout.SURGE);

    assertThat(DesiredStateHash.same(after, before)).isFalse();
  }
}
