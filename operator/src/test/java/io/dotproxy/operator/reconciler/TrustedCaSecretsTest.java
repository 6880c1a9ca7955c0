package io.dotproxy.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.TrustedCA;
import io.dotproxy.operator.testing.TestProxies;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.Set;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient
class TrustedCaSecretsTest {

  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void thePollKeepsOnlyWhatIdentifiesTheSecretsVersionNeverItsData() {
    server.expect().get().withPath("/api/v1/namespaces/team/secrets/corp-ca")
        .andReturn(200, secret("team", "corp-ca", "42")).once();

    Set<Secret> polled = TrustedCaSecrets.fetch(client, withCa("team", "a", TrustedCA.fromSecret("corp-ca", null)));

    assertThat(polled).hasSize(1);
    Secret kept = polled.iterator().next();
    assertThat(kept.getData()).isNullOrEmpty();
    assertThat(kept.getStringData()).isNullOrEmpty();
    assertThat(kept.getMetadata().getLabels()).isNullOrEmpty();
    assertThat(kept.getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(kept.getMetadata().getName()).isEqualTo("corp-ca");
    assertThat(kept.getMetadata().getNamespace()).isEqualTo("team");
    assertThat(kept.getMetadata().getResourceVersion()).isEqualTo("42");
    // A rotation is a new resourceVersion, and so a different cached object: the event that reconciles.
    assertThat(TrustedCaSecrets.trim(secret("team", "corp-ca", "43"))).isNotEqualTo(kept);
  }

  @Test
  void anAbsentOrUnreadableSecretIsNoSecretAndThePollCarriesOn() {
    server.expect().get().withPath("/api/v1/namespaces/team/secrets/gone")
        .andReturn(404, new StatusBuilder().withCode(404).withReason("NotFound").build()).once();
    server.expect().get().withPath("/api/v1/namespaces/team/secrets/forbidden")
        .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden").build()).once();

    assertThat(TrustedCaSecrets.fetch(client, withCa("team", "a", TrustedCA.fromSecret("gone", null)))).isEmpty();
    // JOSDK stops polling a proxy whose fetch throws; an error must come back as "no Secret" instead.
    assertThat(TrustedCaSecrets.fetch(client, withCa("team", "b", TrustedCA.fromSecret("forbidden", null)))).isEmpty();
  }

  @Test
  void proxiesWithoutASecretRefAreNeitherScheduledNorFetched() {
    DnsOverTlsProxy configMap = withCa("team", "a", TrustedCA.fromConfigMap("corp-ca", null));
    DnsOverTlsProxy systemStore = TestProxies.quad9("team", "b");
    int before = server.getRequestCount();

    assertThat(TrustedCaSecrets.secretName(configMap)).isEmpty();
    assertThat(TrustedCaSecrets.secretName(systemStore)).isEmpty();
    assertThat(TrustedCaSecrets.secretName(withCa("team", "c", TrustedCA.fromSecret("corp-ca", null)))).contains("corp-ca");
    // A proxy that dropped its secretRef after its polling was scheduled: no GET at all.
    assertThat(TrustedCaSecrets.fetch(client, configMap)).isEmpty();
    assertThat(server.getRequestCount()).isEqualTo(before);
  }

  private static Secret secret(String namespace, String name, String resourceVersion) {
    return new SecretBuilder().withNewMetadata().withNamespace(namespace).withName(name)
        .withResourceVersion(resourceVersion).withUid("u-1").addToLabels("app", "x").addToAnnotations("a", "b").endMetadata()
        .addToData("ca.crt", "LS0tLS1CRUdJTg==").addToStringData("extra", "x").build();
  }

  private static DnsOverTlsProxy withCa(String namespace, String name, TrustedCA ca) {
    DnsOverTlsProxy proxy = TestProxies.quad9(namespace, name);
    proxy.getSpec().setTrustedCA(ca);
    return proxy;
  }
}
