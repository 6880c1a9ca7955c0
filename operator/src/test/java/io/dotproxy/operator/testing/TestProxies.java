package io.dotproxy.operator.testing;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.DnsOverTlsProxySpec;
import io.dotproxy.operator.model.Upstream;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;

/** DnsOverTlsProxy objects for tests. */
public final class TestProxies {

  private TestProxies() {}

  /**
   * Stores a DnsOverTlsProxy whose spec is the given JSON (null for none) as it is, the way kubectl
   * would against a CRD without its validation rules: it may hold what the model cannot express.
   */
  public static void createRaw(KubernetesClient client, String namespace, String name, String specJson) {
    String json = """
        {"apiVersion": "%s/%s", "kind": "DnsOverTlsProxy", "metadata": {"namespace": "%s", "name": "%s"}%s}"""
        .formatted(DnsOverTlsProxy.GROUP, DnsOverTlsProxy.VERSION, namespace, name,
            specJson == null ? "" : ", \"spec\": " + specJson);
    client.genericKubernetesResources(ResourceDefinitionContext.fromResourceType(DnsOverTlsProxy.class))
        .inNamespace(namespace)
        .resource(Serialization.unmarshal(json, GenericKubernetesResource.class))
        .create();
  }

  public static DnsOverTlsProxy quad9(String namespace, String name) {
    var spec = new DnsOverTlsProxySpec();
    spec.setUpstreams(List.of(new Upstream("9.9.9.9", 853, "dns.quad9.net")));
    var proxy = new DnsOverTlsProxy();
    proxy.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).withGeneration(1L).build());
    proxy.setSpec(spec);
    return proxy;
  }
}
