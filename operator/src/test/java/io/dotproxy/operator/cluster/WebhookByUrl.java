package io.dotproxy.operator.cluster;

import io.dotproxy.operator.app.OperatorSettings;
import io.dotproxy.operator.delivery.RenderedChart;
import io.dotproxy.operator.testing.TestSettings;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;

/**
 * The chart's webhook configuration, pointed at an operator in the test JVM: the API server would turn
 * {@code clientConfig.service} into the Service's ClusterIP, which nothing routes here, so it calls
 * {@code https://localhost:<port>/mutate-pods} instead. The operator needs {@code --webhook-cert-extra-names
 * localhost} and {@code --webhook-config-name} set to the configuration's name.
 */
final class WebhookByUrl {

  private WebhookByUrl() {}

  /** A loopback port nothing listens on now, for the webhook to take. */
  static int freeLoopbackPort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The chart's configuration named {@code name} (cluster-scoped: one no other test class uses), its
   * namespaceSelector also excluding {@code operatorNamespace}, calling localhost:{@code port}.
   */
  static MutatingWebhookConfiguration configuration(String name, int port, String operatorNamespace) {
    MutatingWebhookConfiguration chart = RenderedChart.render("webhook:\n  excludeNamespaces: [" + operatorNamespace + "]\n")
        .only(MutatingWebhookConfiguration.class);
    return new MutatingWebhookConfigurationBuilder(chart)
        .editMetadata().withName(name).endMetadata()
        .editFirstWebhook()
        .withNewClientConfig().withUrl("https://localhost:" + port + "/mutate-pods").endClientConfig()
        .endWebhook()
        .build();
  }

  /**
   * The operator as its command line configures it, the webhook on {@code port} patching the caBundle of
   * the configuration {@code configName}, answering admissions for {@code drainPeriod} when stopped.
   */
  static OperatorSettings operatorSettings(String operatorNamespace, int port, String configName, Duration drainPeriod) {
    return OperatorSettings.parse(new String[] {
        "--leader-election", "false",
        "--http-port", "0",
        "--proxy-image", TestSettings.PROXY_IMAGE,
        "--operator-namespace", operatorNamespace,
        "--webhook-port", String.valueOf(port),
        "--webhook-config-name", configName,
        "--webhook-cert-extra-names", "localhost",
        "--drain-period", drainPeriod.toSeconds() + "s",
        "--coredns-release-grace", TestSettings.COREDNS_RELEASE_GRACE.toSeconds() + "s"}, Map.of());
  }
}
