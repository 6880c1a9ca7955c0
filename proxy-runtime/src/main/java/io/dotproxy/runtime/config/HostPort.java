package io.dotproxy.runtime.config;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;

/** An IP address and port, written {@code 127.0.0.1:53} or {@code [::1]:53}. */
public record HostPort(InetAddress address, int port) {

  public HostPort {
    Objects.requireNonNull(address, "address");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }

  /** Parses {@code ADDR:PORT}, or {@code ADDR} alone when a default port is given (&gt; 0). */
  static HostPort parse(String text, int defaultPort) throws IllegalArgumentException {
    String host;
    String portText = null;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("missing ']' after the IPv6 address");
      }
      host = text.substring(1, close);
      String rest = text.substring(close + 1);
      if (rest.startsWith(":")) {
        portText = rest.substring(1);
      } else if (!rest.isEmpty()) {
        throw new IllegalArgumentException("expected ':PORT' after ']'");
      }
    } else {
      int colon = text.indexOf(':');
      if (colon >= 0 && text.indexOf(':', colon + 1) >= 0) {
        throw new IllegalArgumentException("write IPv6 addresses in brackets, as [::1]:53");
      }
      host = colon < 0 ? text : text.substring(0, colon);
      portText = colon < 0 ? null : text.substring(colon + 1);
    }
    int port;
    if (portText == null) {
      if (defaultPort <= 0) {
        throw new IllegalArgumentException("expected ADDR:PORT");
      }
      port = defaultPort;
    } else {
      port = parsePort(portText, 0);
    }
    return new HostPort(parseIp(host), port);
  }

  static InetAddress parseIp(String text) {
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(text);
    if (bytes == null) {
      throw new IllegalArgumentException("'" + text + "' is not an IP address");
    }
    try {
      return InetAddress.getByAddress(bytes);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException("'" + text + "' is not an IP address", e);
    }
  }

  static int parsePort(String text, int min) {
    try {
      int port = Integer.parseInt(text);
      if (port >= min && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("port must be a number from " + min + " to 65535");
  }

  public InetSocketAddress socketAddress() {
    return new InetSocketAddress(address, port);
  }

  /** The address alone, IPv6 without brackets or zone noise. */
  public String host() {
    return NetUtil.toAddressString(address);
  }

  @Override
  public String toString() {
    String host = host();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
