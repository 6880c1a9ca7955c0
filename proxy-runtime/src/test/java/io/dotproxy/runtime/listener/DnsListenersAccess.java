package io.dotproxy.runtime.listener;

/** Test access to the listeners' package-private limits. */
public final class DnsListenersAccess {

  private DnsListenersAccess() {}

  public static int maxTcpConnections() {
    return DnsListeners.MAX_TCP_CONNECTIONS;
  }
}
