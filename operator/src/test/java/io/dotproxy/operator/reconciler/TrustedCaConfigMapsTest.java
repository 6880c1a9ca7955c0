package io.dotproxy.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.informers.TrimmingItemStore;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.TrustedCA;
import io.dotproxy.operator.testing.TestProxies;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class TrustedCaConfigMapsTest {

  @Test
  void aConfigMapMapsToEveryProxyOfItsNamespaceThatNamesItAsTrustedCa() {
    DnsOverTlsProxy a = withCa("team", "a", TrustedCA.fromConfigMap("corp-ca", "ca.crt"));
    DnsOverTlsProxy b = withCa("team", "b", TrustedCA.fromConfigMap("corp-ca", "bundle.pem"));
    DnsOverTlsProxy otherName = withCa("team", "c", TrustedCA.fromConfigMap("other-ca", "ca.crt"));
    DnsOverTlsProxy otherNamespace = withCa("elsewhere", "d", TrustedCA.fromConfigMap("corp-ca", "ca.crt"));
    DnsOverTlsProxy secret = withCa("team", "e", TrustedCA.fromSecret("corp-ca", "ca.crt"));
    DnsOverTlsProxy systemStore = TestProxies.quad9("team", "f");

    assertThat(TrustedCaConfigMaps.referencing(configMap("team", "corp-ca"),
        Stream.of(a, b, otherName, otherNamespace, secret, systemStore)))
        .containsExactlyInAnyOrder(new ResourceID("a", "team"), new ResourceID("b", "team"));
    assertThat(TrustedCaConfigMaps.referencing(configMap("team", "unrelated"), Stream.of(a, b, otherName))).isEmpty();
  }

  @Test
  void theCacheKeepsNoDataOnlyWhatIdentifiesTheVersion() {
    ConfigMap full = new ConfigMapBuilder(configMap("team", "corp-ca"))
        .editMetadata().withUid("u-1").withResourceVersion("42").addToLabels("app", "x").addToAnnotations("a", "b").endMetadata()
        .addToData("ca.crt", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
        .addToBinaryData("blob", "AAAA")
        .build();

    TrimmingItemStore<ConfigMap> store = new TrimmingItemStore<>(TrustedCaConfigMaps::trim);
    store.put(store.getKey(full), full);
    ConfigMap kept = store.get("team/corp-ca");

    assertThat(kept.getData()).isNullOrEmpty();
    assertThat(kept.getBinaryData()).isNullOrEmpty();
    assertThat(kept.getMetadata().getLabels()).isNullOrEmpty();
    assertThat(kept.getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(kept.getMetadata().getName()).isEqualTo("corp-ca");
    assertThat(kept.getMetadata().getNamespace()).isEqualTo("team");
    assertThat(kept.getMetadata().getUid()).isEqualTo("u-1");
    assertThat(kept.getMetadata().getResourceVersion()).isEqualTo("42");
    // The mapper still finds the proxies from what is kept (a deletion seen only at a relist maps from it).
    assertThat(TrustedCaConfigMaps.referencing(kept, Stream.of(withCa("team", "a", TrustedCA.fromConfigMap("corp-ca", null)))))
        .containsExactly(new ResourceID("a", "team"));
  }

  private static DnsOverTlsProxy withCa(String namespace, String name, TrustedCA ca) {
    DnsOverTlsProxy proxy = TestProxies.quad9(namespace, name);
    proxy.getSpec().setTrustedCA(ca);
    return proxy;
  }

  private static ConfigMap configMap(String namespace, String name) {
    return new ConfigMapBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata().build();
  }
}
