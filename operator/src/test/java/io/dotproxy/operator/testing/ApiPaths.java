package io.dotproxy.operator.testing;

import io.dotproxy.operator.model.DnsOverTlsProxy;

/** API server paths of the objects the operator reads and writes, for arming faults and counting requests. */
public final class ApiPaths {

  /** The kubeadm default location of CoreDNS's ConfigMap (what the operator patches). */
  public static final String COREDNS = "/api/v1/namespaces/kube-system/configmaps/coredns";

  private ApiPaths() {}

  public static String proxy(String namespace, String name) {
    return "/apis/" + DnsOverTlsProxy.GROUP + "/" + DnsOverTlsProxy.VERSION + "/namespaces/" + namespace
        + "/dnsovertlsproxies/" + name;
  }

  public static String proxyStatus(String namespace, String name) {
    return proxy(namespace, name) + "/status";
  }

  public static String configMaps(String namespace) {
    return "/api/v1/namespaces/" + namespace + "/configmaps";
  }

  public static String configMap(String namespace, String name) {
    return configMaps(namespace) + "/" + name;
  }

  public static String daemonSets(String namespace) {
    return "/apis/apps/v1/namespaces/" + namespace + "/daemonsets";
  }

  public static String services(String namespace) {
    return "/api/v1/namespaces/" + namespace + "/services";
  }
}
