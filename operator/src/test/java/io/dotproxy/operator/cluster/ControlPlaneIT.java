package io.dotproxy.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.testing.Eventually;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The harness itself: what the real control plane and the fake kubelet do that the tests rely on. */
@ExtendWith(RealCluster.class)
class ControlPlaneIT {

  @Test
  void startsBoundedAndReportsItsVersion(ControlPlane plane) {
    System.out.printf("control plane %s started in %d ms%n", plane.version().getGitVersion(), plane.startTime().toMillis());
    assertThat(plane.startTime()).isLessThan(ControlPlane.START_TIMEOUT.multipliedBy(4));
    assertThat(plane.version().getMajor()).isEqualTo("1");
    assertThat(plane.kubectl("version", "-o", "json").assertSuccess().out()).contains("\"gitVersion\"");
  }

  @Test
  void aDaemonSetRunsOnEveryUntaintedLinuxNodeBecomesReadyAndIsCollectedWithItsPods(ControlPlane plane) {
    KubernetesClient client = plane.admin();
    String ns = plane.newNamespace("harness");
    DaemonSet daemonSet = new DaemonSetBuilder()
        .withNewMetadata().withName("probe").withNamespace(ns).endMetadata()
        .withNewSpec()
        .withNewSelector().addToMatchLabels("app", "probe").endSelector()
        .withNewTemplate()
        .withNewMetadata().addToLabels("app", "probe").endMetadata()
        .withNewSpec()
        .addToNodeSelector("kubernetes.io/os", "linux")
        .addNewContainer().withName("c").withImage("registry.example/probe:1").endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
    client.resource(daemonSet).create();

    DaemonSet ready = Eventually.until("the DaemonSet's pods Ready on " + RealCluster.LINUX_NODES,
        () -> client.apps().daemonSets().inNamespace(ns).withName("probe").get(),
        d -> d.getStatus() != null && d.getStatus().getNumberReady() != null
            && d.getStatus().getNumberReady() >= RealCluster.LINUX_NODES.size()
            && d.getStatus().getDesiredNumberScheduled().equals(d.getStatus().getNumberReady()));
    List<Pod> pods = client.pods().inNamespace(ns).list().getItems();
    assertThat(pods).extracting(p -> p.getSpec().getNodeName())
        .contains(RealCluster.LINUX_NODES.toArray(String[]::new))
        .doesNotContain(RealCluster.TAINTED_NODE, RealCluster.WINDOWS_NODE);
    assertThat(pods).allSatisfy(p -> {
      assertThat(p.getStatus().getPhase()).isEqualTo("Running");
      assertThat(p.getStatus().getPodIP()).isNotBlank();
      // the ServiceAccount admission plugin ran: the token volume is there
      assertThat(p.getSpec().getVolumes()).anySatisfy(v -> assertThat(v.getName()).startsWith("default-token"));
    });
    assertThat(ready.getStatus().getNumberUnavailable()).isNull();

    client.resource(ready).delete();
    Eventually.until("the garbage collector and the kubelet to remove the pods",
        () -> client.pods().inNamespace(ns).list().getItems(), List::isEmpty);
  }

  @Test
  void podsCanBeMadeUnreadyAndTheirDeletionIsCompleted(ControlPlane plane, FakeKubelet kubelet) {
    KubernetesClient client = plane.admin();
    String ns = plane.newNamespace("harness");
    Pod pod = client.resource(new PodBuilder()
        .withNewMetadata().withName("p").withNamespace(ns).endMetadata()
        .withNewSpec().withNodeName(RealCluster.LINUX_NODES.get(0))
        .addNewContainer().withName("c").withImage("registry.example/probe:1").endContainer().endSpec()
        .build()).create();
    Eventually.until("the pod Ready", () -> client.resource(pod).get(), FakeKubelet::isReady);

    kubelet.setReady(ns, "p", false);
    assertThat(FakeKubelet.isReady(client.resource(pod).get())).isFalse();

    client.resource(pod).delete();
    Eventually.until("the graceful deletion completed", () -> {
      try {
        return client.pods().inNamespace(ns).withName("p").get() == null;
      } catch (KubernetesClientException e) {
        return false;
      }
    }, gone -> gone);
  }

  @Test
  void theCrdInstallsAndKubeadmsDnsObjectsAreThere(ControlPlane plane) {
    ClusterFixtures.installCrd(plane);
    ClusterFixtures.installKubeadmDns(plane, false);
    ClusterFixtures.installCrd(plane); // idempotent: test classes share the cluster

    assertThat(plane.kubectl("get", "dnsovertlsproxies", "-A").assertSuccess().err()).contains("No resources found");
    assertThat(ClusterFixtures.corefile(plane)).contains("forward . /etc/resolv.conf");
  }
}
