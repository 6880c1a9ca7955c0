package io.dotproxy.operator.resources;

import io.dotproxy.operator.model.DnsOverTlsProxy;

/** Names of the objects the operator makes for a DnsOverTlsProxy, and the paths inside its pods. */
public final class ProxyNames {

  /** Name of the proxy container, the same in the DaemonSet and in injected sidecars. */
  public static final String CONTAINER = "dotproxy";

  public static final String CONFIG_FILE_KEY = "config.yaml";
  public static final String CA_BUNDLE_KEY = "ca.crt";
  public static final String CONFIG_DIR = "/etc/dotproxy";
  public static final String CONFIG_PATH = CONFIG_DIR + "/" + CONFIG_FILE_KEY;
  public static final String CA_BUNDLE_PATH = CONFIG_DIR + "/" + CA_BUNDLE_KEY;

  public static final int DNS_PORT = 53;
  public static final int ADMIN_PORT = 9153;

  private ProxyNames() {}

  /** The ConfigMap, DaemonSet and Service of a proxy all carry this name. */
  public static String of(DnsOverTlsProxy proxy) {
    return "dotproxy-" + proxy.getMetadata().getName();
  }
}
