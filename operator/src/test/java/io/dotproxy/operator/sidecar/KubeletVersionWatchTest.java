package io.dotproxy.operator.sidecar;

import static io.dotproxy.operator.testing.MockCluster.node;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.sidecar.ClusterCapabilities.Version;
import io.dotproxy.operator.testing.Eventually;
import io.dotproxy.operator.testing.FaultyApiServer;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** The watch against the mock API server; the decision's rules are in {@link NativeSidecarDecisionTest}. */
class KubeletVersionWatchTest {

  static final ClusterCapabilities LIMITS = new ClusterCapabilities(false, 32, 2048);

  @Test
  void followsUpgradesAndNewNodes() {
    try (FaultyApiServer api = new FaultyApiServer()) {
      var client = api.client();
      client.resource(node("a", "linux", "v1.28.9")).create();
      client.resource(node("win", "windows", "v1.27.0")).create();
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      try (KubeletVersionWatch watch = KubeletVersionWatch.start(client, new Version(1, 30), LIMITS, registry)) {
        Eventually.until("the first decision", watch::hasDecided, d -> d);
        assertThat(watch.get()).isEqualTo(LIMITS.withNativeSidecars(false));
        assertThat(watch.decision().olderLinuxNodes()).isEqualTo(1);

        // The kubelet of node a is upgraded.
        client.nodes().withName("a").editStatus(n -> new NodeBuilder(n).editStatus().editNodeInfo()
            .withKubeletVersion("v1.30.1").endNodeInfo().endStatus().build());
        Eventually.until("native sidecars after the upgrade", () -> watch.get().nativeSidecars(), n -> n);
        assertThat(watch.get()).isEqualTo(new ClusterCapabilities(true, 32, 2048));
        assertThat(nodes(registry, "true")).isEqualTo(1);

        // An autoscaler adds a node from an old image.
        client.resource(node("b", "linux", "v1.28.9")).create();
        Eventually.until("plain containers again", () -> watch.get().nativeSidecars(), n -> !n);
        assertThat(nodes(registry, "false")).isEqualTo(1);

        client.nodes().withName("b").delete();
        Eventually.until("native sidecars once it is gone", () -> watch.get().nativeSidecars(), n -> n);
      }
    }
  }

  @Test
  void unreadableNodesMeanPlainContainersUntilTheyCanBeRead() {
    try (FaultyApiServer api = new FaultyApiServer()) {
      var client = api.client();
      client.resource(node("a", "linux", "v1.31.0")).create();
      api.failNext("GET", "/api/v1/nodes", 403, 2);
      try (KubeletVersionWatch watch = KubeletVersionWatch.start(client, new Version(1, 31), LIMITS, new SimpleMeterRegistry())) {
        Eventually.until("a decision without the nodes", watch::hasDecided, d -> d);
        assertThat(watch.get().nativeSidecars()).isFalse();
        assertThat(watch.decision().reason()).contains("cannot be read").contains("403");

        // The permission is granted: the informer's retry reads them.
        Eventually.until("native sidecars once the nodes are read", () -> watch.get().nativeSidecars(), n -> n);
        assertThat(api.served("GET", "/api/v1/nodes")).extracting(FaultyApiServer.Served::code).startsWith(403, 403);
      }
    }
  }

  private static double nodes(SimpleMeterRegistry registry, String nativeSidecars) {
    return registry.get(KubeletVersionWatch.NODES_METRIC).tag("native_sidecars", nativeSidecars).gauge().value();
  }
}
