package io.dotproxy.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.ProxyMode;
import io.dotproxy.operator.sidecar.SidecarLabels;
import io.dotproxy.operator.testing.Eventually;
import io.dotproxy.operator.testing.TestProxies;
import io.dotproxy.operator.testing.WebhookClient;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A rolling update of the operator, seen from the API server (v1.20): the old replica is told to stop,
 * and pods created meanwhile still reach its webhook (the Service's endpoints drop it only later) and
 * must be stored with the proxy. The API server calls the webhook by URL (see {@link WebhookByUrl}).
 */
@ExtendWith(RealCluster.class)
class WebhookDrainIT {

  /** Cluster-scoped, so a name no other test class uses. */
  static final String CONFIG = "dotproxy-drain-it";
  static final String PROXY = "edge";
  static final Duration DRAIN = Duration.ofSeconds(8);
  /** Created one after the other during the drain; the API server takes well under a second for each. */
  static final int PODS = 6;
  /** The real control plane shares two cores with other work. */
  static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void podsCreatedWhileTheOperatorDrainsAreAllStoredWithTheProxyThenTheWebhookPortCloses(ControlPlane plane) throws Exception {
    KubernetesClient admin = plane.admin();
    ClusterFixtures.installCrd(plane);
    ClusterFixtures.installKubeadmDns(plane, false);
    String operatorNamespace = plane.newNamespace("drain-operator");
    String ns = plane.newNamespace("drain");
    int webhookPort = WebhookByUrl.freeLoopbackPort();
    admin.resource(WebhookByUrl.configuration(CONFIG, webhookPort, operatorNamespace)).create();
    OperatorInProcess operator = null;
    CompletableFuture<Void> stopping = null;
    try {
      operator = OperatorInProcess.start(plane,
          WebhookByUrl.operatorSettings(operatorNamespace, webhookPort, CONFIG, DRAIN), operatorNamespace);
      DnsOverTlsProxy proxy = TestProxies.quad9(ns, PROXY);
      proxy.getSpec().setMode(ProxyMode.SIDECAR);
      admin.resource(proxy).create();
      OperatorInProcess running = operator;
      Eventually.until("the operator to be ready", WAIT, () -> running.health("/readyz"), code -> code == 200);
      Eventually.until("pods in " + ns + " to be injected (caBundle written, proxy cached)", WAIT,
          () -> admin.resource(app(ns, "probe")).dryRun().create(), SidecarLabels::isInjected);

      long stopAt = System.nanoTime();
      stopping = CompletableFuture.runAsync(running::close);
      Eventually.until("/readyz 503 once stopping", WAIT, () -> running.health("/readyz"), code -> code == 503);
      List<Pod> during = new ArrayList<>();
      for (int i = 0; i < PODS; i++) {
        during.add(admin.resource(app(ns, "during-" + i)).create());
      }
      Duration createdWithin = Duration.ofNanos(System.nanoTime() - stopAt);

      assertThat(createdWithin).as("all pods created within the drain period").isLessThan(DRAIN);
      assertThat(stopping).as("still draining").isNotDone();
      for (Pod stored : during) {
        assertThat(stored.getMetadata().getAnnotations()).as(stored.getMetadata().getName())
            .containsEntry(SidecarLabels.INJECTED, "true");
        assertThat(stored.getSpec().getContainers()).extracting(Container::getName).containsExactly("dotproxy", "web");
      }

      stopping.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(Duration.ofNanos(System.nanoTime() - stopAt)).isGreaterThanOrEqualTo(DRAIN);
      assertThat(WebhookClient.accepts(webhookPort)).as("the webhook port accepts connections").isFalse();
      // failurePolicy Ignore: with the port closed, the API server stores the pod as it came.
      Pod after = admin.resource(app(ns, "after")).create();
      assertThat(after.getSpec().getContainers()).extracting(Container::getName).containsExactly("web");
    } finally {
      try {
        if (operator != null && stopping == null) {
          operator.close();
        } else if (stopping != null) {
          stopping.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
      } finally {
        admin.admissionRegistration().v1().mutatingWebhookConfigurations().withName(CONFIG).delete();
        admin.pods().inNamespace(ns).withGracePeriod(0).delete();
        // No operator is left to run the finalizer.
        admin.resources(DnsOverTlsProxy.class).inNamespace(ns).list().getItems().forEach(p -> admin.resource(p)
            .edit(cr -> {
              cr.getMetadata().setFinalizers(List.of());
              return cr;
            }));
        admin.resources(DnsOverTlsProxy.class).inNamespace(ns).delete();
        List.of(ns, operatorNamespace).forEach(n -> admin.namespaces().withName(n).delete());
      }
    }
  }

  private static Pod app(String ns, String name) {
    return new PodBuilder()
        .withNewMetadata().withNamespace(ns).withName(name).withLabels(Map.of(SidecarLabels.PROXY, PROXY)).endMetadata()
        .withNewSpec().addNewContainer().withName("web").withImage("registry.example/shop/web:1.4.2").endContainer().endSpec()
        .build();
  }
}
