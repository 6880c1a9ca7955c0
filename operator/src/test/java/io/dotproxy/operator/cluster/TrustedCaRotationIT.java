package io.dotproxy.operator.cluster;

import static io.dotproxy.operator.testing.ProxyApi.condition;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.TrustedCA;
import io.dotproxy.operator.resources.DesiredStateHash;
import io.dotproxy.operator.testing.Eventually;
import io.dotproxy.operator.testing.ProxyApi;
import io.dotproxy.operator.testing.TestProxies;
import io.dotproxy.operator.webhook.tls.CertificateIssuer;
import io.dotproxy.operator.webhook.tls.Pem;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A trustedCA ConfigMap that appears, is rotated or disappears reaches the proxies through the operator's
 * watch, and a trustedCA Secret through its polling by name, on a real API server. The periodic
 * reconciliation is ten minutes apart, so only the watch or the polling can explain an update within
 * {@link #PROMPT}.
 */
@ExtendWith(RealCluster.class)
class TrustedCaRotationIT {

  static final Duration RESYNC = Duration.ofMinutes(10);
  /** Far below the resync; generous for a shared two-core machine. */
  static final Duration PROMPT = Duration.ofSeconds(30);
  static final String CA_CONFIGMAP = "corp-ca";
  static final String CA_SECRET = "corp-ca-secret";
  /** Longer than a poll period, so the rotation is measured from a random point of the polling cycle. */
  static final Duration SETTLE = Duration.ofSeconds(7);
  static final String PROXY_CONFIGMAP = "dotproxy-fleet";

  @Test
  void aCaConfigMapThatAppearsRotatesAndGoesIsFollowedAtOnceWithoutRollingTheFleet(ControlPlane plane) {
    try (TestOperator operator = TestOperator.start(plane, RESYNC, false, "trusted-ca")) {
      String ns = operator.namespace(0);
      KubernetesClient client = plane.admin();
      ProxyApi fleet = createFleet(client, ns, TrustedCA.fromConfigMap(CA_CONFIGMAP, null));
      String first = newCaPem("corp CA 1");
      client.resource(caConfigMap(ns, first)).create();
      awaitBundle(fleet, first);
      DaemonSet before = fleet.await(DaemonSet.class, PROXY_CONFIGMAP);

      String second = newCaPem("corp CA 2");
      client.resource(caConfigMap(ns, second)).update();
      ConfigMap rotated = awaitBundle(fleet, second);
      assertThat(rotated.getData().get("config.yaml")).contains("ca-file: /etc/dotproxy/ca.crt");
      // The runtime reloads a changed CA file by itself: the pods must not be replaced for it.
      DaemonSet after = fleet.get(DaemonSet.class, PROXY_CONFIGMAP);
      assertThat(after.getMetadata().getGeneration()).isEqualTo(before.getMetadata().getGeneration());
      assertThat(DesiredStateHash.of(after)).isEqualTo(DesiredStateHash.of(before));

      client.resource(caConfigMap(ns, second)).delete();
      DnsOverTlsProxy degraded = fleet.awaitStatus(p -> "TrustedCANotFound".equals(condition(p, "Degraded").getReason()));
      assertThat(condition(degraded, "Degraded").getMessage()).contains("ConfigMap " + ns + "/" + CA_CONFIGMAP + " not found");
      // The last good bundle stays: no fallback to the system trust store.
      assertThat(fleet.get(ConfigMap.class, PROXY_CONFIGMAP).getData()).containsEntry("ca.crt", second);
    }
  }

  /**
   * The Secret is polled, not watched (RBAC cannot narrow a watch to the referenced Secrets), so it must
   * still be followed within seconds, without the CR being touched and without rolling the fleet.
   */
  @Test
  void aCaSecretThatAppearsRotatesAndGoesIsFollowedWithinSecondsWithoutRollingTheFleet(ControlPlane plane) {
    try (TestOperator operator = TestOperator.start(plane, RESYNC, false, "trusted-ca-secret")) {
      String ns = operator.namespace(0);
      KubernetesClient client = plane.admin();
      ProxyApi fleet = createFleet(client, ns, TrustedCA.fromSecret(CA_SECRET, null));
      long generation = fleet.current().getMetadata().getGeneration();

      String first = newCaPem("corp CA 1");
      client.resource(caSecret(ns, first)).create();
      awaitBundle(fleet, first);
      DaemonSet before = fleet.await(DaemonSet.class, PROXY_CONFIGMAP);

      // A fleet at rest: no DaemonSet or status change left to reconcile it by chance, only the polling.
      fleet.awaitStatus(p -> ProxyApi.hasCondition(p, "Ready", "True"));
      Eventually.sleep(SETTLE);
      String second = newCaPem("corp CA 2");
      Instant rotatedAt = Instant.now();
      client.resource(caSecret(ns, second)).update();
      ConfigMap rotated = awaitBundle(fleet, second);
      System.out.println("trustedCA Secret rotation reached the proxies' ConfigMap in "
          + Duration.between(rotatedAt, Instant.now()).toMillis() + " ms");
      assertThat(rotated.getData().get("config.yaml")).contains("ca-file: /etc/dotproxy/ca.crt");
      DaemonSet after = fleet.get(DaemonSet.class, PROXY_CONFIGMAP);
      assertThat(after.getMetadata().getGeneration()).isEqualTo(before.getMetadata().getGeneration());
      assertThat(DesiredStateHash.of(after)).isEqualTo(DesiredStateHash.of(before));

      client.resource(caSecret(ns, second)).delete();
      DnsOverTlsProxy degraded = fleet.awaitStatus(p -> "TrustedCANotFound".equals(condition(p, "Degraded").getReason()));
      assertThat(condition(degraded, "Degraded").getMessage()).contains("Secret " + ns + "/" + CA_SECRET + " not found");
      assertThat(fleet.get(ConfigMap.class, PROXY_CONFIGMAP).getData()).containsEntry("ca.crt", second);
      // Nothing but the Secret changed: the CR was never edited to prompt a reconciliation.
      assertThat(degraded.getMetadata().getGeneration()).isEqualTo(generation);
    }
  }

  /** A fleet whose trustedCA is {@code ca}, which does not exist yet: the proxy says so. */
  private static ProxyApi createFleet(KubernetesClient client, String namespace, TrustedCA ca) {
    ProxyApi fleet = new ProxyApi(client, namespace, "fleet", PROMPT);
    DnsOverTlsProxy proxy = TestProxies.quad9(namespace, "fleet");
    proxy.getSpec().setTrustedCA(ca);
    client.resource(proxy).create();
    fleet.awaitStatus(p -> "TrustedCANotFound".equals(condition(p, "Degraded").getReason()));
    return fleet;
  }

  private static Secret caSecret(String namespace, String pem) {
    return new SecretBuilder().withNewMetadata().withNamespace(namespace).withName(CA_SECRET).endMetadata()
        .addToData("ca.crt", Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII))).build();
  }

  private static ConfigMap awaitBundle(ProxyApi fleet, String pem) {
    return Eventually.until("the proxies' ConfigMap to carry the CA bundle", PROMPT,
        () -> fleet.get(ConfigMap.class, PROXY_CONFIGMAP),
        cm -> cm != null && pem.equals(cm.getData().get("ca.crt")));
  }

  private static ConfigMap caConfigMap(String namespace, String pem) {
    return new ConfigMapBuilder().withNewMetadata().withNamespace(namespace).withName(CA_CONFIGMAP).endMetadata()
        .addToData("ca.crt", pem).build();
  }

  private static String newCaPem(String commonName) {
    return Pem.encode(CertificateIssuer.newAuthority(commonName, Instant.now(), Duration.ofDays(1)).certificate());
  }
}
