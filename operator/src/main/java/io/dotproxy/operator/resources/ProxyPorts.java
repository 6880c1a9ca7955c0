package io.dotproxy.operator.resources;

/** Port names shared by the proxy container and its Service. */
public final class ProxyPorts {

  public static final String DNS_UDP = "dns-udp";
  public static final String DNS_TCP = "dns-tcp";
  public static final String ADMIN = "admin";

  private ProxyPorts() {}
}
