package io.dotproxy.operator.testing;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.DnsOverTlsProxySpec;
import io.dotproxy.operator.model.Upstream;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;

/** DnsOverTlsProxy objects for tests. */
public final class TestProxies {

  private TestProxies() {}

  public static DnsOverTlsProxy quad9(String namespace, String name) {
    var spec = new DnsOverTlsProxySpec();
    spec.setUpstreams(List.of(new Upstream("9.9.9.9", 853, "dns.quad9.net")));
    var proxy = new DnsOverTlsProxy();
    proxy.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).withGeneration(1L).build());
    proxy.setSpec(spec);
    return proxy;
  }
}
