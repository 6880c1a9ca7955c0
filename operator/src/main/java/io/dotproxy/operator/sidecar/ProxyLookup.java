package io.dotproxy.operator.sidecar;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import java.util.Optional;

/** Finds a DnsOverTlsProxy by namespace and name, from a cache: admission must not wait for the API server. */
@FunctionalInterface
public interface ProxyLookup {

  Optional<DnsOverTlsProxy> find(String namespace, String name);
}
