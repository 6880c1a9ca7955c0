package io.dotproxy.operator.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.testing.Eventually;
import io.dotproxy.operator.testing.MockCluster;
import io.dotproxy.operator.testing.OperatorHttp;
import io.dotproxy.operator.testing.TestProxies;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** operator.jar as users run it: `java -jar` with a kubeconfig, stopped with SIGTERM. */
@EnableKubernetesMockClient(crud = true)
class OperatorJarIT {

  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void theJarConnectsWithAKubeconfigReconcilesAndStopsCleanly(@TempDir Path home) throws Exception {
    MockCluster cluster = new MockCluster(server, client).withCrd().withNamespaces("dotproxy-system", "dns").grantingLeases()
        .withKubernetesVersion("1", "30");
    Path kubeconfig = cluster.writeKubeconfig(home);
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    ProcessBuilder builder = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", System.getProperty("dotproxy.operator.jar"), "--http-port", String.valueOf(port), "--webhook-port", "0")
        .redirectErrorStream(true)
        .redirectOutput(home.resolve("operator.log").toFile());
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder.environment().put("HOME", home.toString());
    Process operator = builder.start();
    try {
      client.resource(TestProxies.quad9("dns", "edge")).create();
      Eventually.until("the ConfigMap", () -> client.resources(ConfigMap.class).inNamespace("dns").withName("dotproxy-edge").get(), c -> true);
      Eventually.until("the DaemonSet", () -> client.resources(DaemonSet.class).inNamespace("dns").withName("dotproxy-edge").get(), d -> true);
      Eventually.until("/readyz 200", () -> OperatorHttp.status(port, "/readyz"), s -> s == 200);
    } finally {
      operator.destroy(); // SIGTERM
    }
    try {
      // The shutdown hook drains the webhook (default 5 s): unready, but alive and serving.
      Eventually.until("/readyz 503 after SIGTERM", () -> OperatorHttp.status(port, "/readyz"), s -> s == 503);
      assertThat(OperatorHttp.status(port, "/healthz")).isEqualTo(200);
    } finally {
      assertThat(operator.waitFor(20, TimeUnit.SECONDS)).as("stops within 20 s of SIGTERM").isTrue();
      System.out.println(Files.readString(home.resolve("operator.log")));
    }
    assertThat(Files.readString(home.resolve("operator.log")))
        .contains("dotproxy operator", "leader election on", "webhook https :", "native sidecars",
            "webhook certificates in Secret dotproxy-system/dotproxy-operator-webhook-tls: CA created",
            "stopping: /readyz answers 503; the webhook answers admissions for");
  }
}
