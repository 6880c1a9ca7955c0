package io.dotproxy.operator.resources;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

/** Name, namespace and labels of every object the operator makes for one DnsOverTlsProxy. */
public final class ProxyMetadata {

  private ProxyMetadata() {}

  public static ObjectMeta of(DnsOverTlsProxy proxy) {
    return new ObjectMetaBuilder()
        .withName(ProxyNames.of(proxy))
        .withNamespace(proxy.getMetadata().getNamespace())
        .withLabels(ProxyLabels.of(proxy))
        .build();
  }
}
