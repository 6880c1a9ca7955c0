package io.dotproxy.operator.sidecar;

import static io.dotproxy.operator.testing.MockCluster.node;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.sidecar.ClusterCapabilities.Version;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class NativeSidecarDecisionTest {

  static final Version V1_28 = new Version(1, 28);
  static final Version V1_29 = new Version(1, 29);
  static final Version V1_31 = new Version(1, 31);

  @Test
  void nativeSidecarsWhenTheApiServerAndEveryLinuxKubeletAre129OrNewer() {
    NativeSidecarDecision decision = NativeSidecarDecision.of(V1_29,
        List.of(node("a", "linux", "v1.29.0"), node("b", "linux", "v1.31.2-eks-a5df82a"), node("c", "linux", "v1.30.1+k3s1")));

    assertThat(decision.nativeSidecars()).isTrue();
    assertThat(decision.capableLinuxNodes()).isEqualTo(3);
    assertThat(decision.olderLinuxNodes()).isZero();
    assertThat(decision.reason()).contains("all 3 Linux nodes are 1.29 or newer");
  }

  @Test
  void oneOlderLinuxKubeletDuringAControlPlaneFirstUpgradeMeansPlainContainers() {
    NativeSidecarDecision decision = NativeSidecarDecision.of(V1_29,
        List.of(node("new", "linux", "v1.29.4"), node("old", "linux", "v1.28.9")));

    assertThat(decision.nativeSidecars()).isFalse();
    assertThat(decision.capableLinuxNodes()).isEqualTo(1);
    assertThat(decision.olderLinuxNodes()).isEqualTo(1);
    assertThat(decision.reason()).isEqualTo("1 of 2 Linux nodes run a kubelet older than 1.29: old (v1.28.9)");
  }

  @Test
  void anOldApiServerMeansPlainContainersWhateverTheKubeletsRun() {
    NativeSidecarDecision decision = NativeSidecarDecision.of(V1_28, List.of(node("a", "linux", "v1.31.0")));

    assertThat(decision.nativeSidecars()).isFalse();
    assertThat(decision.capableLinuxNodes()).as("the inputs are still counted").isEqualTo(1);
    assertThat(decision.reason()).isEqualTo("the API server is 1.28, older than 1.29");
  }

  @Test
  void nodesThatAreNotLinuxDoNotCount() {
    List<Node> nodes = List.of(node("linux", "linux", "v1.30.0"), node("win", "windows", "v1.28.0"));

    NativeSidecarDecision decision = NativeSidecarDecision.of(V1_31, nodes);

    assertThat(decision.nativeSidecars()).isTrue();
    assertThat(decision.olderLinuxNodes()).isZero();
    // Without the label, the OS the kubelet reports decides.
    Node unlabelledWindows = node("win-2", "windows", "v1.27.0");
    unlabelledWindows.getMetadata().setLabels(null);
    assertThat(NativeSidecarDecision.of(V1_31, List.of(node("l", "linux", "v1.30.0"), unlabelledWindows)).nativeSidecars()).isTrue();
  }

  @Test
  void aKubeletThatDoesNotSayWhatItRunsCountsAsOlder() {
    Node silent = new NodeBuilder().withNewMetadata().withName("silent").endMetadata().build();
    Node garbled = node("garbled", "linux", "unknown");

    NativeSidecarDecision decision = NativeSidecarDecision.of(V1_31, List.of(node("ok", "linux", "v1.31.0"), silent, garbled));

    assertThat(decision.nativeSidecars()).isFalse();
    assertThat(decision.olderLinuxNodes()).isEqualTo(2);
    assertThat(decision.reason()).endsWith(": garbled (unknown), silent (version not reported)");
  }

  @Test
  void theReasonNamesAFewOlderNodesAndCountsTheRest() {
    List<Node> nodes = List.of(node("e", "linux", "v1.28.0"), node("d", "linux", "v1.28.0"), node("c", "linux", "v1.27.3"),
        node("b", "linux", "v1.28.0"), node("a", "linux", "v1.26.1"));

    assertThat(NativeSidecarDecision.of(V1_29, nodes).reason())
        .isEqualTo("5 of 5 Linux nodes run a kubelet older than 1.29: a (v1.26.1), b (v1.28.0), c (v1.27.3) and 2 more");
  }

  @Test
  void withoutLinuxNodesOrWithoutReadingThemTheSafeChoiceIsPlainContainers() {
    assertThat(NativeSidecarDecision.of(V1_31, List.of()).nativeSidecars()).isFalse();
    assertThat(NativeSidecarDecision.of(V1_31, List.of(node("win", "windows", "v1.31.0"))).reason())
        .isEqualTo("no Linux node has registered yet");
    assertThat(NativeSidecarDecision.notReadYet().nativeSidecars()).isFalse();
    NativeSidecarDecision unreadable = NativeSidecarDecision.nodesUnreadable("nodes is forbidden");
    assertThat(unreadable.nativeSidecars()).isFalse();
    assertThat(unreadable.reason()).contains("nodes is forbidden").contains("--native-sidecars true or false");
  }

  @Test
  void kubeletVersionsAreReadAsTheyAreWrittenByDistributions() {
    assertThat(Version.parseGitVersion("v1.29.3")).contains(V1_29);
    assertThat(Version.parseGitVersion("v1.28.2-gke.1000")).contains(V1_28);
    assertThat(Version.parseGitVersion("1.31.0")).contains(V1_31);
    assertThat(Version.parseGitVersion("")).isEmpty();
    assertThat(Version.parseGitVersion(null)).isEmpty();
    assertThat(Version.parseGitVersion("latest")).isEmpty();
  }
}
