package io.dotproxy.operator.app;

import static io.dotproxy.operator.testing.AdmissionReviews.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.ProxyMode;
import io.dotproxy.operator.sidecar.NativeSidecars;
import io.dotproxy.operator.testing.AdmissionReviews;
import io.dotproxy.operator.testing.AdmissionReviews.Answer;
import io.dotproxy.operator.testing.Eventually;
import io.dotproxy.operator.testing.MockCluster;
import io.dotproxy.operator.testing.OperatorHttp;
import io.dotproxy.operator.testing.TestProxies;
import io.dotproxy.operator.testing.TestSettings;
import io.dotproxy.operator.testing.WebhookClient;
import io.dotproxy.operator.webhook.WebhookSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Stopping the operator with its webhook on: unready at once, admissions still answered for the drain
 * period, then the webhook's port closed. {@code WebhookDrainIT} has a real API server send the pods.
 */
@EnableKubernetesMockClient(crud = true)
class WebhookDrainTest {

  static final String OPERATOR_NS = TestSettings.OPERATOR_NAMESPACE;
  static final Duration DRAIN = Duration.ofSeconds(3);

  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void stoppingAnswersReadyz503AndStillInjectsPodsUntilTheDrainPeriodEndsThenClosesTheWebhookPort() throws Exception {
    MockCluster cluster = new MockCluster(server, client).withCrd().withNamespaces(OPERATOR_NS, "shop")
        .withKubernetesVersion("1", "30").withClusterDns("10.96.0.10")
        .withWebhookConfiguration("dotproxy-operator", OPERATOR_NS, "inject.dotproxy.io");
    DnsOverTlsProxy proxy = TestProxies.quad9("shop", "edge");
    proxy.getSpec().setMode(ProxyMode.SIDECAR);
    client.resource(proxy).create();
    WebhookSettings draining = TestSettings.operatorModeWebhook(0, List.of(), DRAIN);
    DotproxyOperator operator = DotproxyOperator.start(
        TestSettings.withWebhook(TestSettings.PROXY_IMAGE, Duration.ofMinutes(2), NativeSidecars.AUTO, draining), client);
    int http = operator.httpPort();
    int webhookPort = operator.webhook().orElseThrow().port();
    WebhookClient apiServer = new WebhookClient(webhookPort, "dotproxy-operator-webhook." + OPERATOR_NS + ".svc",
        cluster.caBundle("dotproxy-operator"));
    CompletableFuture<Void> stopping = null;
    try {
      Eventually.until("/readyz 200", () -> OperatorHttp.status(http, "/readyz"), s -> s == 200);
      assertThat(injectedContainers(apiServer)).as("before the stop").contains("dotproxy");

      long stopAt = System.nanoTime();
      stopping = CompletableFuture.runAsync(operator::close);

      Eventually.until("/readyz 503 while stopping", () -> OperatorHttp.status(http, "/readyz"), s -> s == 503);
      assertThat(OperatorHttp.status(http, "/healthz")).as("the kubelet must not kill a draining replica").isEqualTo(200);
      assertThat(injectedContainers(apiServer)).as("an admission during the drain").contains("dotproxy");
      assertThat(stopping).as("still draining after the admission").isNotDone();

      stopping.get(DRAIN.toSeconds() + 30, TimeUnit.SECONDS);
      assertThat(Duration.ofNanos(System.nanoTime() - stopAt)).isGreaterThanOrEqualTo(DRAIN);
      assertThat(WebhookClient.accepts(webhookPort)).as("the webhook port accepts connections").isFalse();
      assertThat(OperatorHttp.status(http, "/healthz")).as("the health port is closed too").isEqualTo(-1);
    } finally {
      if (stopping == null) {
        operator.close();
      }
    }
  }

  private static List<String> injectedContainers(WebhookClient apiServer) {
    ObjectNode review = AdmissionReviews.inNamespace(AdmissionReviews.load("deployment-pod.json"), "shop");
    WebhookClient.Reply reply = apiServer.post("/mutate-pods", bytes(review));
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    Answer answer = Answer.parse(reply.body());
    assertThat(answer.allowed()).isTrue();
    PodSpec pod = answer.patchedPod(review).getSpec();
    return Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream())
        .map(Container::getName).toList();
  }
}
