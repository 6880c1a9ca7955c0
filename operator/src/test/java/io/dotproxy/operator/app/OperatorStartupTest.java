package io.dotproxy.operator.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dotproxy.operator.OperatorMain;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.ProxyMode;
import io.dotproxy.operator.testing.AdmissionReviews;
import io.dotproxy.operator.testing.WebhookClient;
import io.dotproxy.operator.testing.Eventually;
import io.dotproxy.operator.testing.MockCluster;
import io.dotproxy.operator.testing.TestProxies;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
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

      sidecarModeEndToEnd(running.operator());
      assertThat(get(port, "/metrics").body()).contains("dotproxy_webhook_admissions_total{outcome=\"injected\"} 1.0");
    } finally {
      if (previous != null) {
        System.setProperty("kubeconfig", previous);
      } else {
        System.clearProperty("kubeconfig");
      }
    }
  }

  /**
   * A Sidecar-mode proxy: its config is rendered, a Deployment's pod is injected through the webhook
   * (called like the API server calls it, with the caBundle the operator set), and once that pod exists
   * the proxy's status counts it.
   */
  private void sidecarModeEndToEnd(DotproxyOperator operator) {
    DnsOverTlsProxy proxy = TestProxies.quad9("dns", "inner");
    proxy.getSpec().setMode(ProxyMode.SIDECAR);
    client.resource(proxy).create();
    Eventually.until("the sidecar ConfigMap",
        () -> client.configMaps().inNamespace("dns").withName("dotproxy-inner").get(),
        c -> c.getData().get("config.yaml").contains("cluster.local=10.96.0.10:53"));

    String caBundle = Eventually.until("the caBundle",
        () -> client.admissionRegistration().v1().mutatingWebhookConfigurations().withName("dotproxy-operator").get(),
        c -> c.getWebhooks().get(0).getClientConfig().getCaBundle() != null)
        .getWebhooks().get(0).getClientConfig().getCaBundle();
    var apiServer = new WebhookClient(operator.webhook().orElseThrow().port(), "dotproxy-operator-webhook.dotproxy-system.svc",
        new String(Base64.getDecoder().decode(caBundle), StandardCharsets.US_ASCII));
    ObjectNode review = AdmissionReviews.inNamespace(AdmissionReviews.load("deployment-pod.json"), "dns");
    ((ObjectNode) AdmissionReviews.pod(review).get("metadata").get("labels")).put("dotproxy.io/proxy", "inner");
    WebhookClient.Reply reply = apiServer.post("/mutate-pods", AdmissionReviews.bytes(review));
    assertThat(reply.status()).isEqualTo(200);
    Pod pod = AdmissionReviews.Answer.parse(reply.body()).patchedPod(review);
    assertThat(pod.getSpec().getInitContainers()).extracting(Container::getName).containsExactly("dotproxy");

    pod.getMetadata().setName("web-7c9f8d6b5d-x2vq9"); // what the API server makes of generateName
    client.resource(pod).create();
    Eventually.until("the injected pod in the status",
        () -> client.resources(DnsOverTlsProxy.class).inNamespace("dns").withName("inner").get(),
        p -> p.getStatus() != null && Integer.valueOf(1).equals(p.getStatus().getInjectedPods()));
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
