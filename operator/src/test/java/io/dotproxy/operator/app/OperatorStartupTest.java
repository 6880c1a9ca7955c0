package io.dotproxy.operator.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.OperatorMain;
import io.dotproxy.operator.testing.Eventually;
import io.dotproxy.operator.testing.MockCluster;
import io.dotproxy.operator.testing.TestProxies;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator's main wiring, started the way the jar starts it: from a kubeconfig. */
@EnableKubernetesMockClient(crud = true)
class OperatorStartupTest {

  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void startsFromAKubeconfigTakesTheLeaseServesHealthAndMetricsAndReconciles(@TempDir Path home) throws Exception {
    MockCluster cluster = new MockCluster(server, client).withCrd().withNamespaces("dotproxy-system", "dns").grantingLeases()
        .withKubernetesVersion("1", "31").withClusterDns("10.96.0.10")
        .withWebhookConfiguration("dotproxy-operator", "dotproxy-system", "inject.dotproxy.io");
    Path kubeconfig = cluster.writeKubeconfig(home);
    String previous = System.getProperty("kubeconfig");
    System.setProperty("kubeconfig", kubeconfig.toString());
    String[] flags = {"--http-port", "0", "--webhook-port", "0"};
    try (OperatorMain.Running running = OperatorMain.start(flags, Map.of())) {
      System.clearProperty("kubeconfig");

      Lease lease = Eventually.until("the leader Lease",
          () -> client.leases().inNamespace("dotproxy-system").withName("dotproxy-operator").get(),
          l -> l.getSpec().getHolderIdentity() != null);
      assertThat(lease.getSpec().getHolderIdentity()).isNotBlank();

      client.resource(TestProxies.quad9("dns", "edge")).create();
      Eventually.until("the ConfigMap", () -> client.resources(ConfigMap.class).inNamespace("dns").withName("dotproxy-edge").get(), c -> true);
      Eventually.until("the DaemonSet", () -> client.resources(DaemonSet.class).inNamespace("dns").withName("dotproxy-edge").get(), d -> true);

      int port = running.operator().httpPort();
      assertThat(Eventually.until("/readyz", () -> get(port, "/readyz"), r -> r.statusCode() == 200).statusCode()).isEqualTo(200);
      assertThat(get(port, "/healthz").statusCode()).isEqualTo(200);
      assertThat(get(port, "/metrics").body()).contains("operator_sdk_").contains("jvm_memory_used_bytes");

      // The webhook serves (SidecarModeIT has the API server call it): ready, its metric registered.
      assertThat(running.operator().webhook().orElseThrow().isReady()).isTrue();
      assertThat(get(port, "/metrics").body()).contains("dotproxy_webhook_admission_duration_seconds");
    } finally {
      if (previous != null) {
        System.setProperty("kubeconfig", previous);
      } else {
        System.clearProperty("kubeconfig");
      }
    }
  }

  private static HttpResponse<String> get(int port, String path) {
    try {
      return HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
